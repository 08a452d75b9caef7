"""API tokens: issuing them, and who is behind one.

Every authenticated request asks :func:`principal_for_token`; the answer is kept in this
process for ``token_cache_seconds`` (5 by default), so most requests need no database
trip. A revocation or deactivation made in this process empties the cache at once; one
made in another process (or straight in the database) takes effect here within that many
seconds. A token's own expiry is honoured to the second.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from workflow.core.codes import hash_token, new_api_token
from workflow.core.principal import Principal
from workflow.core.settings import get_settings
from workflow.db.raw import read
from workflow.tables import ApiToken

# How stale ``last_used_at`` may get before a request refreshes it (saves a write per call).
LAST_USED_GRANULARITY = timedelta(minutes=5)
# token hash -> (principal, when this process stops trusting it: monotonic seconds,
# when the token itself expires or None)
_cache: dict[str, tuple[Principal, float, datetime | None]] = {}
MAX_CACHED = 10_000
# The cache's clock (tests move it on to show the bound).
clock = time.monotonic


def default_ttl() -> timedelta | None:
    days = get_settings().token_ttl_days
    return timedelta(days=days) if days > 0 else None


def forget_tokens() -> None:
    """After any revocation, deactivation or role change in this process."""
    _cache.clear()


async def issue_token(account_id: int, label: str = "", ttl: timedelta | None = None) -> str:
    """A new token for the account (shown once); it expires after ``ttl`` (default: the
    ``token_ttl_days`` setting)."""
    ttl = ttl if ttl is not None else default_ttl()
    token = new_api_token()
    now = datetime.now(UTC)
    await ApiToken.insert(
        ApiToken(
            account=account_id,
            token_hash=hash_token(token),
            label=label,
            created_at=now,
            expires_at=now + ttl if ttl else None,
        )
    )
    return token


# Runs on every authenticated request: one fixed statement, because building the
# equivalent three-table join through piccolo's column chains costs ~3 ms of CPU.
PRINCIPAL_BY_TOKEN_HASH = """
SELECT t.id, t.expires_at, t.revoked, t.last_used_at,
       a.id AS account_id, a.role, a.organization AS organization_id,
       a.assister AS assister_id, u.id AS user_id, u.username, u.active,
       c.id AS consumer_id
FROM api_tokens t
JOIN accounts a ON a.id = t.account
JOIN piccolo_user u ON u.id = a."user"
LEFT JOIN consumers c ON c."user" = u.id
WHERE t.token_hash = {}
"""


async def principal_for_token(token: str, now: datetime | None = None) -> Principal | None:
    """The principal behind a bearer token, or ``None`` if it is unknown, revoked,
    expired or belongs to an inactive user."""
    now = now or datetime.now(UTC)
    token_hash = hash_token(token)
    cached = _cache.get(token_hash)
    if cached is not None:
        principal, trusted_until, expires_at = cached
        if clock() < trusted_until and (expires_at is None or now < expires_at):
            return principal
        del _cache[token_hash]
    principal, expires_at = await _look_up(token_hash, now)
    ttl = get_settings().token_cache_seconds
    if principal is not None and ttl > 0:
        if len(_cache) >= MAX_CACHED:
            _cache.clear()
        _cache[token_hash] = (principal, clock() + ttl, expires_at)
    return principal


async def _look_up(token_hash: str, now: datetime) -> tuple[Principal | None, datetime | None]:
    rows = await read(PRINCIPAL_BY_TOKEN_HASH, token_hash)
    row = rows[0] if rows else None
    if row is None or row["revoked"] or not row["active"]:
        return None, None
    expires_at = _aware(row["expires_at"]) if row["expires_at"] is not None else None
    if expires_at is not None and expires_at <= now:
        return None, None
    last_used = row["last_used_at"]
    if last_used is None or _aware(last_used) < now - LAST_USED_GRANULARITY:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    principal = Principal(
        user_id=row["user_id"],
        username=row["username"],
        role=row["role"],
        account_id=row["account_id"],
        organization_id=row["organization_id"],
        assister_id=row["assister_id"],
        consumer_id=row["consumer_id"],
    )
    return principal, expires_at


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
