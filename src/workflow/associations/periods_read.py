"""Reading the assister of record by date: a consumer's periods on a day, an assister's
book of business on a day, and the periods of an organisation over a range of days.

A period is "on" a day when it overlaps it (the day as the program's time zone counts
it): a transfer or a change of assister during the day shows both periods, each with its
times; ``in_force_at_end_of_day`` marks the one that held when the day ended.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from workflow.core.errors import BadInput
from workflow.db.raw import raw
from workflow.messaging.summaries import day_bounds

COLUMNS = """p.id, p.association AS association_id, p.consumer AS consumer_id,
       p.assister AS assister_id, p.organization AS organization_id, p.stage, p.started_at,
       p.ended_at, p.ended_how"""
OVERLAPS = "p.started_at < {} AND (p.ended_at IS NULL OR p.ended_at > {})"

OF_CONSUMER = f"""
SELECT {COLUMNS}, s.name AS assister_name, s.kind AS assister_kind
FROM association_periods p JOIN assisters s ON s.id = p.assister
WHERE p.consumer = {{}} AND {OVERLAPS}
ORDER BY p.started_at, p.id
"""
OF_ASSISTER = f"""
SELECT {COLUMNS}, c.name AS consumer_name
FROM association_periods p JOIN consumers c ON c.id = p.consumer
WHERE p.assister = {{}} AND {OVERLAPS}
ORDER BY p.started_at, p.id
LIMIT {{}} OFFSET {{}}
"""
REPORT = f"""
SELECT {COLUMNS}, s.name AS assister_name, c.name AS consumer_name
FROM association_periods p JOIN assisters s ON s.id = p.assister
     JOIN consumers c ON c.id = p.consumer
WHERE {{where}} AND {OVERLAPS}
ORDER BY p.started_at, p.id
"""
REPORT_COLUMNS = ("id", "association_id", "consumer_id", "consumer_name", "assister_id",
                  "assister_name", "organization_id", "stage", "started_at", "ended_at",
                  "ended_how")  # fmt: skip
MAX_REPORT_DAYS = 3660


def _marked(rows: list[dict[str, Any]], end: datetime) -> list[dict[str, Any]]:
    for row in rows:
        ended = row["ended_at"]
        row["in_force_at_end_of_day"] = ended is None or _aware(ended) >= end
    return rows


def _aware(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def consumer_periods(consumer_id: int, day: date) -> dict[str, Any]:
    """The consumer's periods overlapping ``day`` and their assister of record at its end."""
    start, end = day_bounds(day)
    periods = _marked(await raw(OF_CONSUMER, consumer_id, end, start), end)
    held = [p for p in periods if p["stage"] == "confirmed" and p["in_force_at_end_of_day"]]
    return {
        "consumer_id": consumer_id,
        "on": day.isoformat(),
        "assister_of_record": held[-1] if held else None,
        "periods": periods,
    }


async def assister_book(assister_id: int, day: date, limit: int, offset: int) -> dict[str, Any]:
    """The assister's periods (confirmed clients and pending requests) overlapping ``day``."""
    start, end = day_bounds(day)
    periods = _marked(await raw(OF_ASSISTER, assister_id, end, start, limit, offset), end)
    return {"assister_id": assister_id, "on": day.isoformat(), "periods": periods,
            "limit": limit, "offset": offset}  # fmt: skip


async def report_periods(organization_id: int | None, first: date, last: date) -> list[dict]:
    """Every period overlapping the days ``first`` to ``last`` (one organisation's, or all)."""
    if last < first:
        raise BadInput("to: the last day comes before the first; swap them", "to")
    if (last - first).days > MAX_REPORT_DAYS:
        raise BadInput(f"from/to: at most {MAX_REPORT_DAYS} days per report", "from")
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    if organization_id is None:
        return await raw(REPORT.replace("{where}", "1 = 1"), end, start)
    return await raw(REPORT.replace("{where}", "p.organization = {}"), organization_id, end, start)
