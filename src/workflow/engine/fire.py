"""The one path for state changes.

:func:`fire` is the only code that writes a state column, one case at a time; its
set-based form, :func:`workflow.engine.bulk.fire_bulk`, writes the same rows for many.
Every caller (the HTTP API, the admin's forms, the staff pages, the CLI, the demo, the
sweep) hands it a :class:`~workflow.engine.command.FireEvent`. In one transaction it
checks the machine and its guards, writes the state with a compare-and-set on
``version``, appends the history row and the audit entry, and runs the event's effect as
the kind's binding declares it. Refusals raise a :mod:`workflow.core.errors` class.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from workflow.core.errors import (
    AttemptRecorded,
    BadEventData,
    BadInput,
    Conflict,
    EventNotAllowed,
    Forbidden,
    GuardRefused,
    HiddenCase,
    MachineError,
    NotFound,
    StaleVersion,
    Unavailable,
    UnknownEvent,
)
from workflow.core.metrics import event_applied, event_refused
from workflow.core.principal import Principal
from workflow.core.roles import a_role
from workflow.core.sensitive import refuse_sensitive
from workflow.db import current_engine, transaction
from workflow.db.errors import constraint_name, is_write_conflict
from workflow.db.raw import read
from workflow.engine import audit
from workflow.engine.cases import audit_hidden, decode_json, select_sql
from workflow.engine.command import EventOutcome, FireEvent
from workflow.engine.kinds import CaseKind, EffectContext, On, PrepareContext
from workflow.engine.records import event_audit_row, history_row
from workflow.engine.writes import EventWrite, mirror_id, write_event, write_event_atomically

# Times a prepared event (one that asks an outside service first) is tried again when
# the case changed while the service was being asked.
PREPARE_ATTEMPTS = 3


async def fire(cmd: FireEvent) -> EventOutcome:
    """Apply ``cmd.event`` to one case; raises a :mod:`workflow.core.errors` class on
    refusal (a refused attempt the machine keeps, such as a failed exam, is committed and
    raised as :class:`AttemptRecorded`)."""
    cmd = cmd.but(now=cmd.now or datetime.now(UTC))
    on = cmd.kind.on(cmd.event)
    try:
        screen(cmd)
        if cmd.located:
            cmd = cmd.but(case_id=await cmd.kind.locate(cmd.case_id, cmd.actor), located=False)
        gather = on.prepare is not None and not cmd.prepared
        outcome = await (_prepared(on, cmd) if gather else _apply(on, cmd, cmd.data))
    except MachineError as exc:
        event_refused(cmd.kind.name, _known(cmd), exc)
        await _audit_refusal(cmd, exc)
        raise
    event_applied(cmd.kind.name, cmd.event)
    if on.then is not None:
        outcome = replace(outcome, followed_by=await on.then(cmd, outcome))
    return outcome


def _known(cmd: FireEvent) -> str:
    """The event's name for a metric label: a name the caller typed may be anything."""
    return cmd.event if cmd.event in cmd.kind.spec.events else "(unknown event)"


def screen(cmd: FireEvent) -> None:
    """Refusals that need no database: unknown event, wrong role, missing reason, and
    never an SSN or a NUL in the reason or anywhere in the data (whoever the caller)."""
    check_may_fire(cmd.kind, cmd.event, cmd.actor, cmd.reason)
    refuse_sensitive("reason", cmd.reason)
    refuse_sensitive("data", dict(cmd.data) if cmd.data else None)


def check_may_fire(kind: CaseKind, event: str, actor: Principal, reason: str | None) -> None:
    spec = kind.spec.event(event)
    if actor.role not in spec.roles:
        if actor.role in spec.denied:
            raise Forbidden(spec.denied[actor.role])
        allowed = ", ".join(sorted(spec.roles - {"system"}))
        raise Forbidden(f"{a_role(actor.role)} may not {event} an {kind.noun}; ask: {allowed}")
    if spec.needs_reason(actor.role) and not (reason and reason.strip()):
        raise BadInput(f"reason: {event} needs a reason, for the history", field="reason")


