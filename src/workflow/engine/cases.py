"""Loading one case for an event or a read: the row, if the caller may see it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from piccolo.columns import JSON, JSONB
from piccolo.table import Table

from workflow.core.errors import HiddenCase, NotFound
from workflow.core.principal import Principal
from workflow.db import current_engine
from workflow.db.raw import read
from workflow.engine import audit
from workflow.engine.kinds import CaseKind


async def load_case(kind: CaseKind, entity_id: int, actor: Principal) -> dict[str, Any]:
    """The case's row if the actor may see it; otherwise :class:`NotFound`."""
    rows = await read(select_sql(kind), entity_id)
    return await visible_row(kind, entity_id, actor, rows[0] if rows else None)


async def visible_row(kind: CaseKind, entity_id: int, actor: Principal, row) -> dict[str, Any]:
    if row is None:
        raise NotFound(f"{kind.noun} {entity_id} not found")
    if not kind.visible_to(actor, row):
        # Someone else's case: the same answer as a missing one, but audited (by the
        # engine once its transaction is over, when the look was for an event).
        if current_engine().current_transaction.get() is None:
            await audit_hidden(kind, entity_id, actor)
        raise HiddenCase(f"{kind.noun} {entity_id} not found")
    return decode_json(kind.table, row)


async def audit_hidden(kind: CaseKind, entity_id: int, actor: Principal) -> None:
    await audit.record_outside(
        "access_refused", "hidden", actor=actor, object_type=kind.name, object_id=entity_id
    )


def select_sql(kind: CaseKind) -> str:
    return kind.load_sql or select_by_pk(kind.table)


# Every event loads one row by primary key: a fixed statement per table, because piccolo
# spends more CPU building a 20-column SELECT than SQLite spends running it.
@cache
def select_by_pk(table: type[Table]) -> str:
    pk = table._meta.primary_key._meta.db_column_name
    return f'SELECT * FROM "{table._meta.tablename}" WHERE "{pk}" = {{}}'


@cache
def _json_columns(table: type[Table]) -> tuple[str, ...]:
    return tuple(c._meta.name for c in table._meta.columns if isinstance(c, JSON | JSONB))


def decode_json(table: type[Table], row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    for name in _json_columns(table):
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    return row


async def blocked_events(
    kind: CaseKind, row: Mapping[str, Any], now: datetime | None = None
) -> list[dict[str, str]]:
    """The events allowed from the case's state that a guard refuses now, with the
    guard's words: ``[{"event": ..., "reason": ...}]`` (what the API reads carry and the
    case page shows). Guards that need the event's own data are not judged."""
    state = row["state"]
    facts = dict(kind.facts(row))
    if kind.load_facts is not None and any(
        kind.on(event).reads_facts for event in kind.spec.allowed_events(state)
    ):
        facts.update(await kind.load_facts(row, now or datetime.now(UTC)))
    return [{"event": e, "reason": r} for e, r in kind.spec.blocked(state, facts)]
