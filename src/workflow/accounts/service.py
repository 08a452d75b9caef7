"""Users, their roles and their API tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from piccolo.apps.user.tables import BaseUser

from workflow.accounts.tokens import issue_token
from workflow.consumers.service import create_consumer_record
from workflow.core.codes import new_password
from workflow.core.errors import BadInput, Conflict
from workflow.core.roles import SIGN_IN, STAFF, Role
from workflow.core.sensitive import looks_like_ssn, ssn_refusal
from workflow.db import transaction
from workflow.tables import Account, Assister, Organization

MIN_PASSWORD_LENGTH = 12
# How stale ``last_used_at`` may get before a request refreshes it (saves a write per call).
# One address, nothing else: no spaces or control characters (a newline would let the
# address add headers such as Bcc to every e-mail sent to it), one @, a dotted domain.
_PART = r"[^@\s\x00-\x1f\x7f,;<>\"]+"
EMAIL_PATTERN = re.compile(rf"{_PART}@{_PART}\.{_PART}")
MAX_EMAIL_LENGTH = 254


@dataclass(frozen=True)
class NewUser:
    username: str
    role: str
    email: str | None = None
    password: str | None = None
    assister_id: int | None = None
    organization_id: int | None = None
    # The consumer record of a ``consumer`` login (full name defaults to the username).
    full_name: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class CreatedUser:
    user_id: int
    account_id: int
    username: str
    role: str
    password: str  # shown once
    token: str  # shown once
    consumer_id: int | None = None


async def create_user(new: NewUser) -> CreatedUser:
    """Create a login with a role, a password and a first API token (both returned once)."""
    await _check_new_user(new)
    password = new.password or new_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"password: use at least {MIN_PASSWORD_LENGTH} characters", "password")
    # Hashing the password is deliberately slow: do it before taking the write lock.
    user = BaseUser(
        username=new.username,
        password=password,
        email=new.email or f"{new.username}@users.workflow.invalid",
        active=True,
        admin=new.role in STAFF,
        superuser=new.role == Role.admin,
    )
    async with transaction():
        await user.save()
        rows = await Account.insert(
            Account(
                user=user.id,
                role=new.role,
                assister=new.assister_id,
                organization=new.organization_id,
                created_at=datetime.now(UTC),
            )
        )
        token = await issue_token(rows[0]["id"], label="created with the account")
        consumer_id = await _consumer_record(new, user) if new.role == Role.consumer else None
    return CreatedUser(user.id, rows[0]["id"], new.username, new.role, password, token, consumer_id)


async def _consumer_record(new: NewUser, user: BaseUser) -> int:
    return await create_consumer_record(
        user.id,
        name=new.full_name or new.username,
        email=user.email,
        phone=new.phone,
        address=new.address,
        now=datetime.now(UTC),
    )


async def _check_new_user(new: NewUser) -> None:
    if new.role not in SIGN_IN:
        raise BadInput(f"role: choose one of {', '.join(SIGN_IN)}", "role")
    if not new.username or len(new.username) > 100:
        raise BadInput("username: give 1 to 100 characters", "username")
    if await BaseUser.exists().where(BaseUser.username == new.username):
        raise Conflict(f"username {new.username!r} is taken; choose another")
    if new.email is not None and not valid_email(new.email):
        raise BadInput(
            f"email: {new.email!r} is not one e-mail address like name@example.org", "email"
        )
    _check_consumer_fields(new)
    if new.role == Role.assister:
        if new.assister_id is None:
            raise BadInput("assister_id: an assister login needs --assister-id", "assister_id")
        if not await Assister.exists().where(Assister.id == new.assister_id):
            raise BadInput(f"assister_id: assister {new.assister_id} does not exist", "assister_id")
    if new.role == Role.agency_admin:
        if new.organization_id is None:
            raise BadInput(
                "organization_id: an agency admin needs --organization-id", "organization_id"
            )
        if not await Organization.exists().where(Organization.id == new.organization_id):
            raise BadInput(
                f"organization_id: organization {new.organization_id} does not exist",
                "organization_id",
            )


PHONE = re.compile(r"[0-9+()\-. x]{7,40}")


def _check_consumer_fields(new: NewUser) -> None:
    """The consumer record's fields, held to the API's rules (the CLI creates them too)."""
    if new.phone is not None and not PHONE.fullmatch(new.phone):
        raise BadInput("phone: 7 to 40 digits, spaces or + ( ) - . x, e.g. 503-555-0134", "phone")
    for field, value, most in (("full_name", new.full_name, 200), ("address", new.address, 400)):
        if value is not None and not 0 < len(value.strip()) <= most:
            raise BadInput(f"{field}: give 1 to {most} characters", field)
    for field in ("full_name", "address", "phone"):
        if looks_like_ssn(getattr(new, field)):
            raise BadInput(ssn_refusal(field), field)


def valid_email(address: str) -> bool:
    """One plain address (``name@example.org``), at most 254 characters, nothing else."""
    return len(address) <= MAX_EMAIL_LENGTH and EMAIL_PATTERN.fullmatch(address) is not None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def ensure_first_admin() -> CreatedUser | None:
    """On a database with no users, create ``admin`` with a random password and token."""
    if await BaseUser.count() > 0:
        return None
    return await create_user(NewUser(username="admin", role=Role.admin))
