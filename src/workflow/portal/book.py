"""The book of business as the portal lists it: an assister's (or an organisation's)
open client requests and clients, filtered by New / In Progress, searched by name,
sorted by name, date or status. One fixed statement per choice, from whitelisted parts;
the filter repeats the partial indexes' predicate (``state <> 'disassociated'``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from workflow.associations.clients import STATUS_LABELS
from workflow.tables import Association

SORTS = {"name": "a.sort_name", "date": "a.requested_at", "status": "a.client_status"}
STATUSES = ("new", "in_progress")
PAGE_SIZE = 50


@cache
def _sql(owner: str, status: str, search: bool, sort: str, order: str) -> str:
    if (
        owner not in ("assister", "organization")
        or sort not in SORTS
        or order not in ("asc", "desc")
        or status not in ("", *STATUSES)
    ):
        raise ValueError("unknown filter or sort")  # the pages pass only known values
    where = ["a.state <> 'disassociated'"]
    where.append("a.assister = {}" if owner == "assister" else "s.organization = {}")
    if status:
        where.append(f"a.client_status = '{status}'")
    if search:
        where.append("a.sort_name LIKE {}")
    return f"""
SELECT a.id AS association_id, a.consumer AS consumer_id, c.name, a.requested_at,
       a.client_status, a.state, a.acknowledged_at, c.application_status,
       s.id AS assister_id, s.name AS assister_name
FROM associations a JOIN consumers c ON c.id = a.consumer JOIN assisters s ON s.id = a.assister
WHERE {" AND ".join(where)}
ORDER BY {SORTS[sort]} {order.upper()}, a.id {order.upper()} LIMIT {{}} OFFSET {{}}"""


def clean(status: str, sort: str, order: str) -> tuple[str, str, str]:
    """Unknown choices from the query string fall back to the defaults."""
    return (
        status if status in STATUSES else "",
        sort if sort in SORTS else "date",
        order if order in ("asc", "desc") else "desc",
    )


async def book(
    owner: str, owner_id: int, *, status: str, q: str, sort: str, order: str, offset: int
) -> list[dict[str, Any]]:
    status, sort, order = clean(status, sort, order)
    name = q.strip().lower()[:100].replace("%", "").replace("_", "")
    args: list[Any] = [owner_id, *([f"%{name}%"] if name else []), PAGE_SIZE + 1, offset]
    rows = await Association.raw(_sql(owner, status, bool(name), sort, order), *args)
    for row in rows:
        row["status"] = STATUS_LABELS[row["client_status"]]
    return rows
