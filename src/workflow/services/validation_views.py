"""How a broker's NPN validation reads: to the broker (state, what to do, a hint) and
to support (what did not match, how long it has waited against the SLA)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from workflow.machines.validation import STUCK, VALIDATION, ValidationState
from workflow.machines.validation_messages import broker_message
from workflow.services.events import EventOutcome
from workflow.services.principal import Principal
from workflow.services.sla import sla_for
from workflow.services.validations import case_for
from workflow.settings import get_settings
from workflow.tables import NpnValidation


def message_for(state: str, role: str | None = None, failure: str | None = None) -> str:
    settings = get_settings()
    return broker_message(
        state,
        settings.validation_sla_due_business_days,
        settings.validation_sla_breach_business_days,
        role,
        failure,
    )


async def outcome_message(outcome: EventOutcome) -> str:
    """The broker's message after an event on their validation (an open support case
    also says what its last check found)."""
    failure = None
    if outcome.state == ValidationState.escalated:
        row = await NpnValidation.select(NpnValidation.failure).where(
            NpnValidation.id == outcome.id
        )
        failure = row[0]["failure"] if row else None
    return message_for(outcome.state, failure=failure)


def sla_fields(case: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Waiting time and SLA of a stuck case; ``None`` values when it is not stuck."""
    if case["state"] not in STUCK or case["stuck_since"] is None:
        return {"waiting_business_days": None, "due_by": None, "breached_after": None, "sla": None}
    sla = sla_for(case["stuck_since"], now)
    return {
        "waiting_business_days": sla.waiting_business_days,
        "due_by": sla.due_by,
        "breached_after": sla.breached_after,
        "sla": sla.status.value,
    }


def present_validation(
    assister: Mapping[str, Any], case: Mapping[str, Any], actor: Principal, now: datetime
) -> dict[str, Any]:
    staff = actor.role in {"admin", "support", "system"}
    return {
        "id": case["id"],
        "assister_id": assister["id"],
        "name": assister["name"],
        "npn": assister["npn"],
        "marketplace_role": assister["marketplace_role"],
        "ssn_provided": bool(assister["ssn_provided"]),
        "state": case["state"],
        "version": case["version"],
        "allowed_events": VALIDATION.allowed_events(case["state"]),
        "message": message_for(case["state"], assister["marketplace_role"], case["failure"]),
        "hint": case["hint"],
        "failure": case["failure"],
        # What exactly failed (registry name, license status) is for support's eyes.
        "detail": case["detail"] if staff else None,
        "identity_confirmed": case["identity_confirmed_at"] is not None,
        "stuck_since": case["stuck_since"],
        "escalated_at": case["escalated_at"],
        "resolved_at": case["resolved_at"],
        "attempts": case["attempts"],
        "last_checked_at": case["last_checked_at"],
        "updated_at": case["updated_at"],
        **sla_fields(case, now),
    }


async def get_validation(
    assister_id: int, actor: Principal, now: datetime | None = None
) -> dict[str, Any]:
    """The broker's validation as the actor may see it (404 if they may not)."""
    assister, case = await case_for(assister_id, actor)
    return present_validation(assister, case, actor, now or datetime.now(UTC))
