"""Managing logins: list, deactivate, unlock, and API tokens (issue, list, revoke)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from workflow.accounts.tokens import forget_tokens, issue_token
from workflow.core.codes import hash_token
from workflow.core.errors import BadInput, Conflict, NotFound
from workflow.core.principal import Principal
from workflow.db import is_sqlite, transaction
from workflow.engine import audit
from workflow.tables import Account, ApiToken, ConsumerSession, PortalSession

USERS = """
SELECT u.id, u.username, u.active, u.last_login, a.id AS account_id, a.role,
       a.organization AS organization_id, a.assister AS assister_id, a.locked_until
FROM piccolo_user u LEFT JOIN accounts a ON a."user" = u.id
"""


async def list_users(role: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
    where, args = ("WHERE a.role = {}", [role]) if role else ("", [])
    rows = await BaseUser.raw(
        f"{USERS} {where} ORDER BY u.id LIMIT {{}} OFFSET {{}}", *args, limit, offset
    )
    total = await (Account.count().where(Account.role == role) if role else BaseUser.count())
    return rows, total


async def get_user(user_id: int) -> dict[str, Any]:
    rows = await BaseUser.raw(f"{USERS} WHERE u.id = {{}}", user_id)
    if not rows:
        raise NotFound(f"user {user_id} not found")
    return rows[0]


async def user_id_for(username: str) -> int:
    row = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    if row is None:
        raise NotFound(f"user {username!r} not found")
    return row["id"]


async def revoke_everything(user_id: int) -> int:
    """Revoke every token and end every session of the user; returns tokens revoked."""
    accounts = [a["id"] for a in await Account.select(Account.id).where(Account.user == user_id)]
    revoked = 0
    if accounts:
        rows = (
            await ApiToken.update({ApiToken.revoked: True})
            .where(
                ApiToken.account.is_in(accounts) & (ApiToken.revoked == False)  # noqa: E712
            )
            .returning(ApiToken.id)
        )
        revoked = len(rows)
    await ConsumerSession.delete().where(ConsumerSession.user_id == user_id)
    await PortalSession.delete().where(PortalSession.user_id == user_id)
    await SessionsBase.delete().where(SessionsBase.user_id == user_id)
    forget_tokens()
    return revoked


# Everything an assister's logins hold, as statements an event sends with its own writes
# (``deactivate``): their tokens revoked, their sessions (consumer and staff) ended.
_LOGINS_OF_ASSISTER = 'SELECT "user" FROM accounts WHERE assister = {}'
_REVOKE_FOR_ASSISTER = (
    "UPDATE api_tokens SET revoked = {} WHERE NOT revoked AND account IN "
    "(SELECT id FROM accounts WHERE assister = {})",
    f"DELETE FROM consumer_sessions WHERE user_id IN ({_LOGINS_OF_ASSISTER})",
    f"DELETE FROM sessions WHERE user_id IN ({_LOGINS_OF_ASSISTER})",
    f"DELETE FROM portal_sessions WHERE user_id IN ({_LOGINS_OF_ASSISTER})",
)


def revocations_for_assister(assister_id: int) -> list[tuple[str, tuple]]:
    """The statements that revoke every token and end every session of the logins of
    ``assister_id`` (call ``forget_tokens`` once they are committed)."""
    first, *rest = _REVOKE_FOR_ASSISTER
    return [(first, (True, assister_id)), *((sql, (assister_id,)) for sql in rest)]


# The active admins, locked (PostgreSQL) so that two admins deactivating each other at
# once queue here and the second sees the first's change; SQLite's write transactions
# already queue.
_ACTIVE_ADMINS = """
SELECT u.id FROM piccolo_user u JOIN accounts a ON a."user" = u.id
WHERE a.role = 'admin' AND u.active
"""


async def deactivate(user_id: int, actor: Principal) -> dict[str, Any]:
    """The login stops working at once: inactive, tokens revoked, sessions ended. Nobody
    deactivates themselves, and the last active admin stays (409): someone must be able
    to sign in and manage the others."""
    user = await get_user(user_id)
    if actor.user_id is not None and user_id == actor.user_id:
        raise Conflict("you may not deactivate your own login; ask another admin")
    async with transaction():
        if user["role"] == "admin" and user["active"]:
            lock = "" if is_sqlite() else " ORDER BY u.id FOR UPDATE OF u"
            admins = {r["id"] for r in await BaseUser.raw(_ACTIVE_ADMINS + lock)}
            if admins <= {user_id}:
                raise Conflict(
                    f"{user['username']} is the last active admin; create or reactivate "
                    "another admin first, so someone can still manage the service"
                )
        await BaseUser.update({BaseUser.active: False}).where(BaseUser.id == user_id)
        revoked = await revoke_everything(user_id)
        await audit.record(
            "user_deactivated",
            "success",
            actor=actor,
            object_type="user",
            object_id=user_id,
            detail={"tokens_revoked": revoked},
        )
    return await get_user(user_id)


async def list_tokens(user_id: int) -> list[dict[str, Any]]:
    await get_user(user_id)
    return (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.label,
            ApiToken.created_at,
            ApiToken.expires_at,
            ApiToken.revoked,
            ApiToken.last_used_at,
        )
        .where(ApiToken.account.user == user_id)
        .order_by(ApiToken.id)
    )


async def new_token(user_id: int, label: str, ttl_days: int | None, actor: Principal) -> str:
    user = await get_user(user_id)
    if user["account_id"] is None:
        raise BadInput(f"user {user_id} has no role in the program; create it with a role")
    if not user["active"]:
        raise BadInput(f"user {user_id} is deactivated; tokens would not work")
    ttl = timedelta(days=ttl_days) if ttl_days else None
    token = await issue_token(user["account_id"], label=label, ttl=ttl)
    await audit.record(
        "token_issued",
        "success",
        actor=actor,
        object_type="user",
        object_id=user_id,
        detail={"label": label},
    )
    return token


async def revoke_token(token_id: int, actor: Principal) -> None:
    rows = (
        await ApiToken.update({ApiToken.revoked: True})
        .where(ApiToken.id == token_id)
        .returning(ApiToken.id)
    )
    if not rows:
        raise NotFound(f"token {token_id} not found")
    forget_tokens()
    await audit.record(
        "token_revoked", "success", actor=actor, object_type="token", object_id=token_id
    )


async def revoke_token_value(token: str, actor: Principal) -> int:
    """Revoke by the token itself (what its holder can show); returns its id."""
    row = await ApiToken.select(ApiToken.id).where(ApiToken.token_hash == hash_token(token)).first()
    if row is None:
        raise NotFound("no such token (already deleted, or mistyped)")
    await revoke_token(row["id"], actor)
    return row["id"]


def is_locked(user: dict[str, Any], now: datetime | None = None) -> bool:
    until = user.get("locked_until")
    if until is None:
        return False
    until = until if until.tzinfo else until.replace(tzinfo=UTC)
    return until > (now or datetime.now(UTC))
