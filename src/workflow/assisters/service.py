"""Creating, finding and listing assisters; reading their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workflow.assisters.address import Address, address_columns, address_of
from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.machine import ASSISTER, AssisterKind, AssisterState
from workflow.core.codes import new_reference_number
from workflow.core.errors import BadInput, Forbidden
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.core.settings import get_settings
from workflow.db import ilike, transaction
from workflow.engine.cases import blocked_events, load_case
from workflow.engine.records import record_creation
from workflow.tables import Assister, Organization
from workflow.tables.assisters import DirectoryDisplay
from workflow.training.records import requirements
from workflow.validations.binding import create_validation

PUBLIC_COLUMNS = [c for c in Assister._meta.columns if c._meta.name != "registration_number_hash"]


@dataclass(frozen=True)
class NewAssister:
    kind: str
    name: str
    email: str
    phone: str | None = None
    npn: str | None = None
    organization_id: int | None = None
    # Whether an SSN was given when the account was created (the SSN itself never is).
    ssn_provided: bool = False
    language: str = "en"
    address: Address | None = None
    directory_display: str = DirectoryDisplay.all


async def create_assister(new: NewAssister, actor: Principal, now: datetime | None = None) -> dict:
    """Onboard an assister: a record in ``onboarded`` with a fresh Reference Number."""
    now = now or datetime.now(UTC)
    _check_new_assister(new)
    _check_onboarder(new, actor)
    address = address_columns(vars(new.address)) if new.address else {}
    async with transaction():
        if new.organization_id is not None and not await Organization.exists().where(
            Organization.id == new.organization_id
        ):
            raise BadInput(
                f"organization_id: organization {new.organization_id} does not exist; "
                "create it first with POST /organizations",
                field="organization_id",
            )
        reference = await _unused_reference_number()
        rows = await Assister.insert(
            Assister(
                kind=new.kind,
                name=new.name.strip(),
                email=new.email.strip(),
                phone=new.phone,
                npn=new.npn,
                organization=new.organization_id,
                reference_number=reference,
                ssn_provided=new.ssn_provided,
                language=new.language,
                directory_display=new.directory_display,
                onboarded_on=get_settings().today(now),
                **address,
                created_at=now,
                updated_at=now,
            )
        )
        assister_id = rows[0]["id"]
        await record_creation(ASSISTER.name, assister_id, AssisterState.onboarded, actor, now)
        if new.kind == AssisterKind.broker:
            await create_validation(assister_id, actor, now)
    return await get_assister(assister_id, actor)


def _check_new_assister(new: NewAssister) -> None:
    if new.kind != AssisterKind.broker and new.npn:
        raise BadInput("npn: only brokers have a National Producer Number", field="npn")
    if new.kind in {AssisterKind.navigator, AssisterKind.cac} and new.organization_id is None:
        raise BadInput(
            f"organization_id: a {new.kind} belongs to an organisation; give its id",
            field="organization_id",
        )


def _check_onboarder(new: NewAssister, actor: Principal) -> None:
    """An agency admin onboards navigators and CACs of their own organisation only."""
    if actor.role != Role.agency_admin:
        return
    if new.kind == AssisterKind.broker:
        raise Forbidden("an agency admin onboards navigators and CACs; an admin onboards brokers")
    if new.organization_id != actor.organization_id:
        raise Forbidden(
            "an agency admin onboards staff of their own organisation only: give "
            f"organization_id {actor.organization_id}"
        )


async def _unused_reference_number() -> str:
    digits = get_settings().reference_number_digits
    for _ in range(50):
        candidate = new_reference_number(digits)
        if not await Assister.exists().where(Assister.reference_number == candidate):
            return candidate
    raise RuntimeError("could not find an unused Reference Number; raise the digit count")


async def get_assister(
    assister_id: int, actor: Principal, now: datetime | None = None
) -> dict[str, Any]:
    """The assister's record with the events allowed now and what this training year
    still requires; 404 if the actor may not see it."""
    row = await load_case(ASSISTER_CASE, assister_id, actor)
    settings = get_settings()
    out = present(row)
    out["your_events"] = ASSISTER.events_for(row["state"], actor.role)
    out["training"] = await requirements(row, settings.today(now), settings.calendar)
    out["blocked_events"] = await blocked_events(ASSISTER_CASE, row, now)
    return out


def present(row: dict[str, Any]) -> dict[str, Any]:
    out = {
        k: v
        for k, v in row.items()
        if k != "registration_number_hash" and not k.startswith("address_")
    }
    out["address"] = address_of(row)
    out["organization_id"] = out.pop("organization")
    out["allowed_events"] = ASSISTER.allowed_events(row["state"])
    return out


async def list_assisters(
    actor: Principal,
    *,
    state: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    organization_id: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of assisters the actor may see, newest first, and the total."""
    where = []
    if actor.role == Role.agency_admin:
        where.append(Assister.organization == actor.organization_id)
    elif actor.role not in {"admin", "support", "system"}:
        return [], 0
    if state:
        where.append(Assister.state == state)
    if kind:
        where.append(Assister.kind == kind)
    if organization_id is not None:
        where.append(Assister.organization == organization_id)
    if q:
        like = "%" + q.replace("\\", "").replace("%", "").replace("_", "") + "%"
        where.append(
            ilike(Assister.name, like)
            | ilike(Assister.email, like)
            | (Assister.reference_number == q.strip())
            | (Assister.npn == q.strip())
        )
    query = Assister.select(*PUBLIC_COLUMNS)
    count = Assister.count()
    if where:
        query = query.where(*where)
        count = count.where(*where)
    query = query.order_by(Assister.id, ascending=False).limit(limit).offset(offset)
    rows = await query.output(load_json=True)
    return [present(r) for r in rows], await count
