"""Signing in with a username and password, for the admin and the consumer pages.

Failed attempts are counted in the database (``login_attempts``), so a lockout holds
across processes and restarts: after ``login_max_failures`` failures within
``login_failure_window_minutes`` the account locks for ``login_lockout_minutes`` or until
support unlocks it. Unknown, wrong and locked all get the same answer (``None``) and take
the same time. The slow password hash runs in a worker thread, not on the event loop.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import UTC, datetime, timedelta

from piccolo.apps.user.tables import BaseUser

from workflow.core.errors import Forbidden, NotFound
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.core.settings import get_settings
from workflow.engine import audit
from workflow.tables import Account, LoginAttempt

USER_FOR_LOGIN = """
SELECT u.id, u.password, u.active, a.id AS account_id, a.locked_until,
       a.failures_count_from, a.role
FROM piccolo_user u LEFT JOIN accounts a ON a."user" = u.id
WHERE u.username = {}
"""

# Hash something for unknown users too, so timing does not tell which names exist.
_DUMMY_HASH = "pbkdf2_sha256$600000$00000000000000000000000000000000$" + "0" * 64


def _verify(password: str, stored: str) -> bool:
    try:
        _, iterations, salt, _hashed = BaseUser.split_stored_password(stored)
        candidate = BaseUser.hash_password(password, salt, int(iterations))
    except ValueError:  # malformed hash, or an over-long password
        return False
    return hmac.compare_digest(candidate, stored)


def is_locked(row: dict, now: datetime) -> bool:
    until = row.get("locked_until")
    return until is not None and _aware(until) > now


async def authenticate(
    username: str,
    password: str,
    *,
    channel: str,
    now: datetime | None = None,
    code_follows: bool = False,
) -> int | None:
    """The user's id if the password is right and the account active and unlocked.
    ``code_follows``: an MFA code is asked next, so a right password is not yet a
    sign-in (the audit says so; :func:`code_checked` records the outcome)."""
    now = now or datetime.now(UTC)
    name = username.strip()[:150]
    rows = await BaseUser.raw(USER_FOR_LOGIN, name)
    row = rows[0] if rows else None
    stored = row["password"] if row else _DUMMY_HASH
    matches = await asyncio.to_thread(_verify, password, stored)
    if row and row["active"] and matches and not is_locked(row, now):
        if code_follows:
            await _attempt(name, row["id"], True, channel, now, "password; MFA code next")
            await audit.record(
                "login", "password_ok", username=name, object_type="user",
                object_id=row["id"], detail={"channel": channel}, at=now,
            )  # fmt: skip
        else:
            await _signed_in(name, row["id"], channel, now, "")
        return row["id"]
    why = (
        "unknown user"
        if not row
        else (
            "locked"
            if is_locked(row, now)
            else "inactive"
            if not row["active"]
            else "wrong password"
        )
    )
    await _attempt(name, row["id"] if row else None, False, channel, now, why)
    await audit.record(
        "login",
        "failure",
        username=name,
        object_type="user",
        object_id=row["id"] if row else "",
        detail={"channel": channel, "why": why},
        at=now,
    )
    if row and row["account_id"] and why == "wrong password":
        await _lock_if_too_many(row, name, now)
    return None


async def _signed_in(name: str, user_id: int, channel: str, now: datetime, how: str) -> None:
    await _attempt(name, user_id, True, channel, now, how)
    await BaseUser.update({BaseUser.last_login: now.replace(tzinfo=None)}).where(
        BaseUser.id == user_id
    )
    detail = {"channel": channel, **({"mfa": True} if how else {})}
    await audit.record(
        "login", "success", username=name, object_type="user", object_id=user_id,
        detail=detail, at=now,
    )  # fmt: skip


async def code_checked(
    user_id: int, username: str, passed: bool, *, channel: str, now: datetime | None = None
) -> None:
    """The outcome of an MFA code after a right password. A wrong code is a failed
    sign-in like a wrong password: in the attempts, the audit log and the lockout."""
    now = now or datetime.now(UTC)
    if passed:
        await _signed_in(username, user_id, channel, now, "MFA code")
        return
    why = "wrong MFA code"
    await _attempt(username, user_id, False, channel, now, why)
    await audit.record(
        "login", "failure", username=username, object_type="user", object_id=user_id,
        detail={"channel": channel, "why": why}, at=now,
    )  # fmt: skip
    rows = await BaseUser.raw(USER_FOR_LOGIN, username)
    if rows and rows[0]["account_id"]:
        await _lock_if_too_many(rows[0], username, now)


async def _attempt(name, user_id, success, channel, now, detail) -> None:
    await LoginAttempt.insert(
        LoginAttempt(
            username=name,
            user_id=user_id,
            at=now,
            success=success,
            channel=channel,
            source=audit.REQUEST_SOURCE.get(),
            detail=detail,
        )
    )


async def _lock_if_too_many(row: dict, name: str, now: datetime) -> None:
    settings = get_settings()
    since = now - timedelta(minutes=settings.login_failure_window_minutes)
    if row["failures_count_from"] is not None:
        since = max(since, _aware(row["failures_count_from"]))
    failures = await LoginAttempt.count().where(
        (LoginAttempt.user_id == row["id"])
        & (LoginAttempt.success == False)  # noqa: E712
        & (LoginAttempt.at >= since)
    )
    if failures >= settings.login_max_failures:
        until = now + timedelta(minutes=settings.login_lockout_minutes)
        await Account.update({Account.locked_until: until, Account.failures_count_from: now}).where(
            Account.id == row["account_id"]
        )
        await audit.record(
            "lockout",
            "locked",
            username=name,
            object_type="user",
            object_id=row["id"],
            detail={"until": until.isoformat(), "failures": failures},
            at=now,
        )


async def unlock(username: str, actor: Principal, now: datetime | None = None) -> None:
    """Support lifts a lockout; earlier failures stop counting."""
    now = now or datetime.now(UTC)
    rows = await BaseUser.raw(USER_FOR_LOGIN, username)
    if not rows or rows[0]["account_id"] is None:
        raise NotFound(f"user {username!r} not found")
    # Support helps others; an admin's lockout (and their own) is for another admin.
    if actor.role != Role.admin and (rows[0]["role"] == "admin" or rows[0]["id"] == actor.user_id):
        await audit.record("unlock", "refused", actor=actor, object_type="user",
                           object_id=rows[0]["id"], at=now)  # fmt: skip
        raise Forbidden("support may not unlock an admin or themselves; ask an admin")
    await Account.update({Account.locked_until: None, Account.failures_count_from: now}).where(
        Account.id == rows[0]["account_id"]
    )
    await audit.record(
        "unlock", "success", actor=actor, object_type="user", object_id=rows[0]["id"], at=now
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


RATE_WINDOW = timedelta(minutes=5)
_ATTEMPTS_FROM = """
SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_attempts
WHERE source = {} AND at >= {} AND channel = {}
"""


async def seconds_until_allowed(
    source: str, limit: int, now: datetime | None = None, channel: str = "admin"
) -> int:
    """0 if ``source`` (a client address) may try to sign in now, else how long it must
    wait: at most ``limit`` attempts on ``channel`` per five minutes, counted in the
    database so every process and host sees the same count (the lockout, per account,
    is separate)."""
    now = now or datetime.now(UTC)
    rows = await BaseUser.raw(_ATTEMPTS_FROM, source, now - RATE_WINDOW, channel)
    if not rows or rows[0]["n"] < limit:
        return 0
    oldest = rows[0]["oldest"]
    oldest = datetime.fromisoformat(oldest) if isinstance(oldest, str) else oldest
    return max(1, int((_aware(oldest) + RATE_WINDOW - now).total_seconds()) + 1)
