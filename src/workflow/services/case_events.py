"""Firing an event at any case by machine name and case id: the one entry point that
the HTTP API's validation route, the admin's event forms and its bulk form share.

Most machines go straight to :func:`apply_event`. The NPN validation does not: its events
ask the producer registry or copy a registry record first, so they go through the
validation services, exactly as the API does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.machines.validation import VALIDATION
from workflow.services import validation_support as support
from workflow.services.case_kinds import case_kind
from workflow.services.errors import BadInput, NotFound
from workflow.services.events import EventOutcome, apply_event
from workflow.services.principal import Principal
from workflow.services.validations import check_reason, revalidate
from workflow.tables import NpnValidation


@dataclass(frozen=True)
class Fired:
    outcome: EventOutcome
    # Resolving a validation validates it again at once: that second outcome.
    followed_by: EventOutcome | None = None


async def fire_validation_event(
    assister_id: int,
    event: str,
    actor: Principal,
    *,
    reason: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Fired:
    """A broker's validation event, by the broker's (assister) id."""
    check_reason(reason)
    VALIDATION.event(event)  # unknown event: 404, before anything else
    if event == "correct_record":
        npn = (data or {}).get("npn")
        if npn is not None and not isinstance(npn, str):
            raise BadInput("data.npn: give the NPN as text", "data.npn")
        if set(data or {}) - {"npn"}:
            raise BadInput("data: correct_record takes only npn", "data")
        outcome = await support.correct_record(
            assister_id, actor, reason, npn=npn, expected_version=expected_version
        )
        return Fired(outcome)
    if data:
        raise BadInput(
            f"data: {event} takes no data"
            + ("; the service asks the producer registry itself" if event == "revalidate" else ""),
            "data",
        )
    if event == "revalidate":
        return Fired(await revalidate(assister_id, actor, expected_version=expected_version))
    if event == "resolve":
        resolved, again = await support.resolve(
            assister_id, actor, reason, expected_version=expected_version
        )
        return Fired(resolved, again)
    outcome = await support.fire_support_event(
        assister_id, event, actor, reason, expected_version=expected_version
    )
    return Fired(outcome)


async def fire_case_event(
    machine: str,
    case_id: int,
    event: str,
    actor: Principal,
    *,
    reason: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Fired:
    """Fire ``event`` at case ``case_id`` of ``machine``; refusals raise the same
    :mod:`workflow.services.errors` classes the API maps to 4xx."""
    kind = case_kind(machine)
    if machine == VALIDATION.name:
        row = (
            await NpnValidation.select(NpnValidation.assister)
            .where(NpnValidation.id == case_id)
            .first()
        )
        if row is None:
            raise NotFound(f"{kind.noun} {case_id} not found")
        return await fire_validation_event(
            row["assister"],
            event,
            actor,
            reason=reason,
            data=data,
            expected_version=expected_version,
        )
    outcome = await apply_event(
        machine,
        case_id,
        event,
        actor=actor,
        reason=reason,
        data=data,
        expected_version=expected_version,
    )
    return Fired(outcome)
