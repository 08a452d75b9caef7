"""Creating, finding and listing assisters; reading their history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workflow.codes import new_reference_number
from workflow.db import ilike, transaction
from workflow.machines.assister import ASSISTER, AssisterKind, AssisterState
from workflow.services.assister_case import ASSISTER_CASE
from workflow.services.errors import BadInput
from workflow.services.events import load_case, record_creation
from workflow.services.history import case_history  # noqa: F401  (re-exported)
from workflow.services.principal import Principal
from workflow.services.training import requirements
from workflow.services.validation_case import create_validation
from workflow.settings import get_settings
from workflow.tables import Assister, Organization
from workflow.tables.assisters import DirectoryDisplay

PUBLIC_COLUMNS = [c for c in Assister._meta.columns if c._meta.name != "registration_number_hash"]
ADDRESS_PARTS = ("street", "city", "state", "zip")
# USPS codes of the states, DC and the territories a marketplace serves.
_STATES = """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO
MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI"""
US_STATES = frozenset(_STATES.split())


@dataclass(frozen=True)
class Address:
    """An assister's business address; ``state`` is their home state."""

    street: str
    city: str
    state: str
    zip: str


def address_columns(address: Mapping[str, str]) -> dict[str, str]:
    """The address's column values, cleaned; 400 naming the part that is wrong."""
    values = {f"address_{part}": (address.get(part) or "").strip() for part in ADDRESS_PARTS}
    for part in ADDRESS_PARTS:
        if not values[f"address_{part}"]:
            raise BadInput(f"address.{part}: give the {part}", field=f"address.{part}")
    values["address_state"] = values["address_state"].upper()
    if values["address_state"] not in US_STATES:
        raise BadInput(
            f"address.state: {address['state']!r} is not a US state; give its two-letter "
            "postal code, e.g. MN",
            field="address.state",
        )
    return values


def address_of(row: Mapping[str, Any]) -> dict[str, str] | None:
    """The stored address as ``{street, city, state, zip}``, or None if none was given."""
    if row.get("address_city") is None:
        return None
    return {part: row[f"address_{part}"] for part in ADDRESS_PARTS}


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
    if actor.role == "agency_admin":
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