async def _audit_refusal(cmd: FireEvent, exc: MachineError) -> None:
    kind = cmd.kind
    if isinstance(exc, HiddenCase):
        await audit_hidden(kind, cmd.case_id, cmd.actor)
    if isinstance(exc, AttemptRecorded):  # its entry is in its own transaction
        return
    known = cmd.event if cmd.event in kind.spec.events else "(unknown event)"
    await audit.record_outside(
        "event",
        "refused",
        actor=cmd.actor,
        object_type=kind.name,
        object_id=cmd.case_id,
        detail={"event": known, "why": type(exc).__name__, "reason": refusal_reason(exc)},
        at=cmd.now,
    )


# Why an event was refused, as the audit log may keep it: never the refusal's message
# (a guard's words may quote a name or what the caller typed), but the state refusal (event
# and state names), the refusing guard's declared label, or a fixed sentence.
REFUSAL_SENTENCES = {
    StaleVersion: "the case had changed since it was read (stale version)",
    Conflict: "a change made at the same time conflicted with it",
    Forbidden: "the caller's role may not fire this event",
    NotFound: "the case was not found",
    BadInput: "the input given was not valid",
    BadEventData: "the event's data was not valid",
    Unavailable: "an outside service did not answer; try again later",
    UnknownEvent: "no such event",
}


def refusal_reason(exc: MachineError) -> str:
    if isinstance(exc, EventNotAllowed):
        return exc.detail[:300]
    if isinstance(exc, GuardRefused):
        rule = getattr(exc, "rule", None)
        return f"a rule was not met: {rule}" if rule else "a rule refused it"
    for kind, sentence in REFUSAL_SENTENCES.items():
        if isinstance(exc, kind):
            return sentence
    return "refused"


async def _prepared(on: On, cmd: FireEvent) -> EventOutcome:
    """An event whose data comes from outside (e.g. the producer registry): asked with no
    transaction open, then applied only if the case did not change meanwhile (if it did,
    asked again)."""
    kind = cmd.kind
    for _ in range(PREPARE_ATTEMPTS):
        row = await _load(kind, cmd.case_id, cmd.actor)
        _check_version(kind, row, cmd.expected_version)
        allowed = kind.spec.allowed_events(row["state"])
        if cmd.event not in allowed:  # refuse before asking anyone
            raise EventNotAllowed(kind.noun, cmd.event, row["state"], allowed)
        context = PrepareContext(kind, row, cmd.event, cmd.actor, cmd.reason, cmd.data or {})
        data = await on.prepare(context)
        try:
            return await _apply(on, cmd.but(expected_version=row["version"]), data)
        except StaleVersion:
            if cmd.expected_version is not None:
                raise
    raise Conflict(
        f"the {kind.noun} kept changing while its data was being gathered; reload it and try again"
    )


async def _apply(on: On, cmd: FireEvent, data: Mapping[str, Any] | None) -> EventOutcome:
    """Read the case (and the facts its guards need), ask the machine, let the effect say
    what to write, then write it all at once with a compare-and-set on the version read.
    Events with a ``before`` hook (which may lock and write first) do all of it inside
    one transaction opened at the start."""
    kind = cmd.kind
    # Nested in a caller's transaction (a profile save, a transfer), the caller commits.
    nested = current_engine().current_transaction.get() is not None
    async with conflicts_as_409(kind.noun, cmd.case_id):
        if on.before is None:
            ctx = await _decide(on, cmd, data)
            await _write_at_once(cmd, ctx, nested)
        else:
            async with transaction():
                ctx = await _decide(on, cmd, data)
                if not await write_event(kind, _write(cmd, ctx), commit=not nested):
                    await _stale(kind, cmd.case_id)
    for callback in ctx.afterwards:
        callback()
    return _outcome(cmd, ctx)


