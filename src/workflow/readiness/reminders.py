"""Reminders before Open Enrollment: each broker not ready hears 30 days before and 7
days before November 1, once each (a message key per year and stage), in their language,
with the steps still missing. Written set-based, a batch of brokers per statement."""

from __future__ import annotations

from datetime import date, datetime

from workflow.db import transaction
from workflow.db.raw import in_list, list_arg, raw
from workflow.messaging.mailbox import write_messages_bulk
from workflow.readiness.report import LABELS, Readiness, readiness
from workflow.sweep.report import RuleResult

STAGES = (30, 7)  # days before November 1
BATCH = 5000
SENT = "SELECT assister FROM messages WHERE dedupe_key = {{}} AND {ids}"


def stage(days_left: int) -> int | None:
    """The reminder due with ``days_left`` to go: 30 within the last 30 days (until the
    7-day one), 7 within the last 7; a missed sweep day still sends each once."""
    due = [s for s in STAGES if 0 <= days_left <= s]
    return min(due) if due else None


async def send_readiness_reminders(as_of: date, now: datetime, dry_run: bool) -> list[RuleResult]:
    found = await readiness(as_of)
    days = stage(found.days_left)
    result = RuleResult("oe_readiness_reminder", f"rule: Open Enrollment in {found.days_left} days")
    if days is None:
        return [result]
    key = f"oe-readiness:{found.open_enrollment.year}:{days}"
    for start in range(0, len(found.brokers), BATCH):
        batch = found.brokers[start : start + BATCH]
        ids = list_arg(b["id"] for b in batch)
        sent = {r["assister"] for r in await raw(SENT.format(ids=in_list("assister")), key, ids)}
        due = [b for b in batch if b["id"] not in sent]
        result.add([{"id": b["id"]} for b in due])
        if due and not dry_run:
            async with transaction():
                await write_messages_bulk(due, "oe_readiness_reminder",
                                          lambda b, f=found: _context(f, b), now, key)  # fmt: skip
    return [result]


def _context(found: Readiness, broker) -> dict:
    return {"open_enrollment": found.open_enrollment, "days_left": found.days_left,
            "training_year": f"TY{found.training_year}", "missing": broker["missing"],
            "labels": LABELS}  # fmt: skip
