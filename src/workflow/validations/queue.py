"""Support's queue of stuck NPN validations: the failure, how many business days the
broker has waited and where that stands against the SLA, most urgent first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow.core.business_days import SlaStatus
from workflow.core.errors import BadInput
from workflow.core.principal import Principal
from workflow.core.sensitive import looks_like_ssn, ssn_refusal
from workflow.db import ilike
from workflow.tables import NpnValidation
from workflow.validations.binding import validation_facts
from workflow.validations.machine import STUCK, VALIDATION
from workflow.validations.sla import status_bounds
from workflow.validations.views import present_validation

_A = NpnValidation.assister
_BROKER_COLUMNS = {
    "id": _A.id,
    "name": _A.name,
    "npn": _A.npn,
    "email": _A.email,
    "phone": _A.phone,
    "marketplace_role": _A.marketplace_role,
    "ssn_provided": _A.ssn_provided,
}


async def support_queue(
    actor: Principal,
    now: datetime,
    *,
    state: str | None = None,
    failure: str | None = None,
    sla: SlaStatus | None = None,
    q: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of stuck validations, longest waiting first (the waiting time in business
    days only grows with the time stuck, so that is also SLA order), and the total."""
    where = NpnValidation.state.is_in(list(STUCK))
    if state:
        where &= NpnValidation.state == state
    if failure:
        where &= NpnValidation.failure == failure
    if sla:
        since, before = status_bounds(now, sla)
        if since is not None:
            where &= NpnValidation.stuck_since >= since
        if before is not None:
            where &= NpnValidation.stuck_since < before
    if looks_like_ssn(q):
        raise BadInput(ssn_refusal("q"), "q")
    if q and q.strip():
        like = "%" + q.strip().replace("\\", "").replace("%", "").replace("_", "") + "%"
        where &= ilike(_A.name, like) | (_A.npn == q.strip())
    columns = [c.as_alias(f"broker_{k}") for k, c in _BROKER_COLUMNS.items()]
    rows = (
        await NpnValidation.select(*NpnValidation.all_columns(), *columns)
        .where(where)
        .order_by(NpnValidation.stuck_since, NpnValidation.id)
        .limit(limit)
        .offset(offset)
    )
    total = await NpnValidation.count().where(where)
    return [_item(row, actor, now) for row in rows], total


def _item(row: dict[str, Any], actor: Principal, now: datetime) -> dict[str, Any]:
    broker = {k: row[f"broker_{k}"] for k in _BROKER_COLUMNS}
    blocked = VALIDATION.blocked(row["state"], validation_facts(row))
    return {
        **present_validation(broker, row, actor, now),
        "email": broker["email"],
        "phone": broker["phone"],
        "blocked_events": [{"event": e, "reason": r} for e, r in blocked],
    }
