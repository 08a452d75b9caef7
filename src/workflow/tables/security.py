from piccolo.columns import JSON, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_log"):
    """Who did what to which object, with what outcome, when (UTC). Append-only: the
    database refuses updates and deletes (triggers installed by a migration)."""

    at = Timestamptz(index=True)
    actor = Varchar(length=150, index=True)  # username, "anonymous" or "system"
    actor_user_id = Integer(null=True, default=None)
    role = Varchar(length=20, default="")
    action = Varchar(length=80)  # login, lockout, access_refused, event, ...
    object_type = Varchar(length=40, default="")
    object_id = Varchar(length=40, default="")
    outcome = Varchar(length=20)  # success, failure, refused, applied
    detail = JSON(default={})
    source = Varchar(length=64, default="")  # client address
    correlation_id = Varchar(length=40, default="")


class LoginAttempt(Table, tablename="login_attempts"):
    """Every sign-in attempt, counted in the database so lockouts hold across processes
    and restarts. Nothing about the password is kept."""

    username = Varchar(length=150)
    user_id = Integer(null=True, default=None)
    at = Timestamptz()
    success = Boolean(default=False)
    channel = Varchar(length=20, default="")  # admin, consumer
    source = Varchar(length=64, default="")
    detail = Text(default="")
