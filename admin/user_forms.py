"""Admin forms for what the tables may not do directly: create users and assisters (which
need a role, a Reference Number, a token shown once), deactivate, unlock, tokens and MFA.
Each calls the same service as the CLI and the API, which also writes the audit log."""

from __future__ import annotations

from typing import Literal, Optional

from piccolo_admin.endpoints import FormConfig
from pydantic import BaseModel, Field

from admin.auth import principal_of
from admin.mfa import reset
from workflow.accounts import management as users
from workflow.accounts.login import unlock
from workflow.accounts.service import NewUser, create_user
from workflow.assisters.service import NewAssister, create_assister
from workflow.core.errors import MachineError
from workflow.core.roles import SIGN_IN, Role
from workflow.engine import audit

GROUP = "People"
LoginRoleChoice = Literal[tuple(role.value for role in SIGN_IN)]  # type: ignore[valid-type]


async def _actor(request, *roles: str):
    actor = await principal_of(request)
    if actor.role not in roles:
        raise ValueError(f"a {actor.role} may not do this; ask: {', '.join(roles)}")
    return actor


class CreateUser(BaseModel):
    username: str = Field(..., min_length=3, max_length=100)
    role: LoginRoleChoice
    email: Optional[str] = Field(None, max_length=254)  # noqa: UP045
    assister_id: Optional[int] = Field(None, description="for role assister")  # noqa: UP045
    organization_id: Optional[int] = Field(  # noqa: UP045
        None, description="for role agency_admin"
    )


async def create_user_form(request, form: CreateUser) -> str:
    await _actor(request, "admin")
    try:
        created = await create_user(
            NewUser(
                username=form.username.strip(),
                role=form.role,
                email=form.email,
                assister_id=form.assister_id,
                organization_id=form.organization_id,
            )
        )
    except MachineError as exc:
        raise ValueError(exc.detail) from None
    return (
        f"Created {created.username} ({created.role}). Shown once, pass them on securely: "
        f"password {created.password} · API token {created.token}"
    )


class NewAssisterForm(BaseModel):
    kind: Literal["broker", "navigator", "cac"]
    name: str = Field(..., min_length=1, max_length=200)
    email: str = Field(..., max_length=254)
    phone: Optional[str] = Field(None, max_length=40)  # noqa: UP045
    npn: Optional[str] = Field(None, max_length=10, description="brokers")  # noqa: UP045
    organization_id: Optional[int] = None  # noqa: UP045
    language: Literal["en", "es"] = "en"


async def new_assister_form(request, form: NewAssisterForm) -> str:
    actor = await _actor(request, "admin")
    try:
        row = await create_assister(NewAssister(**form.model_dump()), actor)
    except MachineError as exc:
        raise ValueError(exc.detail) from None
    number = row["reference_number"]
    return f"Onboarded assister {row['id']} ({row['name']}), Reference Number {number}"


class ByUsername(BaseModel):
    username: str = Field(..., min_length=1, max_length=150)


async def deactivate_form(request, form: ByUsername) -> str:
    actor = await _actor(request, "admin")
    try:
        user = await users.deactivate(await users.user_id_for(form.username.strip()), actor)
    except MachineError as exc:
        raise ValueError(exc.detail) from None
    return f"Deactivated {user['username']}: tokens revoked and sessions ended"


UNLOCK = ("unlock an admin", "unlock yourself")
RESET_MFA = ("reset an admin's MFA", "reset your own MFA")


async def _target(username: str, actor, what: tuple[str, str], *, admin_on_self: bool) -> dict:
    """The user a support form acts on. Support helps others, never an admin (whose
    lockout or lost phone is for another admin) and never themselves; an admin acts on
    anyone, on themselves only where ``admin_on_self``."""
    try:
        user = await users.get_user(await users.user_id_for(username))
    except MachineError as exc:
        raise ValueError(exc.detail) from None
    on_admin, on_self = what
    if user["id"] == actor.user_id and not (actor.role == Role.admin and admin_on_self):
        raise ValueError(f"you may not {on_self}; ask an admin")
    if actor.role != Role.admin and user["role"] == Role.admin:
        raise ValueError(f"support may not {on_admin}; ask another admin")
    return user


async def unlock_form(request, form: ByUsername) -> str:
    actor = await _actor(request, "admin", "support")
    user = await _target(form.username.strip(), actor, UNLOCK, admin_on_self=True)
    try:
        await unlock(user["username"], actor)
    except MachineError as exc:
        raise ValueError(exc.detail) from None
    return f"Unlocked {user['username']}"


class IssueToken(BaseModel):
    username: str = Field(..., min_length=1, max_length=150)
    label: str = Field("", max_length=100)
    ttl_days: Optional[int] = Field(None, ge=1, le=3650)  # noqa: UP045


async def issue_token_form(request, form: IssueToken) -> str:
    actor = await _actor(request, "admin")
    try:
        user_id = await users.user_id_for(form.username.strip())
        token = await users.new_token(user_id, form.label, form.ttl_days, actor)
    except MachineError as exc:
        raise ValueError(exc.detail) from None
    return f"New token for {form.username.strip()} (shown once): {token}"


class RevokeToken(BaseModel):
    token_id: int = Field(..., ge=1)


async def revoke_token_form(request, form: RevokeToken) -> str:
    actor = await _actor(request, "admin")
    try:
        await users.revoke_token(form.token_id, actor)
    except MachineError as exc:
        raise ValueError(exc.detail) from None
    return f"Revoked token {form.token_id}"


async def reset_mfa_form(request, form: ByUsername) -> str:
    actor = await _actor(request, "admin", "support")
    user = await _target(form.username.strip(), actor, RESET_MFA, admin_on_self=False)
    await reset(user["id"])
    await audit.record(
        "mfa_reset", "success", actor=actor, object_type="user", object_id=user["id"]
    )
    return f"MFA reset for {user['username']}: they set up an authenticator at next sign-in"


def user_forms() -> list[FormConfig]:
    def form(name, model, endpoint, description):
        return FormConfig(name, model, endpoint, description=description, form_group=GROUP)

    return [
        form("Create user", CreateUser, create_user_form,
             "A login with a role; the password and first API token are shown once."),
        form("New assister", NewAssisterForm, new_assister_form,
             "Onboard a broker, navigator or certified application counselor."),
        form("Deactivate user", ByUsername, deactivate_form,
             "The login stops at once: tokens revoked, sessions ended."),
        form("Unlock user", ByUsername, unlock_form,
             "Lift a lockout after too many failed sign-ins (support may, for users who "
             "are not admins)."),
        form("Reset MFA", ByUsername, reset_mfa_form,
             "A lost phone: remove someone else's authenticator so they can enrol again "
             "(support may, for users who are not admins)."),
        form("Issue token", IssueToken, issue_token_form, "A new API token, shown once."),
        form("Revoke token", RevokeToken, revoke_token_form,
             "Token ids are on the API tokens table."),
    ]  # fmt: skip
