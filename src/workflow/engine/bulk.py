"""The bulk form of :func:`workflow.engine.fire.fire`, for rules the system applies to
many cases at once (the sweep, the expiry of requests) and for staff's bulk forms.

It asks the same machine declaration, once per source state instead of once per case
(the machine says which states the event leaves from), then moves a batch in one pass
(:func:`workflow.db.bulk.move_selected`): the compare-and-set of the state on
(id, version), the mirror, one history row and one audit entry per case (the rows
:mod:`workflow.engine.records` builds, with only the case's id filled in by the
database) and the event's bulk effect as SQL, as its binding declares it. The cases are
either listed (id -> the version the caller read) or a :class:`Selection` the database
evaluates inside the moving statement. A case changed meanwhile (any event bumps the
version) is left alone and reported as stale; the next run decides on it afresh.
Events whose binding has no set-based form (a per-case effect, guards that read
per-case facts, an outside service) cannot take this path. Bindings whose bulk hooks are
Python (``bulk_before``, ``bulk_effect``) have the batch read first and the hooks run
around the move, in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from workflow.core.errors import MachineError
from workflow.core.machine import Decision
from workflow.core.metrics import event_applied, event_refused
from workflow.core.principal import Principal
from workflow.core.sensitive import refuse_sensitive
from workflow.db import transaction
from workflow.db.bulk import (
    BulkWrite,
    Move,
    Moved,
    Relation,
    listed_cases,
    literal_rows,
    move_selected,
)
from workflow.db.raw import ids_in, raw
from workflow.engine.command import BulkOutcome, FireBulk, Selection
from workflow.engine.fire import check_may_fire
from workflow.engine.kinds import BulkContext, CaseKind, On
from workflow.engine.records import (
    AUDIT_COLUMNS,
    HISTORY_COLUMNS,
    PG_TYPES,
    event_audit_row,
    history_row,
)


class NotForBulk(RuntimeError):
    """A programming error: this event must be fired one case at a time."""


class RowFactsNeeded(NotForBulk):
    """A guard tried to read a per-case fact on the bulk path."""


class _NoFacts(Mapping):
    def __getitem__(self, key):
        raise RowFactsNeeded(
            f"a guard reads the per-case fact {key!r}; fire this event one case at a time"
        )

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


async def fire_bulk(cmd: FireBulk) -> BulkOutcome:
    """Apply ``cmd.event`` to every case of ``cmd.cases`` (listed, or a
    :class:`Selection`) that the machine allows and that is still at the version it was
    chosen at, in one transaction."""
    kind, on = cmd.kind, cmd.kind.on(cmd.event)
    check_may_fire(kind, cmd.event, cmd.actor, cmd.reason)
    refuse_sensitive("reason", cmd.reason)
    refuse_sensitive("data", dict(cmd.data) if cmd.data else None)
    if why := on.per_case_only:
        raise NotForBulk(f"{kind.name}: {cmd.event} cannot be fired in bulk: {why}")
    decisions = decide_by_source(kind, cmd.event, cmd.data)
    moves = {s: d for s, d in decisions.items() if isinstance(d, Decision)}
    if isinstance(cmd.cases, Selection):
        selection, args = cmd.cases.sql, tuple(cmd.cases.args)
    else:
        selection, args = listed_cases(cmd.cases)
    async with transaction():
        if on.bulk_before is not None:
            selection, args = await _before(kind, on, cmd, moves, selection, args)
        moved = await move_selected(_move(kind, on, cmd, moves, selection, args))
        outcome = _outcome(kind, cmd.event, decisions, moved)
        if on.bulk_effect is not None and outcome.count:
            await on.bulk_effect(_context(kind, cmd, moves, await _moved_rows(kind, on, outcome)))
    return outcome


def decide_by_source(kind: CaseKind, event: str, data) -> dict[str, Decision | str]:
    """Per state the event leaves from: the machine's decision, or why it refuses."""
    decisions: dict[str, Decision | str] = {}
    for state in kind.spec.sources(event):
        try:
            decisions[state] = kind.spec.decide(state, event, _NoFacts(), data)
        except MachineError as refusal:
            decisions[state] = refusal.detail
    return decisions


def _context(kind: CaseKind, cmd: FireBulk, moves: Mapping[str, Decision], rows) -> BulkContext:
    ends = {d.to_state for d in moves.values()}
    to_state = ends.pop() if len(ends) == 1 else ""  # several: each row's ``to_state``
    return BulkContext(kind, cmd.event, rows, to_state, cmd.actor, cmd.reason, cmd.now,
                       cmd.context)  # fmt: skip


def _move(kind: CaseKind, on: On, cmd: FireBulk, moves: Mapping[str, Decision], selection,
          args) -> Move:  # fmt: skip
    """The batch as the database layer runs it: state, mirror, history, audit, effect."""
    mirror = (kind.mirror.key,) if kind.mirror is not None else ()
    writes = [*_records(kind, cmd, moves), *_mirror(kind)]
    if on.bulk_sql is not None:
        writes += on.bulk_sql(_context(kind, cmd, moves, ()))
    relation, relation_args = _record_values(kind, cmd, moves)
    return Move(
        table=kind.table._meta.tablename,
        selection=selection,
        selection_args=args,
        moves={state: d.to_state for state, d in moves.items()},
        now=cmd.now,
        columns=tuple(dict.fromkeys((*on.bulk_columns, *mirror))),
        relations=(Relation("records", relation, relation_args),),
        writes=tuple(writes),
    )


# A case id no case has: built into the rows below, then replaced by each moved id.
_SOME_ID = -7_340_021


