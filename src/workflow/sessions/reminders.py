"""The day before a session: a reminder to each person holding a seat, once (a message
key per sign-up), in their language."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from workflow.db.raw import raw
from workflow.messaging.mailbox import write_message
from workflow.messaging.summaries import day_bounds
from workflow.sessions.binding import LOAD_SQL, recipient, session_context
from workflow.sweep.report import RuleResult

TOMORROWS_SEATS = """
SELECT g.id FROM training_signups g JOIN training_sessions s ON s.id = g.session
WHERE g.state = 'confirmed' AND s.starts_at >= {} AND s.starts_at < {}
  AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.assister = g.assister
                  AND m.dedupe_key = 'session-reminder:' || CAST(g.id AS VARCHAR(20)))
ORDER BY g.id
"""


async def send_session_reminders(as_of: date, now: datetime, dry_run: bool) -> list[RuleResult]:
    """Sessions starting tomorrow (in the program's time zone)."""
    start, end = day_bounds(as_of + timedelta(days=1))
    result = RuleResult("session_reminder", "rule: the training session is tomorrow")
    due = await raw(TOMORROWS_SEATS, start, end)
    result.add(due)
    if not dry_run:
        for signup in due:
            row = (await raw(LOAD_SQL, signup["id"]))[0]
            key = f"session-reminder:{row['id']}"
            await write_message(recipient(row), "session_reminder", session_context(row), now, key)
    return [result]
