"""The assister's client requests and book of business: New / In Progress, sorted and
searched; a client's private details behind the Acknowledgement of Authorization
(recorded); the application lock; the CSV export. The same services as the API."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from msgspec import Struct

from workflow.associations import clients as svc
from workflow.associations.application_lock import lock_status, release_lock, take_lock
from workflow.consumers.service import get_consumer
from workflow.core.errors import Forbidden, MachineError
from workflow.core.i18n import N_
from workflow.portal.book import PAGE_SIZE, book, clean
from workflow.portal.rendering import PAGE_EXCEPTION_HANDLERS, done, page
from workflow.web.auth import portal_page
from workflow.web.params import Actor
from workflow.web.rendering import status_of

ASSISTER = portal_page("assister")
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


class TokenOnly(Struct):
    csrf_token: str = ""


class ClientPages(Controller):
    path = "/assister/clients"
    tags = ["portal"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", opt=ASSISTER)
    async def clients(
        self,
        request: Request,
        actor: Actor,
        status: FromQuery[str] = "",
        q: FromQuery[str] = "",
        sort: FromQuery[str] = "date",
        order: FromQuery[str] = "desc",
        offset: FromQuery[int] = 0,
    ) -> Template:
        """Client requests (New) and clients (In Progress), newest first by default."""
        status, sort, order = clean(status, sort, order)
        start = max(0, min(offset, 10_000_000))
        rows = await book(
            "assister", actor.assister_id, status=status, q=q, sort=sort, order=order, offset=start
        )
        return page(
            request,
            "clients",
            rows=rows[:PAGE_SIZE],
            more=len(rows) > PAGE_SIZE,
            status=status,
            q=q[:100],
            sort=sort,
            order=order,
            offset=start,
            size=PAGE_SIZE,
            owner="assister",
        )

    @get("/export", opt=ASSISTER, media_type="text/csv")
    async def export(self, actor: Actor) -> Response[str]:
        """The whole book of business as CSV (open requests and clients, by name)."""
        text = await svc.export_clients(
            actor.assister_id, actor, state="open", sort="name", order="asc"
        )
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="book-of-business.csv"'},
        )

    @get("/{consumer_id:int}", opt=ASSISTER)
    async def client(self, request: Request, actor: Actor, consumer_id: FromPath[int]) -> Template:
        """The acknowledgement first; then the consumer's private details and the lock."""
        return await _client_page(request, actor, consumer_id)

    @post("/{consumer_id:int}/acknowledge", opt=ASSISTER)
    async def acknowledge(
        self, actor: Actor, consumer_id: FromPath[int], data: Annotated[TokenOnly, FORM]
    ) -> Redirect:
        await svc.acknowledge(actor.assister_id, consumer_id, actor)
        return done(f"/assister/clients/{consumer_id}", "acknowledged")

    @post("/{consumer_id:int}/lock", opt=ASSISTER)
    async def lock(
        self,
        request: Request,
        actor: Actor,
        consumer_id: FromPath[int],
        data: Annotated[TokenOnly, FORM],
    ) -> Template | Redirect:
        """Start working on the application (only one person at a time)."""
        try:
            await take_lock(consumer_id, actor)
        except MachineError as exc:
            return await _client_page(request, actor, consumer_id, status_of(exc), exc.detail)
        return Redirect(f"/assister/clients/{consumer_id}", status_code=303)

    @post("/{consumer_id:int}/release", opt=ASSISTER)
    async def release(
        self, actor: Actor, consumer_id: FromPath[int], data: Annotated[TokenOnly, FORM]
    ) -> Redirect:
        await release_lock(consumer_id, actor)
        return Redirect(f"/assister/clients/{consumer_id}", status_code=303)


async def _client_page(
    request: Request, actor, consumer_id: int, status: int = 200, error: str = ""
) -> Template:
    association = await svc.client_association(actor.assister_id, consumer_id)
    if association is None:
        raise Forbidden(N_("This consumer is not among your clients."))
    details, lock, why = None, None, ""
    try:
        details = await svc.client_details(actor.assister_id, consumer_id, actor)
        lock = await lock_status(consumer_id, actor)
    except Forbidden as exc:
        why = exc.detail
    name = (await get_consumer(consumer_id))["name"]  # shown before the acknowledgement too
    return page(
        request,
        "client",
        status,
        name=name,
        association=association,
        details=details,
        lock=lock,
        why=why,
        consumer_id=consumer_id,
        error=error,
    )
