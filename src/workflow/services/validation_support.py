"""What support does with a stuck NPN validation, each an event with a reason:
``escalate``, ``confirm_identity``, ``correct_record`` and ``resolve`` (which validates
again at once); and the sweeps a scheduler runs: retrying registry look-ups that failed
and escalating validations whose SLA is breached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from workflow.machines.producer import names_match
from workflow.machines.validation import (
    SUPPORT_FAILURES,
    VALIDATION,
    ValidationState,
    needs_support,
)
from workflow.sensitive import NPN_LOOKUP, npn_problem
from workflow.services.errors import BadInput, Conflict, ServiceError, StaleVersion
from workflow.services.events import EventOutcome, apply_event, check_may_fire
from workflow.services.principal import SYSTEM, Principal
from workflow.services.registry import (
    ProducerRegistry,
    RegistryUnavailable,
    ask_registry,
    get_registry,
)
from workflow.services.role_reminders import send_role_reminders
from workflow.services.sla import breached_before
from workflow.services.validation_case import VALIDATION_CASE
from workflow.services.validations import (
    case_for,
    check_reason,
    ensure_allowed,
    moved_meanwhile,
    revalidate,
)
from workflow.settings import get_settings
from workflow.tables import History, NpnValidation


async def fire_support_event(
    assister_id: int,
    event: str,
    actor: Principal,
    reason: str | None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> EventOutcome:
    """``escalate`` or ``confirm_identity`` on the broker's validation."""
    check_may_fire(VALIDATION_CASE, event, actor, reason)
    check_reason(reason)
    _, case = await case_for(assister_id, actor)
    return await apply_event(
        VALIDATION.name,
        case["id"],
        event,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        now=now,
    )


async def correct_record(
    assister_id: int,
    actor: Principal,
    reason: str | None,
    *,
    npn: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
    registry: ProducerRegistry | None = None,
) -> EventOutcome:
    """Copy the name and NPN of registry record ``npn`` (default: the profile's NPN)
    onto the broker's profile; history keeps each changed field, old → new."""
    check_may_fire(VALIDATION_CASE, "correct_record", actor, reason)
    check_reason(reason)
    assister, case = await case_for(assister_id, actor)
    ensure_allowed(case, "correct_record")
    target = (npn or assister["npn"] or "").strip()
    if not target:
        raise BadInput("data.npn: give the NPN of the broker's registry record", "data.npn")
    if problem := npn_problem(target):
        raise BadInput("data." + problem, "data.npn")
    try:
        record = await ask_registry((registry or get_registry()).lookup(target))
    except RegistryUnavailable as exc:
        raise Conflict(f"the producer registry did not answer ({exc}); try again later") from None
    if record is None:
        raise BadInput(
            f"data.npn: NPN {target} is not in the producer registry ({NPN_LOOKUP})", "data.npn"
        )
    changes: dict[str, Any] = {}
    if not names_match(assister["name"], record.first_name, record.last_name):
        changes["name"] = {"old": assister["name"], "new": record.full_name}
    if assister["npn"] != record.npn:
        changes["npn"] = {"old": assister["npn"], "new": record.npn}
    try:
        return await apply_event(
            VALIDATION.name,
            case["id"],
            "correct_record",
            actor=actor,
            reason=reason,
            data={"registry_npn": record.npn, "changes": changes},
            expected_version=expected_version or case["version"],
            now=now,
        )
    except StaleVersion as exc:
        raise exc if expected_version is not None else moved_meanwhile(exc) from None


async def resolve(
    assister_id: int,
    actor: Principal,
    reason: str | None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
    registry: ProducerRegistry | None = None,
) -> tuple[EventOutcome, EventOutcome | None]:
    """Close the support case, then validate again at once (as the system). When that
    comes out valid and the broker has no Agent Broker role yet, remind them."""
    resolved = await fire_support_event(
        assister_id, "resolve", actor, reason, expected_version=expected_version, now=now
    )
    try:
        again = await revalidate(assister_id, SYSTEM, now=now, registry=registry)
    except ServiceError:  # e.g. no NPN on the profile: it stays resolved, visibly
        return resolved, None
    if again.state == ValidationState.valid:
        await send_role_reminders(now or datetime.now(UTC), assister_id=assister_id)
    return resolved, again


