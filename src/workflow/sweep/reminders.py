"""Deadline reminders: 30, 14 and 7 days before an assister's deadline (settings), once
each (a message key per training year and offset), walked in id windows."""

from __future__ import annotations

from datetime import date, datetime

from workflow.core.settings import get_settings
from workflow.core.training_year import Calendar, CourseKind, label
from workflow.db import transaction
from workflow.db.raw import raw
from workflow.messaging.mailbox import write_messages_bulk
from workflow.sweep.deadlines import NEEDS_CERTIFICATION, Group, due, on_roster, reminder_groups
from workflow.sweep.lapses import TABLE
from workflow.sweep.report import RuleResult
from workflow.sweep.windows import windows
from workflow.training.records import exempt_organizations, year_status_many

COLUMNS = "a.id, a.name, a.email, a.language, a.onboarded_on, a.organization"


async def send_deadline_reminders(as_of: date, now: datetime, dry_run: bool) -> list[RuleResult]:
    settings = get_settings()
    calendar = settings.calendar
    results = []
    for days, group in reminder_groups(calendar, as_of)[1]:
        result = RuleResult(group.rule, group.reason)
        key = f"deadline-reminder:{group.ty}:{days}"
        roster, args = on_roster(NEEDS_CERTIFICATION, group)
        for window in await windows(TABLE, roster, args, settings.sweep_batch_size):
            where, args = due(NEEDS_CERTIFICATION, group, window, key)
            batch = await raw(f"SELECT {COLUMNS} FROM {TABLE} AS a WHERE {where} ORDER BY a.id",
                              *args)  # fmt: skip
            result.add(batch)
            if not dry_run and batch:
                contexts = await _reminder_contexts(batch, group, as_of, calendar)
                async with transaction():
                    await write_messages_bulk(
                        batch, "deadline_reminder", lambda a, c=contexts: c[a["id"]], now, key
                    )
        results.append(result)
    return results


async def _reminder_contexts(batch, group: Group, as_of: date, calendar: Calendar) -> dict:
    statuses = await year_status_many([r["id"] for r in batch], group.ty)
    exempt_orgs = await exempt_organizations({r["organization"] for r in batch})
    contexts = {}
    for row in batch:
        deadline = calendar.deadline(group.ty, row["onboarded_on"])
        status = statuses[row["id"]]
        exempt = row["organization"] in exempt_orgs
        contexts[row["id"]] = {
            "training_year": label(group.ty),
            "also_training_year": label(group.also) if group.also else None,
            "deadline": deadline,
            "days_left": (deadline - as_of).days,
            "course_needed": None
            if status["courses"]
            else (CourseKind.overview if exempt else CourseKind.full),
            "exam_needed": not status["exam_passed"],
        }
    return contexts
