"""A forgotten password or username, for portal users. Both forms take an e-mail
address and answer the same whether or not an account has it; the link or the username
goes only to that address. A reset link works once, for 30 minutes. Each client address
may ask a few times per five minutes (``recovery_rate_limit``, both forms together):
over it the answer is still the same, but no mail goes out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from piccolo.apps.user.tables import BaseUser

from workflow.accounts import one_time, portal_mail, request_limits
from workflow.accounts.passwords import password_problem
from workflow.accounts.portal_login import (
    PORTAL_ROLES,
    email_of,
    end_sessions,
    language_of,
    portal_user,
)
from workflow.core.errors import BadInput, Forbidden
from workflow.core.i18n import N_
from workflow.core.settings import get_settings
from workflow.engine import audit

# Portal logins whose address (the assister's record, else the login's own) is this one.
# Two halves rather than lower(coalesce(...)), so each can use its lower(email) index;
# "role || ''" keeps SQLite's planner off the role index (every portal login has one of
# these two roles; the address finds one or two rows).
BY_EMAIL = """
SELECT u.id FROM assisters s JOIN accounts a ON a.assister = s.id
JOIN piccolo_user u ON u.id = a."user"
WHERE lower(s.email) = {} AND u.active AND (a.role || '') IN ({}, {})
UNION
SELECT u.id FROM piccolo_user u JOIN accounts a ON a."user" = u.id
LEFT JOIN assisters s ON s.id = a.assister
WHERE lower(u.email) = {} AND s.email IS NULL AND u.active AND (a.role || '') IN ({}, {})
"""
LINK_USED = N_("This link has expired or was used already. Ask for a new one below.")


async def _users_with(email: str) -> list[dict]:
    address = email.strip().lower()
    if not address or len(address) > 254:
        return []
    rows = await BaseUser.raw(BY_EMAIL, address, *PORTAL_ROLES, address, *PORTAL_ROLES)
    return [u for u in [await portal_user(r["id"]) for r in rows] if u is not None]


async def _over_limit(now: datetime) -> bool:
    return bool(await request_limits.take(request_limits.RECOVERY,
                                          get_settings().recovery_rate_limit, now))  # fmt: skip


async def send_reset_links(email: str, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    if await _over_limit(now):
        return
    base = get_settings().public_url
    for user in await _users_with(email):
        token = await one_time.new_token(user["user_id"], one_time.RESET, now)
        context = {"username": user["username"], "link": f"{base}/assister/reset/{token}"}
        await portal_mail.send(email_of(user), language_of(user), "portal_reset", context, now)
        await audit.record(
            "password_reset",
            "link_sent",
            username=user["username"],
            object_type="user",
            object_id=user["user_id"],
            at=now,
        )


async def send_usernames(email: str, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    if await _over_limit(now):
        return
    users = await _users_with(email)
    if users:
        context = {
            "usernames": [u["username"] for u in users],
            "base_url": get_settings().public_url,
        }
        first = users[0]
        await portal_mail.send(email_of(first), language_of(first), "portal_username", context, now)


async def link_is_live(token: str, now: datetime | None = None) -> bool:
    return await one_time.holder(token, one_time.RESET, now or datetime.now(UTC)) is not None


async def reset_password(token: str, password: str, now: datetime | None = None) -> str:
    """Set the new password with the link (using it up); every session of the user
    ends and a half-finished sign-in no longer counts. Returns the username."""
    now = now or datetime.now(UTC)
    user_id = await one_time.holder(token, one_time.RESET, now)
    user = await portal_user(user_id) if user_id is not None else None
    if user is None:
        raise Forbidden(LINK_USED)
    problem = password_problem(password, user["username"])
    if problem:
        raise BadInput(problem, "password")
    hashed = await asyncio.to_thread(BaseUser.hash_password, password)
    if await one_time.use_token(token, one_time.RESET, now) is None:
        raise Forbidden(LINK_USED)
    await BaseUser.update({BaseUser.password: hashed}).where(BaseUser.id == user["user_id"])
    await one_time.retire_all(user["user_id"], one_time.SIGN_IN, now)
    await end_sessions(user["user_id"])
    await audit.record(
        "password_reset",
        "success",
        username=user["username"],
        object_type="user",
        object_id=user["user_id"],
        at=now,
    )
    return user["username"]
