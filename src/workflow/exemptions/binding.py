"""The exemption machine bound to ``exemption_requests``: who sees a request and what a
decision records besides the state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.core.principal import Principal
from workflow.core.roles import SEES_EVERYTHING, Role
from workflow.engine.kinds import CaseKind, EffectContext, On
from workflow.exemptions.machine import EXEMPTION
from workflow.tables import ExemptionRequest


def visible_to(principal: Principal, row: Mapping[str, Any]) -> bool:
    if principal.role in SEES_EVERYTHING:
        return True
    return principal.role == Role.agency_admin and row["organization"] == principal.organization_id


async def record_decision(ctx: EffectContext) -> None:
    ctx.set(decided_by=ctx.actor.username, decided_at=ctx.now)


EXEMPTION_CASE = CaseKind(
    spec=EXEMPTION,
    table=ExemptionRequest,
    facts=lambda row: {},
    visible_to=visible_to,
    events={event: On(effect=record_decision) for event in ("approve", "deny", "revoke")},
    label="exemption request",
    path="/exemptions/{exemption_id}",
    roles=("admin", "support", "agency_admin"),
)
