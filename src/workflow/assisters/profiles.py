"""Saving an assister's profile. For a broker, saving the NPN, name or marketplace role
validates the NPN against the producer registry, as the marketplace does in real time.

Who may change what: an admin any field; an assister their own phone, business address
and directory display choice, and if they are a broker their NPN and marketplace role.
A broker's name comes from their identity-proofed account: when it does not match the
registry, support corrects it (``correct_record``), so nobody can match their name to
someone else's record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from workflow.assisters.address import Address, address_columns
from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.machine import AssisterKind, AssisterState
from workflow.assisters.marketplace import AGENT_BROKER_ROLES, MarketplaceRole
from workflow.assisters.service import present
from workflow.core.errors import (
    AttemptRecorded,
    BadInput,
    Conflict,
    Forbidden,
    GuardRefused,
    StaleVersion,
)
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.core.sensitive import looks_like_ssn, npn_problem, ssn_refusal
from workflow.db import transaction
from workflow.engine.cases import load_case
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.tables import Assister
from workflow.validations.binding import VALIDATION_CASE, case_for, describe_outcome
from workflow.validations.checks import check_profile
from workflow.validations.machine import VALIDATION, ValidationState
from workflow.validations.messages import message_for
from workflow.validations.registry import ProducerRegistry, get_registry
from workflow.validations.views import present_validation

VALIDATING = ("name", "npn", "marketplace_role")
BROKER_ONLY = ("npn", "marketplace_role")
NEEDS_VALID = "an Agent Broker role (individual, shop or both) needs a validated NPN"


@dataclass(frozen=True)
class ProfileChanges:
    """Fields to change; ``None`` means "leave as it is"."""

    name: str | None = None
    phone: str | None = None
    npn: str | None = None
    marketplace_role: str | None = None
    address: Address | None = None  # replaces the whole address
    directory_display: str | None = None

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


async def update_profile(
    assister_id: int,
    changes: ProfileChanges,
    actor: Principal,
    *,
    now: datetime | None = None,
    registry: ProducerRegistry | None = None,
) -> dict[str, Any]:
    """Save the changes; for a broker, validate the NPN in the same transaction (the
    registry is asked before it opens). An Agent Broker role is saved only with a
    valid NPN: otherwise the rest is saved and the refusal is a recorded 422."""
    now = now or datetime.now(UTC)
    assister = await load_case(ASSISTER_CASE, assister_id, actor)
    fields = _checked(changes, assister, actor)
    role = fields.pop("marketplace_role", None)
    data, case = None, None
    saved = {*fields, *(["marketplace_role"] if role else [])}
    if assister["kind"] == AssisterKind.broker and saved & set(VALIDATING):
        _, case = await case_for(assister_id, actor)
        profile = {**assister, **fields}
        checkable = "revalidate" in VALIDATION.allowed_events(case["state"]) and profile["npn"]
        if role in AGENT_BROKER_ROLES and not checkable:
            raise GuardRefused("save profile", _cannot_check(case["state"], profile["npn"]))
        if checkable:
            registry = registry or get_registry()
            ssn = bool(assister["ssn_provided"])
            data = await check_profile(registry, profile["npn"], profile["name"], ssn)
    async with transaction():
        if fields:
            values = {Assister._meta.get_column_by_name(k): v for k, v in fields.items()}
            await Assister.update({**values, Assister.updated_at: now}).where(
                Assister.id == assister_id
            )
        outcome = None
        if data is not None:
            # The version read before the look-up: a profile saved meanwhile (and validated)
            # makes this one a 409 rather than a result for a profile that is gone.
            try:
                outcome = await fire(
                    FireEvent(
                        VALIDATION_CASE,
                        case["id"],
                        "revalidate",
                        actor=actor,
                        data=data,
                        expected_version=case["version"],
                        now=now,
                        prepared=True,
                    )
                )
            except StaleVersion:
                raise Conflict(
                    "the profile was saved by someone else while this save was being "
                    "validated; nothing of this save was kept: reload the profile and save "
                    "again"
                ) from None
        refused = role in AGENT_BROKER_ROLES and (
            outcome is None or outcome.state != ValidationState.valid
        )
        if role is not None and not refused:
            await Assister.update({Assister.marketplace_role: role}).where(
                Assister.id == assister_id
            )
    if refused:
        raise AttemptRecorded(
            "save profile",
            f"Your marketplace role was not changed: {NEEDS_VALID}; your other changes were "
            f"saved. {await describe_outcome(outcome)}",
            outcome,
        )
    return await profile_view(assister_id, actor, now)


async def profile_view(assister_id: int, actor: Principal, now: datetime) -> dict[str, Any]:
    assister = await load_case(ASSISTER_CASE, assister_id, actor)
    view: dict[str, Any] = {"assister": present(assister), "validation": None}
    if assister["kind"] == AssisterKind.broker:
        _, case = await case_for(assister_id, actor)
        view["validation"] = present_validation(assister, case, actor, now)
    return view


def _cannot_check(state: str, npn: str | None) -> str:
    if not npn:
        return f"marketplace_role: {NEEDS_VALID}; enter your NPN (the npn field) first"
    return f"marketplace_role: {NEEDS_VALID}. {message_for(state)}"


def _checked(changes: ProfileChanges, assister: dict, actor: Principal) -> dict[str, Any]:
    """The changes, cleaned, if this actor may make them: 403/400 naming the field."""
    given = changes.given()
    if not given:
        raise BadInput(
            "give at least one of: name, phone, npn, marketplace_role, address, directory_display"
        )
    if assister["state"] == AssisterState.deactivated:
        raise Conflict(
            f"assister {assister['id']} has left the program (deactivated); an admin "
            "reinstates them before their profile can change"
        )
    if "name" in given and actor.role != Role.admin:
        raise Forbidden(
            "name: your name comes from your identity-proofed account and cannot be changed "
            "here; if it does not match the producer registry, contact support, who will "
            "confirm your identity and correct it"
        )
    for field in BROKER_ONLY:
        if field in given and assister["kind"] != AssisterKind.broker:
            raise BadInput(f"{field}: only brokers (agents) have one", field)
    for field in ("name", "phone"):
        if looks_like_ssn(given.get(field)):
            raise BadInput(ssn_refusal(field), field)
    if "npn" in given:
        if problem := npn_problem(given["npn"]):
            raise BadInput(problem, "npn")
        given["npn"] = given["npn"].strip()
    if "name" in given:
        given["name"] = given["name"].strip()
        if not given["name"]:
            raise BadInput("name: give the name, 1 to 200 characters", "name")
    if "marketplace_role" in given and given["marketplace_role"] not in set(MarketplaceRole):
        raise BadInput(
            "marketplace_role: choose individual, shop, both or not_agent_broker",
            "marketplace_role",
        )
    if "address" in given:
        given.update(address_columns(given.pop("address")))
    return given