@dataclass(frozen=True)
class SweepReport:
    looked_at: int
    outcomes: dict[str, int]

    def __str__(self) -> str:
        parts = ", ".join(f"{n} {s}" for s, n in sorted(self.outcomes.items())) or "none"
        return f"{self.looked_at} validation(s): {parts}"


async def unavailable_due(now: datetime) -> list[dict]:
    """Validations the registry could not answer, last tried long enough ago: also those
    support has a case open for (the registry was down past the SLA)."""
    since = now - timedelta(minutes=get_settings().registry_retry_minutes)
    unavailable = ValidationState.registry_unavailable
    return await NpnValidation.select(NpnValidation.id, NpnValidation.assister).where(
        (
            (NpnValidation.state == unavailable)
            | (
                (NpnValidation.state == ValidationState.escalated)
                & (NpnValidation.failure == unavailable)
            )
        )
        & (NpnValidation.last_checked_at <= since)
    )


async def breached_due(now: datetime) -> list[dict]:
    """Failed validations waiting past the SLA's breach limit, no support case yet, whose
    failure needs support (:func:`needs_support`): no SSN, a name that differs from the
    registry's, a registry that has not answered all along. A missing or inactive license
    or health LOA, or an unknown NPN, is the broker's to fix: no case is opened for it."""
    rows = await NpnValidation.select(
        NpnValidation.id, NpnValidation.assister, NpnValidation.state
    ).where(
        NpnValidation.state.is_in(list(SUPPORT_FAILURES))
        & (NpnValidation.stuck_since < breached_before(now))
    )
    due = []
    for row in rows:
        data = (
            await _last_check_data(row["id"])
            if row["state"] == ValidationState.npn_mismatch
            else {}
        )
        if row["state"] != ValidationState.npn_mismatch or needs_support(row["state"], data):
            due.append({"id": row["id"], "assister": row["assister"]})
    return due


async def _last_check_data(case_id: int) -> dict:
    """The data of the validation's latest ``revalidate`` (what the registry said)."""
    row = (
        await History.select(History.data)
        .where(
            (History.machine == VALIDATION.name)
            & (History.entity_id == case_id)
            & (History.event == "revalidate")
        )
        .order_by(History.id, ascending=False)
        .first()
        .output(load_json=True)
    )
    return (row or {}).get("data") or {}


async def retry_unavailable(
    now: datetime | None = None, registry: ProducerRegistry | None = None
) -> SweepReport:
    """Revalidate every ``registry_unavailable`` validation (an open support case
    included) last tried at least ``registry_retry_minutes`` ago."""
    now = now or datetime.now(UTC)
    rows = await unavailable_due(now)
    outcomes: dict[str, int] = {}
    for row in rows:
        try:
            state = (await revalidate(row["assister"], SYSTEM, now=now, registry=registry)).state
        except ServiceError as exc:
            state = f"skipped ({type(exc).__name__})"
        outcomes[state] = outcomes.get(state, 0) + 1
    return SweepReport(len(rows), outcomes)


async def escalate_breached(now: datetime | None = None) -> SweepReport:
    """Open a support case (``escalate``, as the system) for every failed validation
    that needs support and has waited past the SLA's breach limit."""
    now = now or datetime.now(UTC)
    limit = get_settings().validation_sla_breach_business_days
    rows = await breached_due(now)
    outcomes: dict[str, int] = {}
    for row in rows:
        reason = f"SLA breached: stuck for more than {limit} business days"
        try:
            await apply_event(
                VALIDATION.name, row["id"], "escalate", actor=SYSTEM, reason=reason, now=now
            )
            outcome = "escalated"
        except ServiceError as exc:
            outcome = f"skipped ({type(exc).__name__})"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return SweepReport(len(rows), outcomes)
