"""The assister of record over time: each association's periods as intervals (who, at
which stage, from when, until when, how it ended), written by the association's events
in their own transaction (the statements below go to the engine with ``ctx.add``).

A request opens a ``requested`` period; confirming closes it (``confirmed``) and opens a
``confirmed`` one; a transfer closes the confirmed period (``transferred``) and opens
another with the new assister; ending the association closes whatever is open, saying
how (``replaced``, ``support``, ``consumer``, ``expired``). Periods are never rewritten.
"""

from __future__ import annotations

import json
from datetime import datetime

from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.db.raw import ids_in, raw
from workflow.tables import PeriodEnd, PeriodStage

# Reasons the association binding gives when one association ends because of another
# (the consumer confirmed someone else, a transfer superseded a pending request).
REPLACED_PREFIXES = ("replaced:", "withdrawn:")

OPEN_PERIOD = """
INSERT INTO association_periods (association, consumer, assister, organization, stage,
                                 started_at)
VALUES ({}, {}, {}, (SELECT organization FROM assisters WHERE id = {}), {}, {})
"""
CLOSE_PERIOD = """
UPDATE association_periods SET ended_at = {}, ended_how = {}
WHERE association = {} AND ended_at IS NULL
"""


def open_period(
    association_id: int, consumer_id: int, assister_id: int, stage: PeriodStage, now: datetime
) -> tuple[str, tuple]:
    """The statement opening a period (for ``ctx.add``, or ``raw(*...)``)."""
    return OPEN_PERIOD, (association_id, consumer_id, assister_id, assister_id, stage.value, now)


def close_period(association_id: int, how: PeriodEnd, now: datetime) -> tuple[str, tuple]:
    """The statement closing the association's open period, saying how it ended."""
    return CLOSE_PERIOD, (now, how.value, association_id)


def how_it_ended(actor: Principal, reason: str | None) -> PeriodEnd:
    """How a ``disassociate`` ends the period, from who fired it and why."""
    if (reason or "").startswith(REPLACED_PREFIXES):
        return PeriodEnd.replaced
    if actor.role == Role.system:
        return PeriodEnd.expired
    if actor.role == Role.consumer:
        return PeriodEnd.consumer
    return PeriodEnd.support


async def close_periods(ids: list[int], how: PeriodEnd, now: datetime) -> None:
    """``close_period`` for a batch of associations, as one statement (the bulk path)."""
    sql = (
        "UPDATE association_periods SET ended_at = {}, ended_how = {} "
        f"WHERE ended_at IS NULL AND association IN ({ids_in()})"
    )
    await raw(sql, now, how.value, json.dumps(ids))
