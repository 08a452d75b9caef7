"""What the producer registry says, turned into an NPN validation event's data.

Each function asks the registry with no transaction open (it may be slow or down); the
engine then applies the event with that answer as its data, where the machine's guards
pick the outcome. These are the prepare hooks of ``revalidate`` and ``correct_record``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from workflow.core.errors import BadInput, Conflict
from workflow.core.sensitive import NOT_LICENSE_OR_TAX_ID, NPN_LOOKUP, npn_problem
from workflow.db.raw import raw
from workflow.engine.kinds import PrepareContext
from workflow.validations.producer import names_match
from workflow.validations.registry import (
    ProducerRegistry,
    RegistryUnavailable,
    ask_registry,
    get_registry,
)

BROKER_PROFILE = "SELECT name, npn, ssn_provided FROM assisters WHERE id = {}"


async def _broker(ctx: PrepareContext) -> dict[str, Any]:
    rows = await raw(BROKER_PROFILE, ctx.row["assister"])
    return rows[0]


async def revalidate_data(ctx: PrepareContext) -> dict[str, Any]:
    """``revalidate``: the registry's answer about the broker's profile as it is now.
    Never a refusal: a registry that fails or times out is the answer ``unavailable``."""
    if ctx.data:
        raise BadInput(
            "data: revalidate takes no data; the service asks the producer registry itself",
            "data",
        )
    broker = await _broker(ctx)
    return await check_profile(get_registry(), broker["npn"], broker["name"],
                               bool(broker["ssn_provided"]))  # fmt: skip


async def correct_record_data(ctx: PrepareContext) -> dict[str, Any]:
    """``correct_record``: which of the broker's name and NPN differ from registry
    record ``npn`` (default: the profile's NPN), old and new."""
    npn = ctx.data.get("npn")
    if npn is not None and not isinstance(npn, str):
        raise BadInput("data.npn: give the NPN as text", "data.npn")
    if set(ctx.data) - {"npn"}:
        raise BadInput("data: correct_record takes only npn", "data")
    broker = await _broker(ctx)
    target = (npn or broker["npn"] or "").strip()
    if not target:
        raise BadInput("data.npn: give the NPN of the broker's registry record", "data.npn")
    if problem := npn_problem(target):
        raise BadInput("data." + problem, "data.npn")
    try:
        record = await ask_registry(get_registry().lookup(target))
    except RegistryUnavailable as exc:
        raise Conflict(f"the producer registry did not answer ({exc}); try again later") from None
    if record is None:
        raise BadInput(
            f"data.npn: NPN {target} is not in the producer registry ({NPN_LOOKUP})", "data.npn"
        )
    changes: dict[str, Any] = {}
    if not names_match(broker["name"], record.first_name, record.last_name):
        changes["name"] = {"old": broker["name"], "new": record.full_name}
    if broker["npn"] != record.npn:
        changes["npn"] = {"old": broker["npn"], "new": record.npn}
    return {"registry_npn": record.npn, "changes": changes}


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


def profile_of(assister: Mapping[str, Any]) -> tuple[str | None, str, bool]:
    return assister["npn"], assister["name"], bool(assister["ssn_provided"])
