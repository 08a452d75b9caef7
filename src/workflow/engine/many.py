"""Many events at once, each on a different case of one kind, for a caller holding a
batch whose guards read per-case facts (an import of training results), which the bulk
form cannot take: the cases are read in one query and their facts in one call
(``CaseKind.load_facts_many``), each case is decided by the machine on its own exactly as
:func:`workflow.engine.fire.fire` decides it, and every applied event is written in one
transaction (its compare-and-set, history row, audit entry and effect's writes, as
``fire`` writes them).

Optimistic: if any case changed since it was read, or a write collides with a unique
index, nothing of the batch is kept and :class:`BatchConflict` is raised; the caller then
fires those events one at a time (which decides each afresh).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from workflow.core.errors import AttemptRecorded, HiddenCase, MachineError, NotFound
from workflow.db import transaction
from workflow.db.errors import is_write_conflict
from workflow.db.raw import in_list, list_arg, raw
from workflow.engine.cases import decode_json
from workflow.engine.command import EventOutcome, FireEvent
from workflow.engine.fire import _audit_refusal, _check_version, _outcome, _write, screen
from workflow.engine.kinds import CaseKind, EffectContext
from workflow.engine.writes import write_events

Result = EventOutcome | MachineError


class BatchConflict(Exception):
    """A case of the batch changed meanwhile (or a unique index refused a write): the
    batch was rolled back; fire its events one by one."""


def fits(kind: CaseKind, event: str) -> bool:
    """Whether ``event`` can go this way: no ``before`` hook (locks), outside service
    (``prepare``) or follow-up (``then``), and the kind reads facts for many at once."""
    on = kind.on(event)
    many = kind.load_facts_many is not None or not on.reads_facts
    return many and on.before is None and on.prepare is None and on.then is None


async def fire_many(cmds: Sequence[FireEvent]) -> list[Result]:
    """Each command's outcome, or the refusal the engine would have raised for it (a
    kept attempt, such as a failed exam, is written and returned as
    :class:`AttemptRecorded`). The commands are for different cases of one kind."""
    if not cmds:
        return []
    kind, now = cmds[0].kind, cmds[0].now or datetime.now(UTC)
    cmds = [c.but(now=now) for c in cmds]
    if len({c.case_id for c in cmds}) != len(cmds) or any(c.kind is not kind for c in cmds):
        raise ValueError("fire_many takes one event per case, all of one kind")
    rows = await _rows(kind, [c.case_id for c in cmds])
    facts = await kind.load_facts_many(list(rows.values()), now) if kind.load_facts_many else {}
    results: list[Result | EffectContext] = []
    for cmd in cmds:
        try:
            results.append(await _decide(kind, cmd, rows.get(cmd.case_id), facts))
        except MachineError as refusal:
            results.append(refusal)
    await _write_all(kind, [(c, r) for c, r in zip(cmds, results, strict=True)
                            if isinstance(r, EffectContext)])  # fmt: skip
    return [await _finish(cmd, result) for cmd, result in zip(cmds, results, strict=True)]


async def _rows(kind: CaseKind, ids: list[int]) -> dict[int, dict[str, Any]]:
    table = kind.table._meta.tablename
    found = await raw(f'SELECT * FROM "{table}" WHERE {in_list("id")}', list_arg(ids))
    return {r["id"]: decode_json(kind.table, r) for r in found}


async def _decide(kind: CaseKind, cmd: FireEvent, row, facts) -> EffectContext:
    """What ``fire`` decides for one case, from the batch's reads."""
    if not fits(kind, cmd.event):
        raise ValueError(f"{kind.name}: {cmd.event} cannot be fired with fire_many")
    screen(cmd)
    if row is None:
        raise NotFound(f"{kind.noun} {cmd.case_id} not found")
    if not kind.visible_to(cmd.actor, row):
        raise HiddenCase(f"{kind.noun} {cmd.case_id} not found")
    _check_version(kind, row, cmd.expected_version)
    case_facts = dict(kind.facts(row))
    if kind.on(cmd.event).reads_facts:
        case_facts.update(facts[row["id"]])
    decision = kind.spec.decide(row["state"], cmd.event, case_facts, cmd.data)
    ctx = EffectContext(kind, row, cmd.event, decision, cmd.actor, cmd.reason, cmd.now,
                        row["version"] + 1, case_facts)  # fmt: skip
    effect = kind.on(cmd.event).effect
    if effect is not None:
        ctx.extra.update(await effect(ctx) or {})
    return ctx


async def _write_all(kind: CaseKind, decided: list[tuple[FireEvent, EffectContext]]) -> None:
    if not decided:
        return
    try:
        async with transaction():
            if not await write_events(kind, [_write(cmd, ctx) for cmd, ctx in decided]):
                raise BatchConflict(f"a {kind.noun} of the batch changed meanwhile")
    except BatchConflict:
        raise
    except Exception as exc:
        if is_write_conflict(exc):
            raise BatchConflict(str(exc)) from None
        raise
    for _, ctx in decided:
        for callback in ctx.afterwards:
            callback()


async def _finish(cmd: FireEvent, result: Result | EffectContext) -> Result:
    if isinstance(result, MachineError):
        await _audit_refusal(cmd, result)
        return result
    try:
        return _outcome(cmd, result)
    except AttemptRecorded as kept:
        return kept
