"""The rules the sweep runs over NPN validations: retrying registry look-ups that failed
and escalating validations whose SLA is breached (support's own actions are events:
``validations/service.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workflow.core.errors import ServiceError
from workflow.core.principal import SYSTEM
from workflow.core.settings import get_settings
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.tables import History, NpnValidation
from workflow.validations.binding import VALIDATION_CASE
from workflow.validations.machine import (
    SUPPORT_FAILURES,
    VALIDATION,
    ValidationState,
    needs_support,
)
from workflow.validations.service import (
    revalidate,
)
from workflow.validations.sla import breached_before


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


async def retry_unavailable(now: datetime | None = None) -> SweepReport:
    """Revalidate every ``registry_unavailable`` validation (an open support case
    included) last tried at least ``registry_retry_minutes`` ago."""
    now = now or datetime.now(UTC)
    rows = await unavailable_due(now)
    outcomes: dict[str, int] = {}
    for row in rows:
        try:
            state = (await revalidate(row["assister"], SYSTEM, now=now)).state
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
            await fire(
                FireEvent(
                    VALIDATION_CASE, row["id"], "escalate", actor=SYSTEM, reason=reason, now=now
                )
            )
            outcome = "escalated"
        except ServiceError as exc:
            outcome = f"skipped ({type(exc).__name__})"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return SweepReport(len(rows), outcomes)
