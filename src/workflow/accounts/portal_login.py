"""Signing in to the assister and agency portal: password, then a second factor (an
authenticator app or a code by e-mail), then a session.

Failed passwords and failed codes count together, in the database (``login_attempts``,
channel ``portal``): after ``login_max_failures`` within ``login_failure_window_minutes``
the account locks for ``login_lockout_minutes`` (``accounts.locked_until``), whichever
server process the attempts reached. Every failure is in the audit log. Sessions end
after the staff's idle time and absolute limit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from piccolo.apps.user.tables import BaseUser

from workflow.accounts import mfa_secrets, one_time, portal_mail
from workflow.accounts.login import authenticate
from workflow.core.codes import hash_token
from workflow.core.errors import BadInput, Forbidden
from workflow.core.i18n import N_
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.core.settings import get_settings
from workflow.db import transaction
from workflow.engine import audit
from workflow.tables import Account, LoginAttempt, PortalLogin, PortalSession

PORTAL_ROLES = (Role.assister, Role.agency_admin)
CHANNEL = "portal"
TOTP, EMAIL = "totp", "email"
REFUSED = N_(
    "The username or password is wrong, or the account is locked after too many attempts. "
    "Check them and try again later, or reset your password."
)
WRONG_CODE = N_("That code is wrong or has expired. Try again, or ask for a new code.")
LOCKED = N_(
    "Too many wrong attempts: the account is locked for an hour. Try again later, or ask "
    "support to unlock it."
)
EXPIRED = N_("Your sign-in took too long and expired. Please sign in again.")
LEFT = N_("This account has left the program. If you are coming back, ask the program's support.")
DEACTIVATED = "deactivated"

PORTAL_USER = """
SELECT u.id AS user_id, u.username, u.email AS user_email, u.active,
       a.id AS account_id, a.role, a.organization AS organization_id,
       a.assister AS assister_id, a.locked_until, a.failures_count_from,
       s.email AS assister_email, s.name AS assister_name, s.language AS assister_language,
       s.state AS assister_state,
       p.mfa_method, p.language
