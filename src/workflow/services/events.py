"""The one path for state changes.

:func:`apply_event` is the only code that writes a state column, one case at a time.
The HTTP API, the admin's forms, the CLI and the demo loader call it. Its set-based
form, :func:`workflow.services.bulk.apply_event_bulk` (what the scheduled sweep uses),
asks the same machine declaration and writes the same way: a compare-and-set on
``version`` (bumped by one), one history row per case, the event's effect, all in one
transaction. Nothing else writes ``state`` or ``version``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from piccolo.columns import JSON, JSONB
from piccolo.table import Table

from workflow.db import current_engine, transaction
from workflow.db.errors import constraint_name, is_write_conflict
from workflow.services import audit
from workflow.services.case_kinds import case_kind
from workflow.services.cases import CaseKind, EffectContext
from workflow.services.errors import (
    AttemptRecorded,
    BadInput,
    Conflict,
    Forbidden,
    HiddenCase,
    MachineError,
    NotFound,
    StaleVersion,
)
from workflow.services.principal import Principal, a_role
from workflow.tables import History


@dataclass(frozen=True)
class EventOutcome:
    machine: str
    id: int
    event: str
    from_state: str
    state: str
    version: int
    allowed_events: list[str]
    extra: Mapping[str, Any] = field(default_factory=dict)


def check_may_fire(kind: CaseKind, event: str, actor: Principal, reason: str | None) -> None:
    """Refusals that need no database: unknown event, wrong role, missing reason."""
    spec = kind.spec.event(event)
    if actor.role not in spec.roles:
        if actor.role in spec.denied:
            raise Forbidden(spec.denied[actor.role])
        allowed = ", ".join(sorted(spec.roles - {"system"}))
        raise Forbidden(f"{a_role(actor.role)} may not {event} an {kind.noun}; ask: {allowed}")
    if spec.needs_reason(actor.role) and not (reason and reason.strip()):
        raise BadInput(f"reason: {event} needs a reason, for the history", field="reason")


async def load_case(kind: CaseKind, entity_id: int, actor: Principal) -> dict[str, Any]:
    """The case's row if the actor may see it; otherwise :class:`NotFound`."""
    rows = await kind.table.raw(kind.load_sql or _select_by_pk(kind.table), entity_id)
    if not rows:
        raise NotFound(f"{kind.noun} {entity_id} not found")
    if not kind.visible_to(actor, rows[0]):
        # Someone else's case: the same answer as a missing one, but audited (by
        # apply_event once its transaction is over, when the look was for an event).
        if current_engine().current_transaction.get() is None:
            await _audit_hidden(kind, entity_id, actor)
        raise HiddenCase(f"{kind.noun} {entity_id} not found")
    return _decode_json(kind.table, rows[0])


async def _audit_hidden(kind: CaseKind, entity_id: int, actor: Principal) -> None:
    await audit.record_outside(
        "access_refused", "hidden", actor=actor, object_type=kind.name, object_id=entity_id
    )


# Every event loads one row by primary key: a fixed statement per table, because piccolo
# spends more CPU building a 20-column SELECT than SQLite spends running it.
@cache
def _select_by_pk(table: type[Table]) -> str:
    pk = table._meta.primary_key._meta.db_column_name
    return f'SELECT * FROM "{table._meta.tablename}" WHERE "{pk}" = {{}}'


@cache
def _json_columns(table: type[Table]) -> tuple[str, ...]:
    return tuple(c._meta.name for c in table._meta.columns if isinstance(c, JSON | JSONB))


def _decode_json(table: type[Table], row: dict[str, Any]) -> dict[str, Any]:
    for name in _json_columns(table):
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    return row


