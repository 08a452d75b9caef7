"""How a broker's NPN validation reads: to the broker (state, what to do, a hint) and
to support (what did not match, how long it has waited against the SLA)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from workflow.core.principal import Principal
from workflow.core.roles import SEES_EVERYTHING
from workflow.engine.cases import blocked_events
from workflow.validations.binding import VALIDATION_CASE, case_for, describe_outcome  # noqa: F401
from workflow.validations.machine import STUCK, VALIDATION
from workflow.validations.messages import message_for
from workflow.validations.sla import sla_for


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
    staff = actor.role in SEES_EVERYTHING
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
    out = present_validation(assister, case, actor, now or datetime.now(UTC))
    out["blocked_events"] = await blocked_events(VALIDATION_CASE, case, now)
    return out