FROM piccolo_user u JOIN accounts a ON a."user" = u.id
LEFT JOIN assisters s ON s.id = a.assister
LEFT JOIN portal_logins p ON p."user" = u.id
WHERE u.id = {}
"""
SESSION_USER = """
SELECT s.id AS session_id, s.expiry_date, s.max_expiry_date, s.csrf_token, s.user_id
FROM portal_sessions s WHERE s.token = {}
"""


@dataclass(frozen=True)
class PasswordStep:
    token: str  # the sign-in step's cookie, good for the second factor only
    mfa_method: str | None  # None: enrol first


@dataclass(frozen=True)
class PortalSessionInfo:
    principal: Principal
    csrf_token: str
    language: str
    display_name: str


async def portal_user(user_id: int) -> dict | None:
    rows = await BaseUser.raw(PORTAL_USER, user_id)
    return rows[0] if rows else None


def email_of(user: dict) -> str:
    return user["assister_email"] or user["user_email"]


def language_of(user: dict) -> str:
    return user["language"] or user["assister_language"] or "en"


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


async def check_password(username: str, password: str, now: datetime | None = None) -> PasswordStep:
    """The first step; the same refusal for unknown, wrong, locked and inactive."""
    now = _now(now)
    user_id = await authenticate(username, password, channel=CHANNEL, now=now)
    user = await portal_user(user_id) if user_id is not None else None
    if user is None:
        raise Forbidden(REFUSED)
    if user["role"] not in PORTAL_ROLES:
        raise Forbidden(
            N_(
                "This sign-in is for assisters and agency admins. Staff sign in to the admin; "
                "consumers at /consumer/login."
            )
        )
    if user["assister_state"] == DEACTIVATED:
        raise Forbidden(LEFT)
    await ensure_portal_login(user)
    token = await one_time.new_token(user_id, one_time.SIGN_IN, now)
    if user["mfa_method"] == EMAIL:
        await send_email_code(user, now)
    return PasswordStep(token, user["mfa_method"])


async def ensure_portal_login(user: dict) -> None:
    if user["mfa_method"] is None and user["language"] is None:
        await PortalLogin.insert(
            PortalLogin(user=user["user_id"], language=user["assister_language"] or "en")
        ).on_conflict(action="DO NOTHING")


async def send_email_code(user: dict, now: datetime) -> None:
    code = await one_time.new_code(user["user_id"], now)
    context = {"username": user["username"], "code": code, "base_url": get_settings().public_url}
    await portal_mail.send(email_of(user), language_of(user), "portal_code", context, now)


async def pending(token: str, now: datetime | None = None) -> dict | None:
    """The user between their password and their second factor, if the step is live."""
    user_id = await one_time.holder(token, one_time.SIGN_IN, _now(now))
    return await portal_user(user_id) if user_id is not None else None


async def second_factor(
    token: str, code: str, now: datetime | None = None, *, enrolling: str | None = None
) -> tuple[str, str]:
    """Check the code (the enrolled method's, or ``enrolling``'s when choosing one);
    on success open a session: (cookie, CSRF token)."""
    now = _now(now)
    user = await pending(token, now)
    if user is None:
        raise Forbidden(EXPIRED)
    if _locked(user, now):
        await _failure(user, "locked", now)
        raise Forbidden(LOCKED)
    method = enrolling if user["mfa_method"] is None else user["mfa_method"]
    if enrolling and user["mfa_method"] is not None:
        raise Forbidden(N_("You have already set up your second step; sign in with it."))
    good = (
        await mfa_secrets.check_code(user["user_id"], code)
        if method == TOTP
        else await one_time.use_code(user["user_id"], code, now)
    )
    if not good:
        if await _failure(user, "wrong code", now):
            await one_time.retire_all(user["user_id"], one_time.SIGN_IN, now)
            raise Forbidden(LOCKED)
        raise Forbidden(WRONG_CODE)
    if await one_time.use_token(token, one_time.SIGN_IN, now) is None:
        raise Forbidden(EXPIRED)
    if enrolling:
        await PortalLogin.update(
            {PortalLogin.mfa_method: enrolling, PortalLogin.mfa_enrolled_at: now}
        ).where(PortalLogin.user == user["user_id"])
        await audit.record(
            "mfa_enrolled",
            "success",
            username=user["username"],
            object_type="user",
            object_id=user["user_id"],
            detail={"method": enrolling},
            at=now,
        )
    await audit.record(
        "login",
        "success",
        username=user["username"],
        object_type="user",
        object_id=user["user_id"],
        detail={"channel": CHANNEL, "step": "mfa"},
        at=now,
    )
    return await open_session(user["user_id"], now)


def _locked(user: dict, now: datetime) -> bool:
    until = user["locked_until"]
    return until is not None and _aware(until) > now


async def _failure(user: dict, why: str, now: datetime) -> bool:
    """Record a failed code (counted with failed passwords); lock the account when there
    have been too many. True if it is locked now."""
    await LoginAttempt.insert(
        LoginAttempt(
            username=user["username"],
            user_id=user["user_id"],
            at=now,
            success=False,
            channel=CHANNEL,
            source=audit.REQUEST_SOURCE.get(),
            detail=why,
        )
    )
    await audit.record(
        "login",
        "failure",
        username=user["username"],
        object_type="user",
        object_id=user["user_id"],
        detail={"channel": CHANNEL, "why": why},
        at=now,
    )
    if why == "locked":
        return True
    settings = get_settings()
    since = now - timedelta(minutes=settings.login_failure_window_minutes)
    if user["failures_count_from"] is not None:
        since = max(since, _aware(user["failures_count_from"]))
    failures = await LoginAttempt.count().where(
        (LoginAttempt.user_id == user["user_id"])
        & (LoginAttempt.success == False)  # noqa: E712
        & (LoginAttempt.at >= since)
    )
    if failures < settings.login_max_failures:
        return False
    until = now + timedelta(minutes=settings.login_lockout_minutes)
    await Account.update({Account.locked_until: until, Account.failures_count_from: now}).where(
        Account.id == user["account_id"]
    )
    await audit.record(
        "lockout",
        "locked",
        username=user["username"],
        object_type="user",
        object_id=user["user_id"],
        detail={"until": until.isoformat(), "failures": failures},
        at=now,
    )
    return True


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def open_session(user_id: int, now: datetime) -> tuple[str, str]:
    settings = get_settings()
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    async with transaction():
        await PortalSession.delete().where(  # this user's sessions that ran out
            (PortalSession.user_id == user_id)
            & (
                (PortalSession.expiry_date <= _naive(now))
                | (PortalSession.max_expiry_date <= _naive(now))
            )
        )
        await PortalSession.insert(
            PortalSession(
                token=hash_token(cookie),
                user_id=user_id,
                csrf_token=csrf,
                expiry_date=_naive(now + timedelta(minutes=settings.staff_session_idle_minutes)),
                max_expiry_date=_naive(now + timedelta(hours=settings.staff_session_max_hours)),
            )
        )
    return cookie, csrf


async def session_for_cookie(cookie: str, now: datetime | None = None) -> PortalSessionInfo | None:
    """The signed-in portal user behind a cookie, or ``None`` when it is unknown, idle
    too long, past its absolute limit, or its login inactive. Activity extends it."""
    if not cookie or len(cookie) > 100:
        return None
    rows = await PortalSession.raw(SESSION_USER, hash_token(cookie))
    now_naive = _naive(_now(now))
    if not rows or rows[0]["expiry_date"] <= now_naive or rows[0]["max_expiry_date"] <= now_naive:
        return None
    row = rows[0]
    user = await portal_user(row["user_id"])
    if user is None or not user["active"] or user["role"] not in PORTAL_ROLES:
        return None
    if user["assister_state"] == DEACTIVATED:
        return None
    idle = timedelta(minutes=get_settings().staff_session_idle_minutes)
    renewed = min(now_naive + idle, row["max_expiry_date"])
    if renewed - row["expiry_date"] > timedelta(minutes=1):  # a write a minute at most
        await PortalSession.update({PortalSession.expiry_date: renewed}).where(
            PortalSession.id == row["session_id"]
        )
    principal = Principal(
        user_id=user["user_id"],
        username=user["username"],
        role=user["role"],
        account_id=user["account_id"],
        organization_id=user["organization_id"],
        assister_id=user["assister_id"],
    )
    name = user["assister_name"] or user["username"]
    return PortalSessionInfo(principal, row["csrf_token"], language_of(user), name)


async def sign_out(cookie: str) -> None:
    await PortalSession.delete().where(PortalSession.token == hash_token(cookie))


async def end_sessions(user_id: int) -> None:
    await PortalSession.delete().where(PortalSession.user_id == user_id)


async def set_language(user_id: int, language: str) -> None:
    await PortalLogin.update({PortalLogin.language: language}).where(PortalLogin.user == user_id)


async def reset_mfa(username: str, actor: Principal, now: datetime | None = None) -> None:
    """Support: a portal user lost their phone. Their second step is removed (they choose
    one again at their next sign-in) and their sessions end; nothing is shown to support."""
    now = _now(now)
    row = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    user = await portal_user(row["id"]) if row else None
    if user is None or user["role"] not in PORTAL_ROLES:
        raise BadInput(
            f"{username!r} is not an assister or agency admin login; staff reset "
            "staff MFA in the admin"
        )
    await mfa_secrets.remove(user["user_id"])
    await PortalLogin.update(
        {PortalLogin.mfa_method: None, PortalLogin.mfa_enrolled_at: None}
    ).where(PortalLogin.user == user["user_id"])
    await end_sessions(user["user_id"])
    await audit.record(
        "mfa_reset", "success", actor=actor, object_type="user", object_id=user["user_id"], at=now
    )
