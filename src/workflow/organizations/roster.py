"""An organisation's roster approvals: where the program requires it, the agency admin
approves each navigator or CAC before they may complete training."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from workflow.core.errors import NotFound
from workflow.core.principal import Principal
from workflow.core.settings import get_settings
from workflow.db.raw import read
from workflow.engine import audit
from workflow.tables import Assister, RosterApproval

APPROVED = "SELECT count(*) AS n FROM roster_approvals WHERE assister = {}"


async def needs_approval(row: Mapping[str, Any]) -> bool:
    """Whether this assister still waits for their agency admin's approval."""
    if not get_settings().roster_approval_required or row.get("organization") is None:
        return False
    return (await read(APPROVED, row["id"]))[0]["n"] == 0


async def approval_missing(rows: Sequence[Mapping[str, Any]]) -> set[int]:
    """``needs_approval`` for many assisters: the ids still waiting, in one query."""
    if not get_settings().roster_approval_required:
        return set()
    ids = [r["id"] for r in rows if r.get("organization") is not None]
    return set(ids) - await approved_ids(ids)


async def approved_ids(assister_ids: list[int]) -> set[int]:
    if not assister_ids:
        return set()
    rows = await RosterApproval.select(RosterApproval.assister).where(
        RosterApproval.assister.is_in(assister_ids)
    )
    return {r["assister"] for r in rows}


async def approve(assister_id: int, actor: Principal, now: datetime | None = None) -> None:
    """The agency admin approves their own organisation's staff member (again: no-op)."""
    row = await Assister.select(Assister.organization).where(Assister.id == assister_id).first()
    if row is None or row["organization"] != actor.organization_id:
        raise NotFound(f"assister {assister_id} not found")
    if assister_id in await approved_ids([assister_id]):
        return
    now = now or datetime.now(UTC)
    await RosterApproval.insert(
        RosterApproval(assister=assister_id, approved_by=actor.username, approved_at=now)
    ).on_conflict(action="DO NOTHING")
    await audit.record(
        "roster_approval",
        "success",
        actor=actor,
        object_type="assister",
        object_id=assister_id,
        at=now,
    )
