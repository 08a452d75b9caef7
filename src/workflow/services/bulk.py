"""The bulk form of :func:`services.events.apply_event`, for rules the system applies to
many cases at once (the sweep).

It asks the same machine declaration, once per source state instead of once per case,
then writes a batch in set-based statements inside one transaction: the state update,
one history row per case, and the event's bulk effect. The caller picks its cases
(usually with a query that checks the rule's facts, outside this transaction) and
passes the ``version`` it read for each: the update is a compare-and-set on id, version
and source state, like ``apply_event``'s, so a case changed meanwhile (any event bumps
the version, even one that keeps the state, such as ``record_exam``) is left alone and
reported as stale; the next run decides on it afresh. Events whose guards read
per-case facts cannot take this path.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
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
    stale: list[int] = field(default_factory=list)  # changed since the caller read them

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.applied.values())


# Runs inside the batch's transaction with the ids that moved.
BulkEffect = Callable[[list[int], str, datetime], Awaitable[None]]


async def apply_event_bulk(
    machine: str,
    cases: Mapping[int, int],
    event: str,
    *,
    actor: Principal,
    reason: str,
    now: datetime,
    data: Mapping[str, Any] | None = None,
    effect: BulkEffect | None = None,
) -> BulkOutcome:
    """Apply ``event`` to every case in ``cases`` (id -> the version the caller read)
    that the machine allows and that is still at that version, in one transaction;
    ``effect(moved_ids, reason, now)`` runs for the cases that moved."""
    kind = case_kind(machine)
    check_may_fire(kind, event, actor, reason)
    table = kind.table
    outcome = BulkOutcome()
    async with transaction():
        states = await select_states(table._meta.tablename, list(cases))
        by_state: dict[str, dict[int, int]] = defaultdict(dict)
        for row in states:
            if row["version"] != cases[row["id"]]:
                outcome.stale.append(row["id"])
            else:
                by_state[row["state"]][row["id"]] = row["version"]
        for state, group in sorted(by_state.items()):
            try:
                decision = kind.spec.decide(state, event, _NoFacts(), data)
            except MachineError as refusal:
                outcome.refused.update({case_id: refusal.detail for case_id in group})
                continue
            moved = await move_states(table._meta.tablename, group, state, decision.to_state, now)
            # On PostgreSQL a case may still change between the read and the update.
            outcome.stale.extend(sorted(set(group) - set(moved)))
            logged = kind.spec.event(event).loggable(decision.data)
            await _append_history_bulk(
                kind.name, moved, event, state, decision.to_state, actor, reason, logged, now
            )
            await _append_audit_bulk(kind.name, moved, event, state, decision.to_state, actor, now)
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


AUDIT_COLUMNS = ("at", "actor", "actor_user_id", "role", "action", "object_type", "object_id",
                 "outcome", "detail", "source", "correlation_id")  # fmt: skip


async def _append_audit_bulk(machine, ids, event, source, dest, actor: Principal, now) -> None:
    """Each case's audit entry, as :func:`apply_event` writes it, in the same transaction."""
    detail = json.dumps({"event": event, "from": source, "to": dest, "bulk": True})
    await insert_rows(
        "audit_log",
        AUDIT_COLUMNS,
        [
            (
                now,
                actor.username,
                actor.user_id,
                actor.role,
                "event",
                machine,
                str(case_id),
                "applied",
                detail,
                "",
                "",
            )  # fmt: skip
            for case_id in ids
        ],
    )
