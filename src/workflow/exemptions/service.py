"""Organisations' requests for exemption from the full Marketplace training."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from workflow.core.errors import Conflict, NotFound
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.db import transaction
from workflow.engine.cases import blocked_events, load_case
from workflow.engine.records import record_creation
from workflow.exemptions.binding import EXEMPTION_CASE
from workflow.exemptions.machine import EXEMPTION
from workflow.tables import ExemptionRequest, ExemptionState, Organization


async def request_exemption(
    organization_id: int, justification: str, actor: Principal, now: datetime | None = None
) -> dict[str, Any]:
    """Open a request for ``organization_id``; one open or granted request at a time."""
    now = now or datetime.now(UTC)
    if actor.role == Role.agency_admin and actor.organization_id != organization_id:
        raise NotFound(f"organization {organization_id} not found")
    async with transaction():
        if not await Organization.exists().where(Organization.id == organization_id):
            raise NotFound(f"organization {organization_id} not found")
        current = (
            await ExemptionRequest.select(ExemptionRequest.id, ExemptionRequest.state)
            .where(
                (ExemptionRequest.organization == organization_id)
                & ExemptionRequest.state.is_in([ExemptionState.requested, ExemptionState.approved])
            )
            .first()
        )
        if current:
            raise Conflict(
                f"organization {organization_id} already has a request that is "
                f"{current['state']} (exemption {current['id']}); wait for the decision "
                "or ask an admin to revoke it"
            )
        rows = await ExemptionRequest.insert(
            ExemptionRequest(
                organization=organization_id,
                justification=justification.strip(),
                requested_by=actor.username,
                created_at=now,
                updated_at=now,
            )
        )
        await record_creation(EXEMPTION.name, rows[0]["id"], "requested", actor, now)
    return await get_exemption(rows[0]["id"], actor)


async def get_exemption(exemption_id: int, actor: Principal) -> dict[str, Any]:
    row = await load_case(EXEMPTION_CASE, exemption_id, actor)
    return present(row) | {"blocked_events": await blocked_events(EXEMPTION_CASE, row)}


def present(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["organization_id"] = out.pop("organization")
    out["allowed_events"] = EXEMPTION.allowed_events(row["state"])
    return out


async def list_exemptions(
    actor: Principal, state: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    where = []
    if actor.role == Role.agency_admin:
        where.append(ExemptionRequest.organization == actor.organization_id)
    if state:
        where.append(ExemptionRequest.state == state)
    query, count = ExemptionRequest.select(), ExemptionRequest.count()
    if where:
        query, count = query.where(*where), count.where(*where)
    rows = await query.order_by(ExemptionRequest.id, ascending=False).limit(limit).offset(offset)
    return [present(r) for r in rows], await count
