"""The assister's daily summary: one message per assister for a day's changes in their
book of business (requests, confirmations, ends, transfers), never one per change."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from workflow.core.settings import get_settings
from workflow.db import transaction
from workflow.messaging.mailbox import write_messages_bulk
from workflow.tables import Assister, History, Message

SECTIONS = ("requested", "confirmed", "ended", "transferred_in", "transferred_out")

DAY_CHANGES = """
SELECT h.entity_id, h.event, h.data, a.assister, c.name AS consumer_name
FROM history h
JOIN associations a ON a.id = h.entity_id
JOIN consumers c ON c.id = a.consumer
WHERE h.machine = 'association' AND h.at >= {} AND h.at < {}
  AND h.event IN ('create', 'confirm', 'disassociate', 'transfer')
ORDER BY h.id
"""

# Transfers after the day, to know who held each association when the day ended.
LATER_TRANSFERS = """
SELECT entity_id, data FROM history
WHERE machine = 'association' AND event = 'transfer' AND at >= {}
ORDER BY id
"""

KIND = {"create": "requested", "confirm": "confirmed", "disassociate": "ended"}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(get_settings().program_timezone)
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    return start, start + timedelta(days=1)


async def changes_by_assister(day: date) -> dict[int, dict[str, list[str]]]:
    """For each assister touched on ``day``: consumer names per kind of change, each
    change counted for the assister who held the association at that moment."""
    start, end = day_bounds(day)
    by_case: dict[int, list[dict]] = defaultdict(list)
    for row in await History.raw(DAY_CHANGES, start, end):
        row["data"] = _json(row["data"])
        by_case[row["entity_id"]].append(row)
    holder_at_end: dict[int, int] = {}
    for row in await History.raw(LATER_TRANSFERS, end):
        data = _json(row["data"])
        if row["entity_id"] in by_case and data.get("from_assister_id"):
            holder_at_end.setdefault(row["entity_id"], data["from_assister_id"])
    changes: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for case_id, rows in by_case.items():
        holder = holder_at_end.get(case_id, rows[-1]["assister"])
        for row in reversed(rows):  # walk back through the day's transfers
            name = row["consumer_name"]
            if row["event"] == "transfer":
                changes[row["data"]["to_assister_id"]]["transferred_in"].append(name)
                holder = row["data"].get("from_assister_id") or holder
                changes[holder]["transferred_out"].append(name)
            else:
                changes[holder][KIND[row["event"]]].append(name)
    return changes


def _json(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value or "{}")


async def send_daily_summaries(day: date, now: datetime, dry_run: bool) -> list[dict[str, Any]]:
    """One ``daily_summary`` message per assister with changes on ``day`` (at most once
    per assister and day, however often it runs). Returns the assisters concerned."""
    changes = await changes_by_assister(day)
    if not changes:
        return []
    key = f"daily-summary:{day.isoformat()}"
    already = await Message.select(Message.assister).where(
        (Message.dedupe_key == key) & Message.assister.is_in(sorted(changes))
    )
    due = sorted(set(changes) - {r["assister"] for r in already})
    if not due:
        return []
    assisters = await Assister.select(
        Assister.id, Assister.name, Assister.email, Assister.language
    ).where(Assister.id.is_in(due))
    if dry_run:
        return assisters

    def context(assister: dict) -> dict[str, Any]:
        mine = changes[assister["id"]]
        sections = [(s, sorted(mine[s])) for s in SECTIONS if mine.get(s)]
        return {"day": day, "sections": sections, "total": sum(len(n) for _, n in sections)}

    async with transaction():
        await write_messages_bulk(assisters, "daily_summary", context, now, dedupe_key=key)
    return assisters
