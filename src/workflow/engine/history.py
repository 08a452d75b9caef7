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


REFUSED_ATTEMPTS = """
SELECT id, actor, role, detail, at FROM audit_log
WHERE action = 'event' AND outcome = 'refused' AND object_type = {} AND object_id = {}
ORDER BY id
"""


async def refused_attempts(machine: str, entity_id: int) -> list[dict[str, Any]]:
    """Events refused on one case, from the audit log, oldest first: who tried which
    event, when, and why it was refused (for staff: the history keeps applied events)."""
    rows = await raw(REFUSED_ATTEMPTS, machine, str(entity_id))
    attempts = []
    for row in rows:
        detail = json.loads(row["detail"]) if isinstance(row["detail"], str) else row["detail"]
        attempts.append(
            {
                "at": row["at"],
                "actor": row["actor"],
                "event": (detail or {}).get("event", ""),
                "reason": (detail or {}).get("reason") or (detail or {}).get("why", "refused"),
            }
        )
    return attempts