async def apply_event(
    machine: str,
    entity_id: int,
    event: str,
    *,
    actor: Principal,
    reason: str | None = None,
    data: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> EventOutcome:
    """Apply ``event`` to one case in one transaction: check the machine and its guards,
    write the state with a compare-and-set on ``version``, append the history row and
    run the event's effects. Raises a :mod:`workflow.services.errors` class on refusal."""
    kind = case_kind(machine)
    now = now or datetime.now(UTC)
    try:
        return await _apply(kind, entity_id, event, actor, reason, data, expected_version, now)
    except MachineError as exc:
        if isinstance(exc, HiddenCase):
            await _audit_hidden(kind, entity_id, actor)
        if not isinstance(exc, AttemptRecorded):  # that one's entry is in its transaction
            known = event if event in kind.spec.events else "(unknown event)"
            await audit.record_outside(
                "event",
                "refused",
                actor=actor,
                object_type=kind.name,
                object_id=entity_id,
                detail={"event": known, "why": type(exc).__name__},
                at=now,
            )
        raise


async def _apply(kind, entity_id, event, actor, reason, data, expected_version, now):
    check_may_fire(kind, event, actor, reason)
    async with conflicts_as_409(kind.noun, entity_id), transaction():
        row = await load_case(kind, entity_id, actor)
        if expected_version is not None and expected_version != row["version"]:
            raise StaleVersion(
                kind.noun,
                entity_id,
                row["version"],
                expected_version,
                row["state"],
                kind.spec.allowed_events(row["state"]),
            )
        facts = dict(kind.facts(row))
        if kind.load_facts and (kind.load_facts_for is None or event in kind.load_facts_for):
            facts.update(await kind.load_facts(row, now))
        decision = kind.spec.decide(row["state"], event, facts, data)
        if kind.before:
            await kind.before(
                EffectContext(kind, row, event, decision, actor, reason, now, row["version"] + 1)
            )
        version = await _compare_and_set(kind, row, decision.to_state, now)
        if kind.mirror is not None:
            await kind.mirror.write(row, decision.to_state)
        logged = kind.spec.event(event).loggable(decision.data)
        await append_history(
            kind.name,
            entity_id,
            event,
            decision.from_state,
            decision.to_state,
            actor,
            reason,
            logged,
            now,
        )
        await _audit(kind, entity_id, event, actor, decision, now)
        ctx = EffectContext(kind, row, event, decision, actor, reason, now, version)
        effect = kind.effects.get(event)
        extra = (await effect(ctx) or {}) if effect else {}
    outcome = EventOutcome(
        machine=kind.name,
        id=entity_id,
        event=event,
        from_state=decision.from_state,
        state=decision.to_state,
        version=version,
        allowed_events=kind.spec.allowed_events(decision.to_state),
        extra=extra,
    )
    if decision.refused:
        raise AttemptRecorded(event, decision.refused, outcome)
    return outcome


async def _audit(kind: CaseKind, entity_id: int, event: str, actor: Principal, decision, now):
    """The event's audit entry, in its transaction: it exists exactly when the event does."""
    await audit.record(
        "event",
        "refused" if decision.refused else "applied",
        actor=actor,
        object_type=kind.name,
        object_id=entity_id,
        detail={"event": event, "from": decision.from_state, "to": decision.to_state},
        at=now,
    )


@asynccontextmanager
async def conflicts_as_409(noun: str, entity_id: int) -> AsyncIterator[None]:
    """A write refused by a unique index (or a deadlock) is a lost race, not a crash."""
    try:
        yield
    except Exception as exc:
        if not is_write_conflict(exc):
            raise
        which = constraint_name(exc)
        raise Conflict(
            f"{noun} {entity_id}: a change made at the same time conflicts with this one"
            f"{f' ({which})' if which else ''}; nothing was changed: reload and try again"
        ) from None


async def _compare_and_set(kind: CaseKind, row: Mapping[str, Any], state: str, now) -> int:
    updated = await kind.table.raw(_cas_sql(kind.table), state, row["version"] + 1, now,
                                   row["id"], row["version"])  # fmt: skip
    if not updated:
        pk, table = kind.table._meta.primary_key, kind.table
        now_row = await table.select(table.version, table.state).where(pk == row["id"]).first()
        state = now_row["state"] if now_row else None
        raise StaleVersion(
            kind.noun,
            row["id"],
            now_row["version"] if now_row else -1,
            None,
            state,
            kind.spec.allowed_events(state) if state else None,
        )
    return row["version"] + 1


# A fixed statement per table, for the same reason as ``_select_by_pk``.
@cache
def _cas_sql(table: type[Table]) -> str:
    pk = table._meta.primary_key._meta.db_column_name
    return (
        f'UPDATE "{table._meta.tablename}" SET state = {{}}, version = {{}}, updated_at = {{}} '
        f'WHERE "{pk}" = {{}} AND version = {{}} RETURNING "{pk}"'
    )


HISTORY_INSERT = """
INSERT INTO history
    (machine, entity_id, event, from_state, to_state, actor, actor_user_id, reason, data, at)
VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})
"""


async def append_history(
    machine: str,
    entity_id: int,
    event: str,
    from_state: str,
    to_state: str,
    actor: Principal,
    reason: str | None,
    data: Mapping[str, Any],
    at: datetime,
) -> None:
    """Append one history row (a fixed statement: this runs for every event)."""
    await History.raw(
        HISTORY_INSERT,
        machine,
        entity_id,
        event,
        from_state,
        to_state,
        actor.username,
        actor.user_id,
        reason,
        json.dumps(data),
        at,
    )


async def record_creation(machine: str, entity_id: int, state: str, actor: Principal, now):
    """The first history row of a case: ``create`` from nothing ('') to its first state."""
    await append_history(machine, entity_id, "create", "", state, actor, None, {}, now)
    await audit.record(
        "event",
        "applied",
        actor=actor,
        object_type=machine,
        object_id=entity_id,
        detail={"event": "create", "from": "", "to": state},
        at=now,
    )
