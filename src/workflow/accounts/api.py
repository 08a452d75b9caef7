"""Logins and their API tokens: staff read, admins change, support unlocks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta, Struct

from workflow.accounts import login
from workflow.accounts import management as users
from workflow.core.roles import LoginRole
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Actor, Id, Limit, Offset
from workflow.web.schemas import convert


class UserOut(Struct):
    id: int
    username: str
    active: bool
    role: str | None
    organization_id: int | None
    assister_id: int | None
    locked: bool
    locked_until: datetime | None
    last_login: datetime | None


class UserPage(Struct):
    items: list[UserOut]
    total: int
    limit: int
    offset: int


class TokenOut(Struct):
    id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool
    last_used_at: datetime | None


class NewTokenBody(Struct, forbid_unknown_fields=True):
    label: Annotated[str, Meta(max_length=100)] = ""
    ttl_days: Annotated[int, Meta(ge=1, le=3650)] | None = None


class NewTokenOut(Struct):
    token: str  # shown once


def _user(row: dict) -> UserOut:
    return convert({**row, "locked": users.is_locked(row)}, UserOut)


class UserController(Controller):
    tags = ["users"]

    @get("/users", opt=allow("admin", "support"))
    async def list_users(
        self,
        role: Annotated[LoginRole | None, QueryParameter()] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> UserPage:
        """Logins with their role and whether they are locked out."""
        rows, total = await users.list_users(role, limit, offset)
        return UserPage([_user(r) for r in rows], total, limit, offset)

    @get("/users/{user_id:int}", opt=allow("admin", "support"))
    async def read(self, user_id: Id) -> UserOut:
        return _user(await users.get_user(user_id))

    @post("/users/{user_id:int}/unlock", opt=allow("admin", "support"), status_code=200)
    async def unlock(self, user_id: Id, actor: Actor) -> UserOut:
        """Lift a lockout after too many failed sign-ins (support's action)."""
        user = await users.get_user(user_id)
        await login.unlock(user["username"], actor)
        return _user(await users.get_user(user_id))

    @post("/users/{user_id:int}/deactivate", opt=allow("admin"), status_code=200)
    async def deactivate(self, user_id: Id, actor: Actor) -> UserOut:
        """The login stops working at once: its tokens are revoked, its sessions ended."""
        return _user(await users.deactivate(user_id, actor))

    @get("/users/{user_id:int}/tokens", opt=allow("admin"))
    async def tokens(self, user_id: Id) -> list[TokenOut]:
        """The user's tokens (never their values: only hashes are stored)."""
        return convert(await users.list_tokens(user_id), list[TokenOut])

    @post("/users/{user_id:int}/tokens", opt=allow("admin"), status_code=201)
    async def new_token(
        self, user_id: Id, actor: Actor, data: JSONBody[NewTokenBody | None] = None
    ) -> NewTokenOut:
        """Issue a token; its value is in this response only."""
        body = data or NewTokenBody()
        return NewTokenOut(await users.new_token(user_id, body.label, body.ttl_days, actor))

    @post("/tokens/{token_id:int}/revoke", opt=allow("admin"), status_code=200)
    async def revoke(self, token_id: Id, actor: Actor) -> dict[str, int]:
        """Revoke one token at once."""
        await users.revoke_token(token_id, actor)
        return {"revoked": token_id}
