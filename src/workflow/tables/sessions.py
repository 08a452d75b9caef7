from piccolo.columns import Varchar
from piccolo_api.session_auth.tables import SessionsBase


class ConsumerSession(SessionsBase, tablename="consumer_sessions"):
    """A consumer's browser session (piccolo_api's session table, kept apart from the
    admin's). ``token`` holds the SHA-256 of the cookie, never the cookie itself;
    ``csrf_token`` is the session's synchronizer token, rendered into every form.
    Expiry columns are naive UTC, as ``SessionsBase`` declares them."""

    csrf_token = Varchar(length=64, secret=True)
