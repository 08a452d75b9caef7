"""An assister's client list ("Client Requests"), a client's details behind the
Acknowledgement of Authorization, and the Book of Business export.

The list's SQL is one of a fixed set of statements built from whitelisted parts: the
state filter is written literally (``state <> 'disassociated'``) so that SQLite and
PostgreSQL both match it to the partial indexes of the migration, with or without
prepared-statement parameters.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from functools import cache
from typing import Any

from workflow.associations.binding import ASSOCIATION_CASE
from workflow.associations.machine import AssociationState, assister_can_act
from workflow.consumers.service import get_consumer
from workflow.core.errors import Forbidden, NotFound
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.tables import Assister, Association, ClientStatus

OPEN = "open"
STATE_FILTERS = (OPEN, *(s.value for s in AssociationState))
SORTS = {
    "name": ("a.sort_name",),
    "date_requested": ("a.requested_at",),
    "status": ("a.client_status", "a.requested_at"),
}
STATUS_LABELS = {ClientStatus.new: "New", ClientStatus.in_progress: "In Progress"}

CLIENT_ASSOCIATION = """
SELECT a.id, a.state, a.version, a.requested_at, a.confirmed_at, a.acknowledged_at,
       a.opened_at, a.client_status, s.state AS assister_state, s.name AS assister_name
FROM associations a JOIN assisters s ON s.id = a.assister
WHERE a.assister = {} AND a.consumer = {} AND a.state <> 'disassociated'
"""
MARK_OPENED = """
UPDATE associations SET opened_at = {}, client_status = 'in_progress'
WHERE id = {} AND opened_at IS NULL
"""


@cache
def _list_sql(state: str, sort: str, order: str, paged: bool) -> tuple[str, str]:
    if state not in STATE_FILTERS or sort not in SORTS or order not in ("asc", "desc"):
        raise ValueError("unknown filter or sort")  # the API validates before this
    where = "a.assister = {} AND " + (
        "a.state <> 'disassociated'" if state == OPEN else f"a.state = '{state}'"
    )
    direction = order.upper()
    ordering = ", ".join(f"{column} {direction}" for column in (*SORTS[sort], "a.id"))
    select = f"""
SELECT a.id AS association_id, a.consumer AS consumer_id, c.name, a.requested_at,
       a.client_status, a.state, a.confirmed_at, a.acknowledged_at, c.application_status
