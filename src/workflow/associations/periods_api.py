"""The assister of record by date: a consumer's (staff, the consumer), an assister's book
of business (staff, the assister), and the CSV report of periods (staff) for commission
and complaint work."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

from litestar import Response, get
from litestar.params import FromPath, QueryParameter

from workflow.associations import periods_read as read
from workflow.associations.clients import csv_cell
from workflow.core.errors import NotFound
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.core.settings import get_settings
from workflow.db.raw import raw
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Actor, IdFilter, Limit, Offset

On = Annotated[date | None, QueryParameter(description="the day, YYYY-MM-DD (default: today)")]
From = Annotated[
    date | None,
    QueryParameter(
        name="from", description="first day, YYYY-MM-DD (default: the 1st of this month)"
    ),
]
To = Annotated[
    date | None, QueryParameter(name="to", description="last day, YYYY-MM-DD (default: today)")
]


def _today() -> date:
    return get_settings().today()


async def _exists(table: str, row_id: int) -> None:
    if not await raw(f"SELECT 1 AS one FROM {table} WHERE id = {{}}", row_id):
        raise NotFound(f"{table[:-1]} {row_id} not found")


def _own(actor: Principal, role: Role, own_id: int | None, row_id: int, what: str) -> None:
    """Staff read anyone's; the consumer or assister only their own (others: not found)."""
    if actor.is_staff:
        return
    if actor.role != role or own_id != row_id:
        raise NotFound(f"{what} {row_id} not found")


@get("/consumers/{consumer_id:int}/assister-of-record", opt=allow("consumer", "admin", "support"),
     tags=["assister of record"])  # fmt: skip
async def assister_of_record(
    consumer_id: FromPath[int], actor: Actor, on: On = None
) -> dict[str, Any]:
    """Who the consumer's assister of record was on the day ``on``: every period that
    overlaps the day (requested and confirmed, with times and how each ended) and the
    confirmed one in force when the day ended (``assister_of_record``, or null)."""
    _own(actor, Role.consumer, actor.consumer_id, consumer_id, "consumer")
    await _exists("consumers", consumer_id)
    return await read.consumer_periods(consumer_id, on or _today())


@get("/assisters/{assister_id:int}/book", opt=allow("assister", "admin", "support"),
     tags=["assister of record"])  # fmt: skip
async def book_of_business(
    assister_id: FromPath[int],
    actor: Actor,
    on: On = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The assister's book of business on the day ``on``: the periods (confirmed clients
    and pending requests) that overlap the day, oldest first, paged."""
    _own(actor, Role.assister, actor.assister_id, assister_id, "assister")
    await _exists("assisters", assister_id)
    return await read.assister_book(assister_id, on or _today(), limit, offset)


@get("/reports/assister-of-record.csv", opt=allow("admin", "support"), media_type="text/csv",
     tags=["assister of record"])  # fmt: skip
async def assister_of_record_report(
    first: From = None, last: To = None, organization_id: IdFilter = None
) -> Response[str]:
    """Every period overlapping the days ``from`` to ``to`` (one organisation's with
    ``organization_id``, which is the assister's organisation when the period began), as
    CSV: who, with whom, stage, start, end and how it ended."""
    if organization_id is not None:
        await _exists("organizations", organization_id)
    last = last or _today()
    first = first or last.replace(day=1)
    rows = await read.report_periods(organization_id, first, last)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(read.REPORT_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row[c]) for c in read.REPORT_COLUMNS])
    name = f"assister-of-record-{first}-{last}.csv"
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


ROUTES = [assister_of_record, book_of_business, assister_of_record_report]
