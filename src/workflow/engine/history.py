"""Reading a case's history (every machine shares the one append-only table)."""

from __future__ import annotations

import json
from typing import Any

from workflow.db.raw import raw

CASE_HISTORY = """
SELECT id, event, from_state, to_state, actor, reason, data, at FROM history
WHERE machine = {} AND entity_id = {} ORDER BY id
"""


async def case_history(machine: str, entity_id: int) -> list[dict[str, Any]]:
    """Every history row of one case, oldest first."""
    rows = await raw(CASE_HISTORY, machine, entity_id)
    for row in rows:
        if isinstance(row["data"], str):
            row["data"] = json.loads(row["data"])
    return rows
