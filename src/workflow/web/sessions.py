"""The consumer's session cookie and its CSRF check, for the global guard and the pages;
and the CSRF check of the staff pages' forms (signed in through the admin's cookie).

A request authenticated by the cookie (not by a bearer token) that changes something
(any method but GET/HEAD/OPTIONS) must carry the session's synchronizer token, in the
``csrf_token`` form field or the ``X-CSRF-Token`` header; otherwise it is refused (403).
Bearer-token clients never need it: a browser cannot be tricked into sending a header.
"""

from __future__ import annotations

import hmac

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException

from workflow.accounts.sessions import Session, session_for_cookie
from workflow.core.principal import Principal

SESSION_COOKIE = "workflow_session"
LOGIN_CSRF_COOKIE = "workflow_login_csrf"
STAFF_CSRF_COOKIE = "workflow_staff_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SESSION_KEY = "workflow_session"  # where the guard leaves the Session in the scope
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def principal_from_cookie(connection: ASGIConnection) -> Principal | None:
    """The consumer behind the session cookie, with CSRF checked on writes."""
    cookie = connection.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    session = await session_for_cookie(cookie)
    if session is None:
        return None
    if connection.scope["method"] not in SAFE_METHODS:
        await _check_csrf(connection, session)
    connection.scope[SESSION_KEY] = session  # type: ignore[literal-required]
    return session.principal


async def _check_csrf(connection: ASGIConnection, session: Session) -> None:
    sent = connection.headers.get(CSRF_HEADER)
    content_type = connection.headers.get("content-type", "")
    if not sent and isinstance(connection, Request) and content_type.startswith(FORM_TYPES):
        sent = (await connection.form()).get(CSRF_FIELD)
    if not sent or not hmac.compare_digest(str(sent), session.csrf_token):
        raise PermissionDeniedException(
            "missing or wrong CSRF token: reload the page and submit the form again "
            "(API clients: send Authorization: Bearer <token> instead of the cookie)"
        )


async def check_staff_csrf(connection: ASGIConnection) -> None:
    """A staff page's form carries the token the page set in ``STAFF_CSRF_COOKIE``
    (double submit: a page on another site can make a browser send the cookie, but it
    cannot read it to put it in the form)."""
    expected = connection.cookies.get(STAFF_CSRF_COOKIE, "")
    sent = connection.headers.get(CSRF_HEADER)
    content_type = connection.headers.get("content-type", "")
    if not sent and isinstance(connection, Request) and content_type.startswith(FORM_TYPES):
        sent = (await connection.form()).get(CSRF_FIELD)
    if not expected or not sent or not hmac.compare_digest(str(sent), expected):
        raise PermissionDeniedException(
            "missing or wrong CSRF token: reload the page and submit the form again"
        )


def current_session(request: Request) -> Session | None:
    return request.scope.get(SESSION_KEY)  # type: ignore[return-value]
