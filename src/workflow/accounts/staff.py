"""Who is signed in to the admin and the staff pages: shared by both (the admin and the
web layer import it; it imports neither). The same users as the API (piccolo's
``piccolo_user`` with an ``accounts`` row for the role), the same login protection, and
staff sessions with an idle timeout and an absolute limit.

``StaffUser`` and ``StaffSession`` are views of piccolo's own tables (same table names),
so the admin and the API share one set of users and nothing needs migrating.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from piccolo.apps.user.tables import BaseUser
from piccolo_api.mfa.authenticator.tables import AuthenticatorSecret
from piccolo_api.session_auth.tables import SessionsBase

from workflow.accounts.login import authenticate
from workflow.core.principal import Principal
from workflow.core.roles import STAFF
from workflow.core.settings import get_settings


class StaffUser(BaseUser, tablename="piccolo_user"):
    """piccolo-admin signs in through ``login``: ours counts failures in the database,
    locks accounts and writes the audit log, and admits only admin and support."""

    @classmethod
    async def login(cls, username: str, password: str) -> int | None:
        # An enrolled user's sign-in ends with the code (``admin/mfa.py`` records it).
        known = await cls.select(cls.id).where(cls.username == username.strip()[:150]).first()
        enrolled = known is not None and await AuthenticatorSecret.is_user_enrolled(known["id"])
        user_id = await authenticate(username, password, channel="admin", code_follows=enrolled)
        if user_id is None:
            return None
        principal = await staff_principal(user_id)
        return user_id if principal is not None else None


class StaffSession(SessionsBase, tablename="sessions"):
    """A staff session ends after ``staff_session_idle_minutes`` without a request, and
    ``staff_session_max_hours`` after sign-in whatever happens (piccolo's own renewal
    only adds time when a session is about to expire, which is not an idle timeout)."""

    @classmethod
    async def get_user_id(cls, token: str, increase_expiry: timedelta | None = None) -> int | None:
        session = await cls.objects().where(cls.token == token).first()
        if session is None:
            return None
        now = _naive_utc_now()
        if session.expiry_date <= now or session.max_expiry_date <= now:
            return None
        idle = timedelta(minutes=get_settings().staff_session_idle_minutes)
        renewed = min(now + idle, session.max_expiry_date)
        # Writing on every request would be wasteful; a minute's slack is harmless.
        if renewed - session.expiry_date > timedelta(minutes=1):
            await cls.update({cls.expiry_date: renewed}).where(cls.id == session.id)
        return session.user_id

    @classmethod
    async def create_session(cls, user_id: int, expiry_date=None, max_expiry_date=None):
        settings = get_settings()
        now = _naive_utc_now()
        return await super().create_session(
            user_id=user_id,
            expiry_date=now + timedelta(minutes=settings.staff_session_idle_minutes),
            max_expiry_date=now + timedelta(hours=settings.staff_session_max_hours),
        )


def _naive_utc_now() -> datetime:
    # SessionsBase declares its expiry columns without a time zone: they hold UTC.
    return datetime.now(UTC).replace(tzinfo=None)


STAFF_PRINCIPAL = """
SELECT u.id AS user_id, u.username, u.active, a.id AS account_id, a.role
FROM piccolo_user u JOIN accounts a ON a."user" = u.id
WHERE u.id = {}
"""


async def staff_principal(user_id: int) -> Principal | None:
    """The principal of an active admin or support user, else ``None``."""
    rows = await BaseUser.raw(STAFF_PRINCIPAL, user_id)
    if not rows or not rows[0]["active"] or rows[0]["role"] not in STAFF:
        return None
    row = rows[0]
    return Principal(
        user_id=row["user_id"],
        username=row["username"],
        role=row["role"],
        account_id=row["account_id"],
    )


async def principal_from_session_cookie(token: str | None) -> Principal | None:
    """For the staff pages outside piccolo-admin (dashboard, queue, case pages), which
    share the admin's session cookie. With MFA required, the session of a user who has
    not enrolled reaches nothing here, as in the admin (``admin/mfa.py``)."""
    if not token:
        return None
    user_id = await StaffSession.get_user_id(token)
    if not user_id or not await mfa_satisfied(user_id):
        return None
    return await staff_principal(user_id)


async def mfa_satisfied(user_id: int) -> bool:
    """MFA is not required, or the user has enrolled (piccolo then asks every sign-in
    for a code; its sessions do not record that they gave one, so this is the check)."""

    if not get_settings().staff_mfa_required:
        return True
    return await AuthenticatorSecret.is_user_enrolled(user_id=user_id)
