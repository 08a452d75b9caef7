"""The rows every applied event leaves: one in ``history`` (append-only: entity, event,
from, to, actor, reason, data, time) and one in ``audit_log``. Built here, once, for the
single-case path and the bulk path alike, so the two can never write different rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workflow.core.principal import Principal
from workflow.db.raw import raw
from workflow.engine import audit

HISTORY_COLUMNS = ("machine", "entity_id", "event", "from_state", "to_state", "actor",
                   "actor_user_id", "reason", "data", "at")  # fmt: skip
AUDIT_COLUMNS = ("at", "actor", "actor_user_id", "role", "action", "object_type", "object_id",
                 "outcome", "detail", "source", "correlation_id")  # fmt: skip
# PostgreSQL types of the columns, for parameters it cannot infer inside INSERT ... SELECT.
PG_TYPES = {
    "machine": "varchar", "entity_id": "integer", "event": "varchar", "from_state": "varchar",
    "to_state": "varchar", "actor": "varchar", "actor_user_id": "integer", "reason": "text",
    "data": "json", "at": "timestamptz", "role": "varchar", "action": "varchar",
    "object_type": "varchar", "object_id": "varchar", "outcome": "varchar", "detail": "json",
    "source": "varchar", "correlation_id": "varchar",
}  # fmt: skip


def history_row(
    machine: str,
    entity_id: int,
    event: str,
    from_state: str,
    to_state: str,
    actor: Principal,
    reason: str | None,
    data: Mapping[str, Any],
    at: datetime,
) -> tuple:
    """One history row, in ``HISTORY_COLUMNS`` order (``data`` already redacted)."""
    return (machine, entity_id, event, from_state, to_state, actor.username, actor.user_id,
            reason, json.dumps(data), at)  # fmt: skip


def event_audit_row(
    machine: str,
    entity_id: int,
    event: str,
    from_state: str,
    to_state: str,
    actor: Principal,
    at: datetime,
    *,
    refused: bool = False,
    bulk: bool = False,
) -> tuple:
    """The audit entry of an event that happened (or was recorded as refused), in
    ``AUDIT_COLUMNS`` order: it exists exactly when the event's history row does."""
    detail = {"event": event, "from": from_state, "to": to_state}
    if bulk:
        detail["bulk"] = True
    return audit.row(
        "event",
        "refused" if refused else "applied",
        actor=actor,
        object_type=machine,
        object_id=entity_id,
        detail=detail,
        at=at,
    )


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("{}" for _ in columns)})'


HISTORY_INSERT = insert_sql("history", HISTORY_COLUMNS)
AUDIT_INSERT = insert_sql("audit_log", AUDIT_COLUMNS)


async def record_creation(machine: str, entity_id: int, state: str, actor: Principal, now):
    """The first history row of a case: ``create`` from nothing ('') to its first state."""
    await raw(HISTORY_INSERT, *history_row(machine, entity_id, "create", "", state, actor, None,
                                           {}, now))  # fmt: skip
    await raw(AUDIT_INSERT, *event_audit_row(machine, entity_id, "create", "", state, actor, now))
