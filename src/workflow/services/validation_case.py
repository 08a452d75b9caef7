"""The NPN validation machine bound to ``npn_validations``: guard facts, who sees a
case, the bookkeeping each event writes, and the ``npn_status`` mirror on the broker."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workflow.machines.validation import (
    FAILURES,
    STUCK,
    VALIDATION,
    ValidationState,
    first_failure,
)
from workflow.machines.validation_messages import staff_detail
from workflow.services.cases import CaseKind, EffectContext, StateMirror
from workflow.services.errors import Conflict
from workflow.services.events import record_creation
from workflow.services.principal import Principal
from workflow.tables import Assister, NpnValidation


def validation_facts(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "failure": row["failure"],
        "identity_confirmed": row["identity_confirmed_at"] is not None,
    }


def validation_visible_to(principal: Principal, row: Mapping[str, Any]) -> bool:
    """Staff see every validation, a broker only their own. (Agency admins read their
    brokers' validations through the assister they may see, not through this kind.)"""
    if principal.role in {"admin", "support", "system"}:
        return True
    return principal.role == "assister" and row["assister"] == principal.assister_id


async def create_validation(assister_id: int, actor: Principal, now: datetime) -> int:
    """A broker's validation case, ``not_checked``, with its creation history row."""
    rows = await NpnValidation.insert(
        NpnValidation(assister=assister_id, created_at=now, updated_at=now)
    )
    await record_creation(VALIDATION.name, rows[0]["id"], ValidationState.not_checked, actor, now)
    return rows[0]["id"]


async def _update(ctx: EffectContext, values: dict) -> None:
    await NpnValidation.update(values).where(NpnValidation.id == ctx.row["id"])


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
    await _update(ctx, values)


async def open_case(ctx: EffectContext) -> None:
    await _update(ctx, {NpnValidation.escalated_at: _opened(ctx)})


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
    await _update(ctx, values)


async def correct_profile(ctx: EffectContext) -> None:
    """Copy the registry's name/NPN onto the broker's profile, if the profile still
    holds the values support saw (otherwise the broker changed it meanwhile: 409)."""
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
    await _update(
        ctx,
        {
            NpnValidation.escalated_at: _opened(ctx),
            NpnValidation.detail: detail,
            NpnValidation.hint: None,
        },
    )


async def close_case(ctx: EffectContext) -> None:
    await _update(ctx, {NpnValidation.resolved_at: ctx.now, NpnValidation.stuck_since: None})


VALIDATION_CASE = CaseKind(
    spec=VALIDATION,
    table=NpnValidation,
    facts=validation_facts,
    visible_to=validation_visible_to,
    effects={
        "revalidate": record_check,
        "escalate": open_case,
        "confirm_identity": record_identity_confirmed,
        "correct_record": correct_profile,
        "resolve": close_case,
    },
    label="NPN validation",
    mirror=StateMirror(table=Assister, column="npn_status", key="assister"),
)
