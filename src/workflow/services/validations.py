"""Validating a broker's NPN against the producer registry.

Every path is the same two steps: ask the registry with no transaction open (it may be
slow or down), then hand its answer to ``apply_event`` as the ``revalidate`` event's
data, where the machine's guards pick the outcome. A changed case between the two steps
is caught by the version check and the look-up is simply made again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from workflow.machines.producer import names_match
from workflow.machines.validation import VALIDATION
from workflow.sensitive import NOT_LICENSE_OR_TAX_ID, NPN_LOOKUP, looks_like_ssn, ssn_refusal
from workflow.services.assister_case import ASSISTER_CASE
from workflow.services.errors import (
    BadInput,
    Conflict,
    EventNotAllowed,
    NotFound,
    StaleVersion,
)
from workflow.services.events import EventOutcome, apply_event, check_may_fire, load_case
from workflow.services.principal import Principal
from workflow.services.registry import (
    ProducerRegistry,
    RegistryUnavailable,
    ask_registry,
    get_registry,
)
from workflow.services.validation_case import VALIDATION_CASE
from workflow.tables import NpnValidation

ATTEMPTS = 3  # look-ups made again when the case changed under one


async def case_for(assister_id: int, actor: Principal) -> tuple[dict, dict]:
    """(broker row, validation row), if the actor may see the broker; 404 otherwise and
    for navigators and CACs, who have no NPN."""
    assister = await load_case(ASSISTER_CASE, assister_id, actor)
    case = await NpnValidation.select().where(NpnValidation.assister == assister_id).first()
    if case is None:
        raise NotFound(
            f"assister {assister_id} is a {assister['kind']}: only brokers have an NPN validation"
        )
    return assister, case


def check_reason(reason: str | None) -> None:
    if looks_like_ssn(reason):
        raise BadInput(ssn_refusal("reason"), field="reason")


async def check_profile(
    registry: ProducerRegistry, npn: str | None, name: str, ssn_provided: bool
) -> dict[str, Any]:
    """The ``revalidate`` data for a profile: what the registry says about its NPN."""
    data: dict[str, Any] = {"npn": npn or "", "name": name, "ssn_provided": ssn_provided}
    if not npn:
        return {**data, "registry": "answered"}  # the machine refuses: no NPN to check
    try:
        record = await ask_registry(registry.lookup(npn))
    except RegistryUnavailable as exc:
        return {**data, "registry": "unavailable", "error": str(exc)[:500]}
    hint = None
    if record is None or not names_match(name, record.first_name, record.last_name):
        hint = await _hint(registry, npn, name, found=record is not None)
    record_data = msgspec.to_builtins(record) if record is not None else None
    return {**data, "registry": "answered", "record": record_data, "hint": hint}


async def _hint(registry: ProducerRegistry, npn: str, name: str, *, found: bool) -> str:
    """A pointer for the broker when the NPN or name does not match."""
    if found:
        return (
            f"The registry has NPN {npn} under a different name than the one on your "
            "profile. A name mismatch needs support: contact the Marketplace Service Desk; "
            "they will confirm your identity and update your record."
        )
    words = name.split()
    try:
        licensed = await ask_registry(registry.by_license_number(npn))
        same_name = len(words) > 1 and await ask_registry(registry.has_name(words[0], words[-1]))
    except RegistryUnavailable:
        licensed, same_name = None, False
    if licensed is not None:
        return (
            f"{npn} is a state license number, not a National Producer Number: "
            f"{NOT_LICENSE_OR_TAX_ID}. Look your NPN up at {NPN_LOOKUP}."
        )
    if same_name:
        return (
            "The registry has a producer with your name under a different NPN: check the "
            f"number at {NPN_LOOKUP}, correct it in your profile and save again."
        )
    return (
        f"NPN {npn} is not in the producer registry. Check it at {NPN_LOOKUP}: "
        f"{NOT_LICENSE_OR_TAX_ID}."
    )


def revalidate_data_for(assister: Mapping[str, Any]) -> tuple[str | None, str, bool]:
    return assister["npn"], assister["name"], bool(assister["ssn_provided"])


async def revalidate(
    assister_id: int,
    actor: Principal,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
    registry: ProducerRegistry | None = None,
) -> EventOutcome:
    """Validate the broker's current profile against the registry and record the
    outcome (``valid`` or the failure). Never a 500: a registry that fails or times out
    is the outcome ``registry_unavailable``, retried later."""
    check_may_fire(VALIDATION_CASE, "revalidate", actor, None)
    registry = registry or get_registry()
    for _ in range(ATTEMPTS):
        assister, case = await case_for(assister_id, actor)
        ensure_allowed(case, "revalidate")
        data = await check_profile(registry, *revalidate_data_for(assister))
        try:
            return await apply_event(
                VALIDATION.name,
                case["id"],
                "revalidate",
                actor=actor,
                data=data,
                expected_version=expected_version or case["version"],
                now=now,
            )
        except StaleVersion:
            if expected_version is not None:
                raise
    raise Conflict(
        "the NPN validation kept changing while the producer registry was being asked; "
        "reload it and try again"
    )


def moved_meanwhile(exc: StaleVersion) -> Conflict:
    """A case that changed between reading it and asking the registry, when the caller
    sent no If-Match: say what happened rather than mention a header they never sent."""
    return Conflict(
        f"the NPN validation changed while the producer registry was being asked (it is "
        f"now at version {exc.version}); reload it and try again"
    )


def ensure_allowed(case: Mapping[str, Any], event: str) -> None:
    """Refuse before asking the registry when the machine would refuse anyway."""
    allowed = VALIDATION.allowed_events(case["state"])
    if event not in allowed:
        raise EventNotAllowed(VALIDATION_CASE.noun, event, case["state"], allowed)
