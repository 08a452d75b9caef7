"""The bulk form of :func:`services.events.apply_event`, for rules the system applies to
many cases at once (the sweep).

It asks the same machine declaration, once per source state instead of once per case,
then writes a batch in set-based statements inside one transaction: the state update
(a compare-and-set on the source state, so a case that moved meanwhile is left alone),
one history row per case, and the event's bulk effect. Events whose guards read
per-case facts cannot take this path.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflow.db import transaction
from workflow.db.bulk import insert_rows, move_states, select_states
from workflow.machines.errors import MachineError
from workflow.services.case_kinds import case_kind
from workflow.services.events import check_may_fire
from workflow.services.principal import Principal


class RowFactsNeeded(RuntimeError):
    """A guard tried to read a per-case fact on the bulk path (a programming error:
    such events must go through ``apply_event`` one case at a time)."""


class _NoFacts(Mapping):
    def __getitem__(self, key):
        raise RowFactsNeeded(
            f"a guard reads the per-case fact {key!r}; apply this event with apply_event, "
            "one case at a time"
        )

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass
class BulkOutcome:
    applied: dict[str, list[int]] = field(default_factory=dict)  # from_state -> ids
    refused: dict[int, str] = field(default_factory=dict)  # id -> why not

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.applied.values())


# Runs inside the batch's transaction with the ids that moved.
BulkEffect = Callable[[list[int], str, datetime], Awaitable[None]]


async def apply_event_bulk(
    machine: str,
    ids: Sequence[int],
    event: str,
    *,
    actor: Principal,
    reason: str,
    now: datetime,
    data: Mapping[str, Any] | None = None,
    effect: BulkEffect | None = None,
) -> BulkOutcome:
    """Apply ``event`` to every case in ``ids`` that the machine allows, in one
    transaction; ``effect(moved_ids, reason, now)`` runs for the cases that moved."""
    kind = case_kind(machine)
    check_may_fire(kind, event, actor, reason)
    table = kind.table
    outcome = BulkOutcome()
    async with transaction():
        states = await select_states(table._meta.tablename, ids)
        by_state: dict[str, list[int]] = defaultdict(list)
        for row in states:
            by_state[row["state"]].append(row["id"])
        for state, group in sorted(by_state.items()):
            try:
                decision = kind.spec.decide(state, event, _NoFacts(), data)
            except MachineError as refusal:
                outcome.refused.update({case_id: refusal.detail for case_id in group})
                continue
            moved = await move_states(table._meta.tablename, group, state, decision.to_state, now)
            logged = kind.spec.event(event).loggable(decision.data)
            await _append_history_bulk(
                kind.name, moved, event, state, decision.to_state, actor, reason, logged, now
            )
            if moved:
                outcome.applied[state] = moved
        if effect and outcome.count:
            await effect([i for ids_ in outcome.applied.values() for i in ids_], reason, now)
    return outcome


HISTORY_COLUMNS = (
    "machine",
    "entity_id",
    "event",
    "from_state",
    "to_state",
    "actor",
    "actor_user_id",
    "reason",
    "data",
    "at",
)


async def _append_history_bulk(
    machine, ids, event, source, dest, actor: Principal, reason, data, now
) -> None:
    payload = json.dumps(data)
    await insert_rows(
        "history",
        HISTORY_COLUMNS,
        [
            (
                machine,
                case_id,
                event,
                source,
                dest,
                actor.username,
                actor.user_id,
                reason,
                payload,
                now,
            )
            for case_id in ids
        ],
    )
