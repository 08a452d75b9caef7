"""Consumers' browser sessions: sign in with username and password (piccolo's
``BaseUser.login``), a session row in ``consumer_sessions`` (piccolo_api's
``SessionsBase``) keyed by the SHA-256 of the cookie, and a CSRF synchronizer token per
session. Bearer tokens remain the way API clients authenticate."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workflow.accounts.login import authenticate
from workflow.core.codes import hash_token
from workflow.core.errors import Forbidden
from workflow.core.i18n import N_
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.core.settings import get_settings
from workflow.tables import Account, Consumer, ConsumerSession

# One fixed statement per request, like the bearer-token lookup.
PRINCIPAL_BY_SESSION = """
SELECT s.id AS session_id, s.expiry_date, s.max_expiry_date, s.csrf_token,
       a.id AS account_id, a.role, a.organization AS organization_id,
       a.assister AS assister_id, u.id AS user_id, u.username, u.active,
       c.id AS consumer_id, c.language
FROM consumer_sessions s
JOIN piccolo_user u ON u.id = s.user_id
JOIN accounts a ON a."user" = u.id
LEFT JOIN consumers c ON c."user" = u.id
WHERE s.token = {}
"""


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf_token: str
    language: str | None = None  # the consumer's, for their pages


@dataclass(frozen=True)
class NewSession:
    cookie: str  # shown to the browser only
    csrf_token: str


def _naive_utc(moment: datetime) -> datetime:
    # SessionsBase declares its expiry columns as Timestamp (no time zone): store UTC.
    return moment.astimezone(UTC).replace(tzinfo=None)


async def sign_in(username: str, password: str, now: datetime | None = None) -> NewSession:
    """Check the password and open a session; a generic refusal either way, so the form
    does not reveal which usernames exist."""
    user_id = await authenticate(username, password, channel="consumer", now=now)
    if user_id is None:
        raise Forbidden(
            N_(
                "the username or password is wrong, or the account is locked after too many "
                "attempts; check them and try again later, or ask support to unlock it"
            )
        )
    account = await Account.select(Account.role).where(Account.user == user_id).first()
    has_record = await Consumer.exists().where(Consumer.user == user_id)
    if account is None or account["role"] != Role.consumer or not has_record:
        raise Forbidden(
            N_(
                "this sign-in is for consumers; assisters and staff use their API token or the "
                "admin"
            )
        )
    settings = get_settings()
    now = now or datetime.now(UTC)
    await ConsumerSession.delete().where(  # this user's sessions that ran out
        (ConsumerSession.user_id == user_id)
        & (
            (ConsumerSession.expiry_date <= _naive_utc(now))
            | (ConsumerSession.max_expiry_date <= _naive_utc(now))
        )
    )
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await ConsumerSession.insert(
        ConsumerSession(
            token=hash_token(cookie),
            user_id=user_id,
            csrf_token=csrf,
            expiry_date=_naive_utc(now + timedelta(minutes=settings.session_idle_minutes)),
            max_expiry_date=_naive_utc(now + timedelta(hours=settings.session_max_hours)),
        )
    )
    return NewSession(cookie, csrf)


async def session_for_cookie(cookie: str, now: datetime | None = None) -> Session | None:
    """The principal and CSRF token behind a session cookie, or ``None`` when it is
    unknown, expired or its user inactive. Activity extends it, up to its hard limit."""
    rows = await ConsumerSession.raw(PRINCIPAL_BY_SESSION, hash_token(cookie))
    row = rows[0] if rows else None
    now_naive = _naive_utc(now or datetime.now(UTC))
    if row is None or not row["active"]:
        return None
    if row["expiry_date"] <= now_naive or row["max_expiry_date"] <= now_naive:
        return None
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if row["expiry_date"] - now_naive < idle / 2:  # refresh at most every half window
        await ConsumerSession.update(
            {ConsumerSession.expiry_date: min(now_naive + idle, row["max_expiry_date"])}
        ).where(ConsumerSession.id == row["session_id"])
    principal = Principal(
        user_id=row["user_id"],
        username=row["username"],
        role=row["role"],
        account_id=row["account_id"],
        organization_id=row["organization_id"],
        assister_id=row["assister_id"],
        consumer_id=row["consumer_id"],
    )
    return Session(principal, row["csrf_token"], row["language"])


async def sign_out(cookie: str) -> None:
    await ConsumerSession.delete().where(ConsumerSession.token == hash_token(cookie))
