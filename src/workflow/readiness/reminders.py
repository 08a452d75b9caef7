"""Reminders before Open Enrollment: each broker not ready hears 30 days before and 7
days before November 1, once each (a message key per year and stage), in their language,
with the steps still missing."""

from __future__ import annotations

from datetime import date, datetime

from workflow.messaging.mailbox import write_message
from workflow.readiness.report import LABELS, readiness
from workflow.sweep.report import RuleResult

STAGES = (30, 7)  # days before November 1


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
    sent = []
    for broker in found.brokers:
        context = {"open_enrollment": found.open_enrollment, "days_left": found.days_left,
                   "training_year": f"TY{found.training_year}", "missing": broker["missing"],
                   "labels": LABELS}  # fmt: skip
        if dry_run or await write_message(broker, "oe_readiness_reminder", context, now, key):
            sent.append({"id": broker["id"]})
    result.add(sent)
    return [result]
