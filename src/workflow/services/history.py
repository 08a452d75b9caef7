"""Reading a case's history (every machine shares the one append-only table)."""

from __future__ import annotations

from typing import Any

from workflow.tables import History


async def case_history(machine: str, entity_id: int) -> list[dict[str, Any]]:
    """Every history row of one case, oldest first."""
    return (
        await History.select(
            History.id,
            History.event,
            History.from_state,
            History.to_state,
            History.actor,
            History.reason,
            History.data,
            History.at,
        )
        .where((History.machine == machine) & (History.entity_id == entity_id))
        .order_by(History.id)
        .output(load_json=True)
    )