def _record_values(kind: CaseKind, cmd: FireBulk, moves: Mapping[str, Decision]):
    """A relation ``records``: per source state, the history row and the audit entry
    :mod:`workflow.engine.records` builds for a case moved from it (id aside)."""
    logged = kind.spec.event(cmd.event).loggable
    columns = {"source": "varchar", **{f"h_{c}": PG_TYPES[c] for c in HISTORY_COLUMNS},
               **{f"a_{c}": PG_TYPES[c] for c in AUDIT_COLUMNS}}  # fmt: skip
    rows = []
    for state, d in sorted(moves.items()):
        history = history_row(kind.name, _SOME_ID, cmd.event, state, d.to_state, cmd.actor,
                              cmd.reason, logged(d.data), cmd.now)  # fmt: skip
        audit = event_audit_row(kind.name, _SOME_ID, cmd.event, state, d.to_state, cmd.actor,
                                cmd.now, bulk=True)  # fmt: skip
        rows.append((state, *_without_id(history, "entity_id", _SOME_ID, HISTORY_COLUMNS),
                     *_without_id(audit, "object_id", str(_SOME_ID), AUDIT_COLUMNS)))  # fmt: skip
    return literal_rows(rows, columns)


def _without_id(row: tuple, column: str, value: Any, columns: tuple[str, ...]) -> tuple:
    """The row with its id column blanked, after checking the id is there and nowhere
    else: every other value is the same for all cases moved from one state."""
    where = columns.index(column)
    if row[where] != value or any(str(_SOME_ID) in str(v) for i, v in enumerate(row) if i != where):
        raise AssertionError(f"the records' {column} is no longer the only per-case value")
    return (*row[:where], None, *row[where + 1 :])


def _records(kind: CaseKind, cmd: FireBulk, moves) -> list[BulkWrite]:
    """One history row and one audit entry per moved case, from ``records``."""

    def insert(table: str, columns: tuple[str, ...], prefix: str, id_column: str, id_sql: str):
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(id_sql if c == id_column else f"r.{prefix}{c}" for c in columns)
        return BulkWrite(
            f'INSERT INTO "{table}" ({names}) SELECT {values} '
            "FROM moved AS m JOIN records AS r ON r.source = m.from_state",
            per_case=True,
        )

    return [
        insert("history", HISTORY_COLUMNS, "h_", "entity_id", "m.id"),
        insert("audit_log", AUDIT_COLUMNS, "a_", "object_id", "CAST(m.id AS VARCHAR(40))"),
    ]


def _mirror(kind: CaseKind) -> list[BulkWrite]:
    mirror = kind.mirror
    if mirror is None:
        return []
    table = mirror.table._meta.tablename
    pk = mirror.table._meta.primary_key._meta.db_column_name
    return [
        BulkWrite(
            f'UPDATE "{table}" SET "{mirror.column}" = m.to_state FROM moved AS m '
            f'WHERE "{table}"."{pk}" = m."{mirror.key}"'
        )
    ]


async def _before(kind: CaseKind, on: On, cmd: FireBulk, moves, selection: str, args: tuple):
    """Python ``bulk_before`` hooks need the batch first: it is read (in the transaction)
    and handed over as listed cases."""
    wanted = {r["id"]: r["version"] for r in await raw(selection, *args)}
    table = kind.table._meta.tablename
    rows = await raw(f'SELECT id, state, version FROM "{table}" WHERE id IN ({ids_in()})',
                     json.dumps(sorted(wanted)))  # fmt: skip
    due = [{"id": r["id"], "from_state": r["state"]} for r in rows
           if r["state"] in moves and r["version"] == wanted[r["id"]]]  # fmt: skip
    if due:
        await on.bulk_before(_context(kind, cmd, moves, due))
    return listed_cases(wanted)


async def _moved_rows(kind: CaseKind, on: On, outcome: BulkOutcome) -> list[dict[str, Any]]:
    """The moved cases with the columns a Python ``bulk_effect`` reads."""
    came_from = {i: state for state, ids in outcome.applied.items() for i in ids}
    columns = "".join(f', "{c}"' for c in on.bulk_columns)
    table = kind.table._meta.tablename
    rows = await raw(f'SELECT id{columns} FROM "{table}" WHERE id IN ({ids_in()}) ORDER BY id',
                     json.dumps(sorted(came_from)))  # fmt: skip
    return [{**r, "from_state": came_from[r["id"]]} for r in rows]


def _outcome(kind: CaseKind, event: str, decisions, moved: Moved) -> BulkOutcome:
    outcome = BulkOutcome()
    for row in sorted(moved.rows, key=lambda r: r["id"]):
        case_id, state = row["id"], row["state"]
        if row["moved"]:
            outcome.applied.setdefault(state, []).append(case_id)
        elif row["version"] is None:
            outcome.refused[case_id] = f"{kind.noun} {case_id} not found"
        elif row["version"] != row["wanted"] or isinstance(decisions.get(state), Decision):
            outcome.stale.append(case_id)  # changed since it was chosen
        else:
            outcome.refused[case_id] = decisions.get(state) or kind.spec.not_allowed(event, state)
    event_applied(kind.name, event, sum(len(ids) for ids in outcome.applied.values()))
    event_refused(kind.name, event, "stale", len(outcome.stale))
    event_refused(kind.name, event, "not_allowed", len(outcome.refused))
    return outcome


async def visible_versions(kind: CaseKind, ids: list[int], actor: Principal) -> dict[int, int]:
    """id -> version now of the cases among ``ids`` that exist and ``actor`` may see."""
    table = kind.table._meta.tablename
    rows = await raw(f'SELECT * FROM "{table}" WHERE id IN ({ids_in()})', json.dumps(ids))
    return {r["id"]: r["version"] for r in rows if kind.visible_to(actor, r)}