async def _decide(on: On, cmd: FireEvent, data: Mapping[str, Any] | None) -> EffectContext:
    kind, now = cmd.kind, cmd.now
    row = await _load(kind, cmd.case_id, cmd.actor)
    _check_version(kind, row, cmd.expected_version)
    facts = dict(kind.facts(row))
    if on.reads_facts and kind.load_facts is not None:
        facts.update(await kind.load_facts(row, now))
    decision = kind.spec.decide(row["state"], cmd.event, facts, data)
    ctx = EffectContext(kind, row, cmd.event, decision, cmd.actor, cmd.reason, now,
                        row["version"] + 1, facts)  # fmt: skip
    if on.before is not None:
        await on.before(ctx)
    if on.effect is not None:
        ctx.extra.update(await on.effect(ctx) or {})
    return ctx


async def _write_at_once(cmd: FireEvent, ctx: EffectContext, nested: bool) -> None:
    """The event's writes as one unit: its own transaction (one statement on PostgreSQL,
    one trip on SQLite, ``BEGIN IMMEDIATE`` to ``COMMIT``), or the caller's."""
    write = _write(cmd, ctx)
    if nested:
        moved = await write_event(cmd.kind, write)
    else:
        moved = await write_event_atomically(cmd.kind, write)
    if not moved:
        await _stale(cmd.kind, cmd.case_id)


def _outcome(cmd: FireEvent, ctx: EffectContext) -> EventOutcome:
    decision = ctx.decision
    outcome = EventOutcome(
        machine=cmd.kind.name,
        id=cmd.case_id,
        event=cmd.event,
        from_state=decision.from_state,
        state=decision.to_state,
        version=ctx.version,
        allowed_events=cmd.kind.spec.allowed_events(decision.to_state),
        extra=ctx.extra,
    )
    if decision.refused:
        raise AttemptRecorded(cmd.event, decision.refused, outcome)
    return outcome


def _write(cmd: FireEvent, ctx: EffectContext) -> EventWrite:
    kind, now, row, decision = cmd.kind, cmd.now, ctx.row, ctx.decision
    logged = kind.spec.event(cmd.event).loggable(decision.data)
    return EventWrite(
        case_id=cmd.case_id,
        version=row["version"],
        state=decision.to_state,
        now=now,
        mirror_id=mirror_id(kind, row),
        history=history_row(kind.name, cmd.case_id, cmd.event, decision.from_state,
                            decision.to_state, cmd.actor, cmd.reason, logged, now),
        audit=event_audit_row(kind.name, cmd.case_id, cmd.event, decision.from_state,
                              decision.to_state, cmd.actor, now,
                              refused=bool(decision.refused)),
        sets=ctx.sets,
        extra=[*ctx.writes, *cmd.writes],
    )  # fmt: skip


async def _load(kind: CaseKind, case_id: int, actor: Principal) -> dict[str, Any]:
    """The case for an event: 404 if missing, or hidden from the actor (audited by
    :func:`fire` once it is refused, outside the transaction)."""
    rows = await read(select_sql(kind), case_id)
    if not rows:
        raise NotFound(f"{kind.noun} {case_id} not found")
    if not kind.visible_to(actor, rows[0]):
        raise HiddenCase(f"{kind.noun} {case_id} not found")
    return decode_json(kind.table, rows[0])


def _check_version(kind: CaseKind, row: Mapping[str, Any], expected: int | None) -> None:
    if expected is not None and expected != row["version"]:
        state = row["state"]
        raise StaleVersion(kind.noun, row["id"], row["version"], expected, state,
                           kind.spec.allowed_events(state))  # fmt: skip


async def _stale(kind: CaseKind, case_id: int) -> None:
    """The compare-and-set found another version: someone else's event won."""
    table = kind.table._meta.tablename
    pk = kind.table._meta.primary_key._meta.db_column_name
    rows = await read(f'SELECT version, state FROM "{table}" WHERE "{pk}" = {{}}', case_id)
    state = rows[0]["state"] if rows else None
    version = rows[0]["version"] if rows else -1
    allowed = kind.spec.allowed_events(state) if state else None
    raise StaleVersion(kind.noun, case_id, version, None, state, allowed)


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