FROM associations a JOIN consumers c ON c.id = a.consumer
WHERE {where} ORDER BY {ordering}"""
    if paged:
        select += " LIMIT {} OFFSET {}"
    return select, f"SELECT count(*) AS n FROM associations a WHERE {where}"


async def _assister_for(assister_id: int, actor: Principal) -> dict[str, Any]:
    """The assister whose clients are asked for; 404 unless it is the caller or staff."""
    mine = actor.role == Role.assister and actor.assister_id == assister_id
    if not (mine or actor.is_staff):
        raise NotFound(f"assister {assister_id} not found")
    row = (
        await Assister.select(Assister.id, Assister.name, Assister.state)
        .where(Assister.id == assister_id)
        .first()
    )
    if row is None:
        raise NotFound(f"assister {assister_id} not found")
    can_act = assister_can_act(row["state"])
    row["can_act"] = can_act
    row["notice"] = None if can_act else _cannot_act(row["state"])
    return row


def _cannot_act(state: str) -> str:
    return (
        f"this assister is {state}, not active: their clients stay associated, but they "
        "cannot act for them (open details, work on applications) until active again"
    )


def _client(row: dict[str, Any]) -> dict[str, Any]:
    row["status"] = STATUS_LABELS[row.pop("client_status")]
    return row


async def list_clients(
    assister_id: int,
    actor: Principal,
    *,
    state: str = OPEN,
    sort: str = "date_requested",
    order: str = "desc",
    limit: int,
    offset: int,
) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
    """The assister, a page of their clients and the total."""
    assister = await _assister_for(assister_id, actor)
    select, count = _list_sql(state, sort, order, True)
    rows = await Association.raw(select, assister_id, limit, offset)
    total = (await Association.raw(count, assister_id))[0]["n"]
    return assister, [_client(r) for r in rows], total


CSV_COLUMNS = [
    "association_id",
    "consumer_id",
    "name",
    "requested_at",
    "status",
    "application_status",
    "state",
    "confirmed_at",
    "acknowledged_at",
]


async def export_clients(
    assister_id: int, actor: Principal, *, state: str, sort: str, order: str
) -> str:
    """The whole list as CSV (the Book of Business), in the list's order."""
    await _assister_for(assister_id, actor)
    select, _ = _list_sql(state, sort, order, False)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in await Association.raw(select, assister_id):
        row = _client(row)
        writer.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def csv_cell(value: Any) -> str:
    """A CSV cell: ISO times, and text that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    # A name like "=HYPERLINK(...)" must not run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def client_association(assister_id: int, consumer_id: int) -> dict[str, Any] | None:
    """The open (requested or confirmed) association between them, if any."""
    rows = await Association.raw(CLIENT_ASSOCIATION, assister_id, consumer_id)
    return rows[0] if rows else None


async def require_may_act(assister_id: int, consumer_id: int) -> dict[str, Any]:
    """The confirmed association, if this assister may act for this consumer now."""
    row = await client_association(assister_id, consumer_id)
    if row is None:
        raise NotFound(f"consumer {consumer_id} is not among your clients")
    if row["state"] != AssociationState.confirmed:
        raise Forbidden(
            "this consumer has asked for you but has not yet confirmed the Authorization / "
            "Agent of Record: you can see their details once they confirm it"
        )
    if not assister_can_act(row["assister_state"]):
        raise Forbidden(_cannot_act(row["assister_state"]))
    if row["acknowledged_at"] is None:
        raise Forbidden(
            "read and confirm the Acknowledgement of Assister Authorization / Agent of Record "
            f"first: POST /assisters/{assister_id}/clients/{consumer_id}/acknowledge; then "
            "open the consumer's details again"
        )
    return row


async def client_details(
    assister_id: int, consumer_id: int, actor: Principal, now: datetime | None = None
) -> dict[str, Any]:
    """A consumer's private details. The assister must have acknowledged the
    authorization; their first look turns the client from New to In Progress."""
    await _assister_for(assister_id, actor)
    if actor.role == Role.assister:
        row = await require_may_act(assister_id, consumer_id)
        if row["opened_at"] is None:
            now = now or datetime.now(UTC)
            await Association.raw(MARK_OPENED, now, row["id"])
            row = await client_association(assister_id, consumer_id)
    else:
        row = await client_association(assister_id, consumer_id)
        if row is None:
            raise NotFound(f"consumer {consumer_id} is not among assister {assister_id}'s clients")
    consumer = await get_consumer(consumer_id)
    return {
        **consumer,
        "association": {
            "id": row["id"],
            "state": row["state"],
            "version": row["version"],
            "requested_at": row["requested_at"],
            "confirmed_at": row["confirmed_at"],
            "acknowledged_at": row["acknowledged_at"],
            "opened_at": row["opened_at"],
            "status": STATUS_LABELS[row["client_status"]],
        },
    }


async def acknowledge(
    assister_id: int, consumer_id: int, actor: Principal, now: datetime | None = None
) -> dict[str, Any]:
    """Record the assister's Acknowledgement of Authorization (an ``acknowledge`` event on
    the association, so it is in its history). Acknowledging again changes nothing."""
    pass

    if actor.role != Role.assister:
        raise Forbidden("only the assister themselves can confirm the acknowledgement")
    if actor.assister_id != assister_id:  # someone else's list: as if it did not exist
        raise NotFound(f"assister {assister_id} not found")
    row = await client_association(assister_id, consumer_id)
    if row is None:
        raise NotFound(f"consumer {consumer_id} is not among your clients")
    if row["acknowledged_at"] is None:
        await fire(FireEvent(ASSOCIATION_CASE, row["id"], "acknowledge", actor=actor, now=now))
        row = await client_association(assister_id, consumer_id)
    return {
        "association_id": row["id"],
        "acknowledged_at": row["acknowledged_at"],
        "version": row["version"],
    }
