"""The NPN validation machine bound to ``npn_validations``: guard facts, who sees a
case, what each event asks the registry first (``revalidate``, ``correct_record``), the
bookkeeping each event writes, what follows ``resolve``, and the ``npn_status`` mirror on
the broker. Its API path is the broker's: ``/assisters/{id}/validation``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.errors import Conflict, NotFound, ServiceError
from workflow.core.principal import SYSTEM, Principal
from workflow.core.roles import SEES_EVERYTHING, Role
from workflow.db.raw import raw
from workflow.engine.cases import load_case
from workflow.engine.command import EventOutcome, FireEvent
from workflow.engine.fire import fire
from workflow.engine.kinds import CaseKind, EffectContext, On, StateMirror
from workflow.engine.records import record_creation
from workflow.tables import Assister, NpnValidation
from workflow.validations.checks import correct_record_data, revalidate_data
from workflow.validations.machine import (
    FAILURES,
    STUCK,
    VALIDATION,
    ValidationState,
    first_failure,
)
from workflow.validations.messages import message_for, staff_detail
from workflow.validations.role_reminders import send_role_reminders


def validation_facts(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "failure": row["failure"],
        "identity_confirmed": row["identity_confirmed_at"] is not None,
    }


def validation_visible_to(principal: Principal, row: Mapping[str, Any]) -> bool:
    """Staff see every validation, a broker only their own. (Agency admins read their
    brokers' validations through the assister they may see, not through this kind.)"""
    if principal.role in SEES_EVERYTHING:
        return True
    return principal.role == Role.assister and row["assister"] == principal.assister_id


async def create_validation(assister_id: int, actor: Principal, now: datetime) -> int:
    """A broker's validation case, ``not_checked``, with its creation history row."""
    rows = await NpnValidation.insert(
        NpnValidation(assister=assister_id, created_at=now, updated_at=now)
    )
    await record_creation(VALIDATION.name, rows[0]["id"], ValidationState.not_checked, actor, now)
    return rows[0]["id"]


async def case_for(assister_id: int, actor: Principal) -> tuple[dict, dict]:
    """(broker row, validation row), if the actor may see the broker; 404 otherwise and
    for navigators and CACs, who have no NPN."""
    assister = await load_case(ASSISTER_CASE, assister_id, actor)
    rows = await raw("SELECT * FROM npn_validations WHERE assister = {}", assister_id)
    if not rows:
        raise NotFound(
            f"assister {assister_id} is a {assister['kind']}: only brokers have an NPN validation"
        )
    return assister, rows[0]


async def broker_validation(assister_id: int, actor: Principal) -> int:
    """The id of the broker's validation (the API addresses it by the broker's id)."""
    _, case = await case_for(assister_id, actor)
    return case["id"]


def _update(ctx: EffectContext, values: dict) -> None:
    """Columns of the validation's own row, written with its new state."""
    ctx.set(**{column._meta.name: value for column, value in values.items()})


def _opened(ctx: EffectContext) -> datetime:
    return ctx.row["escalated_at"] or ctx.now


async def record_check(ctx: EffectContext) -> None:
    """After ``revalidate``: what failed and since when the broker has been stuck. While
    a support case is open a failing check keeps it open (and its clock) with the failure
    brought up to date; a passing one closes it (``resolved_at``)."""
    decision, data = ctx.decision, ctx.decision.data
    failure = decision.to_state if decision.to_state in FAILURES else None
    if decision.to_state == ValidationState.escalated:
        failure = first_failure(validation_facts(ctx.row), data)
    values: dict = {
        NpnValidation.attempts: ctx.row["attempts"] + 1,
        NpnValidation.last_checked_at: ctx.now,
        NpnValidation.detail: staff_detail(failure or decision.to_state, data),
    }
    if failure:
        values[NpnValidation.failure] = failure
        values[NpnValidation.hint] = data.get("hint")
        if decision.from_state not in STUCK:  # newly stuck; failure to failure is not
            values[NpnValidation.stuck_since] = ctx.now
            values[NpnValidation.escalated_at] = None
    else:
        values.update(
            {
                NpnValidation.failure: None,
                NpnValidation.hint: None,
                NpnValidation.stuck_since: None,
                NpnValidation.escalated_at: None,
            }
        )
        if decision.from_state == ValidationState.escalated:  # the check closed the case
            values[NpnValidation.resolved_at] = ctx.now
    _update(ctx, values)


async def open_case(ctx: EffectContext) -> None:
    _update(ctx, {NpnValidation.escalated_at: _opened(ctx)})


async def record_identity_confirmed(ctx: EffectContext) -> None:
    values = {
        NpnValidation.identity_confirmed_at: ctx.now,
        NpnValidation.escalated_at: _opened(ctx),
    }
    if ctx.row["failure"] == ValidationState.missing_ssn:  # the detail said "not confirmed"
        values[NpnValidation.detail] = (
            "no SSN was given when the account was created; identity confirmed by support: "
            "resolve the case to validate again"
        )
    _update(ctx, values)


async def correct_profile(ctx: EffectContext) -> None:
    """Copy the registry's name/NPN onto the broker's profile, if the profile still
    holds the values support saw (otherwise the broker changed it meanwhile: 409). A
    ``before`` hook: it reads and writes the profile inside the event's transaction."""
    changes = ctx.decision.data["changes"]
    columns = {"name": Assister.name, "npn": Assister.npn}
    current = (
        await Assister.select(Assister.name, Assister.npn)
        .where(Assister.id == ctx.row["assister"])
        .first()
    )
    for field, change in changes.items():
        if current[field] != change["old"]:
            raise Conflict(
                f"{field}: the profile changed while you were correcting it (now "
                f"{current[field]!r}); reload the validation and correct it again"
            )
    await Assister.update(
        {columns[f]: c["new"] for f, c in changes.items()} | {Assister.updated_at: ctx.now}
    ).where(Assister.id == ctx.row["assister"])
    # What the last check said ("a different name") no longer holds: say what changed.
    done = "; ".join(f"{f} {c['old']!r} → {c['new']!r}" for f, c in changes.items())
    detail = (
        f"support corrected the profile from registry record {ctx.decision.data['registry_npn']} "
        f"({done}); not checked since: resolve the case to validate again"
    )
    _update(
        ctx,
        {
            NpnValidation.escalated_at: _opened(ctx),
            NpnValidation.detail: detail,
            NpnValidation.hint: None,
        },
    )


async def close_case(ctx: EffectContext) -> None:
    _update(ctx, {NpnValidation.resolved_at: ctx.now, NpnValidation.stuck_since: None})


async def validate_again(cmd: FireEvent, resolved: EventOutcome) -> EventOutcome | None:
    """After ``resolve``: validate again at once, as the system. When that comes out valid
    and the broker has no Agent Broker role yet, remind them to choose one."""
    try:
        again = await fire(FireEvent(VALIDATION_CASE, resolved.id, "revalidate", SYSTEM,
                                     now=cmd.now))  # fmt: skip
    except ServiceError:  # e.g. no NPN on the profile: it stays resolved, visibly
        return None
    if again.state == ValidationState.valid:
        rows = await raw("SELECT assister FROM npn_validations WHERE id = {}", resolved.id)
        await send_role_reminders(cmd.now, assister_id=rows[0]["assister"])
    return again


async def describe_outcome(outcome: EventOutcome) -> str:
    """The broker's message after an event on their validation (an open support case
    also says what its last check found)."""
    failure = None
    if outcome.state == ValidationState.escalated:
        row = await NpnValidation.select(NpnValidation.failure).where(
            NpnValidation.id == outcome.id
        )
        failure = row[0]["failure"] if row else None
    return message_for(outcome.state, failure=failure)


VALIDATION_CASE = CaseKind(
    spec=VALIDATION,
    table=NpnValidation,
    facts=validation_facts,
    visible_to=validation_visible_to,
    events={
        "revalidate": On(prepare=revalidate_data, given={}, effect=record_check),
        "escalate": On(effect=open_case),
        "confirm_identity": On(effect=record_identity_confirmed),
        "correct_record": On(
            prepare=correct_record_data, given={"npn": str}, before=correct_profile
        ),
        "resolve": On(effect=close_case, then=validate_again),
    },
    label="NPN validation",
    mirror=StateMirror(table=Assister, column="npn_status", key="assister"),
    path="/assisters/{assister_id}/validation",
    roles=("admin", "support", "assister"),
    locate=broker_validation,
    path_key="assister",
    describe=describe_outcome,
)
