"""The bulk form of :func:`workflow.engine.fire.fire`, for rules the system applies to
many cases at once (the sweep, the expiry of requests) and for staff's bulk forms.

It asks the same machine declaration, once per source state instead of once per case
(the machine says which states the event leaves from), then writes a batch in set-based
statements inside one transaction: the compare-and-set of the state, the mirror, one
history row and one audit entry per case (built by the same functions as the single
path), and the event's bulk hooks as its binding declares them. The caller passes the
``version`` it read for each case: a case changed meanwhile (any event bumps the
version) is left alone and reported as stale; the next run decides on it afresh.
Events whose binding has no set-based form (a per-case effect, guards that read
per-case facts, an outside service) cannot take this path.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from workflow.core.errors import MachineError
from workflow.core.machine import Decision
from workflow.core.principal import Principal
from workflow.core.sensitive import refuse_sensitive
from workflow.db import transaction
from workflow.db.bulk import insert_rows, move_states, select_states, set_column
from workflow.db.raw import ids_in, raw
from workflow.engine.command import BulkOutcome, FireBulk
from workflow.engine.fire import check_may_fire
from workflow.engine.kinds import BulkContext, CaseKind, On
from workflow.engine.records import AUDIT_COLUMNS, HISTORY_COLUMNS, event_audit_row, history_row


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
    """Apply ``cmd.event`` to every case in ``cmd.cases`` (id -> the version the caller
    read) that the machine allows and that is still at that version, in one transaction."""
    kind, on = cmd.kind, cmd.kind.on(cmd.event)
    check_may_fire(kind, cmd.event, cmd.actor, cmd.reason)
    refuse_sensitive("reason", cmd.reason)
    refuse_sensitive("data", dict(cmd.data) if cmd.data else None)
    if why := on.per_case_only:
        raise NotForBulk(f"{kind.name}: {cmd.event} cannot be fired in bulk: {why}")
    decisions = decide_by_source(kind, cmd.event, cmd.data)
    outcome = BulkOutcome()
    async with transaction():
        groups = await _current(kind, cmd.cases, outcome)
        for state, group in sorted(groups.items()):
            decision = decisions.get(state)
            if not isinstance(decision, Decision):
                why = decision or kind.spec.not_allowed(cmd.event, state)
                outcome.refused.update({case_id: why for case_id in group})
                continue
            moved = await _move(kind, on, cmd, state, decision, group)
            outcome.stale.extend(sorted(set(group) - {r["id"] for r in moved}))
            if moved:
                outcome.applied[state] = [r["id"] for r in moved]
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


async def _current(kind: CaseKind, cases: Mapping[int, int], outcome: BulkOutcome):
    """The cases grouped by their state now; those at another version are stale."""
    groups: dict[str, dict[int, int]] = defaultdict(dict)
    found = await select_states(kind.table._meta.tablename, list(cases))
    for row in found:
        if row["version"] != cases[row["id"]]:
            outcome.stale.append(row["id"])
        else:
            groups[row["state"]][row["id"]] = row["version"]
    missing = set(cases) - {row["id"] for row in found}
    outcome.refused.update({i: f"{kind.noun} {i} not found" for i in sorted(missing)})
    return groups


async def _move(
    kind: CaseKind, on: On, cmd: FireBulk, state: str, decision: Decision, group: dict[int, int]
) -> list[dict[str, Any]]:
    """One source state's cases: hooks, compare-and-set, mirror, history, audit."""

    def context(rows) -> BulkContext:
        return BulkContext(kind, cmd.event, rows, decision.to_state, cmd.actor, cmd.reason,
                           cmd.now, cmd.context)  # fmt: skip

    if on.bulk_before is not None:
        await on.bulk_before(context([{"id": i, "from_state": state} for i in group]))
    columns = tuple(dict.fromkeys((*on.bulk_columns, *_mirror_key(kind))))
    table = kind.table._meta.tablename
    moved = await move_states(table, group, state, decision.to_state, cmd.now, columns)
    if not moved:
        return moved
    for row in moved:
        row["from_state"] = state
    if kind.mirror is not None:
        mirror = kind.mirror
        await set_column(mirror.table._meta.tablename, mirror.column, decision.to_state,
                         [r[mirror.key] for r in moved])  # fmt: skip
    logged = kind.spec.event(cmd.event).loggable(decision.data)
    await insert_rows("history", HISTORY_COLUMNS, [
        history_row(kind.name, r["id"], cmd.event, state, decision.to_state, cmd.actor,
                    cmd.reason, logged, cmd.now) for r in moved])  # fmt: skip
    await insert_rows("audit_log", AUDIT_COLUMNS, [
        event_audit_row(kind.name, r["id"], cmd.event, state, decision.to_state, cmd.actor,
                        cmd.now, bulk=True) for r in moved])  # fmt: skip
    if on.bulk_effect is not None:
        await on.bulk_effect(context(moved))
    return moved


def _mirror_key(kind: CaseKind) -> tuple[str, ...]:
    return (kind.mirror.key,) if kind.mirror is not None else ()


async def visible_versions(kind: CaseKind, ids: list[int], actor: Principal) -> dict[int, int]:
    """id -> version now of the cases among ``ids`` that exist and ``actor`` may see."""
    table = kind.table._meta.tablename
    rows = await raw(f'SELECT * FROM "{table}" WHERE id IN ({ids_in()})', json.dumps(ids))
    return {r["id"]: r["version"] for r in rows if kind.visible_to(actor, r)}
