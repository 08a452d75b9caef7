"""An assister's clients ("Client Requests"): the list, its CSV export, a client's
details behind the Acknowledgement of Authorization, and the admin's Book of Business
transfer."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from workflow.associations import clients as svc
from workflow.associations.schemas import (
    AcknowledgementOut,
    ClientAssisterOut,
    ClientDetailsOut,
    ClientOut,
    ClientPage,
    ClientSort,
    ClientStateFilter,
    SortOrder,
    TransferBody,
    TransferOut,
)
from workflow.associations.transfer import transfer_book
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Actor, Limit, Offset
from workflow.web.schemas import convert

READERS = allow("assister", "admin", "support")
AssisterId = FromPath[int]
ConsumerId = FromPath[int]
StateFilter = Annotated[
    ClientStateFilter,
    QueryParameter(name="state", description="open = requested and confirmed (the default)"),
]
Sort = Annotated[ClientSort, QueryParameter(description="name, date_requested or status")]
Order = Annotated[SortOrder, QueryParameter(description="asc or desc")]


class ClientController(Controller):
    path = "/assisters/{assister_id:int}/clients"
    tags = ["clients"]

    @get("/", opt=READERS)
    async def list_clients(
        self,
        assister_id: AssisterId,
        actor: Actor,
        state_filter: StateFilter = ClientStateFilter.open,
        sort: Sort = ClientSort.date_requested,
        order: Order = SortOrder.desc,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> ClientPage:
        """The assister's clients: name, date requested, status (New until the assister
        first opens them, then In Progress), application status. Sort by ``name``,
        ``date_requested`` or ``status`` (by its label), ``asc`` or ``desc``; filter by
        association ``state``; paged with ``total``. The assister's own ``can_act`` is
        false (with a notice) when they lapsed or were deactivated."""
        assister, items, total = await svc.list_clients(
            assister_id,
            actor,
            state=state_filter,
            sort=sort,
            order=order,
            limit=limit,
            offset=offset,
        )
        return ClientPage(
            assister=convert(assister, ClientAssisterOut),
            items=convert(items, list[ClientOut]),
            total=total,
            limit=limit,
            offset=offset,
            state=state_filter,
            sort=sort,
            order=order,
        )

    @get("/export", opt=READERS, media_type="text/csv")
    async def export(
        self,
        assister_id: AssisterId,
        actor: Actor,
        state_filter: StateFilter = ClientStateFilter.open,
        sort: Sort = ClientSort.name,
        order: Order = SortOrder.asc,
    ) -> Response[str]:
        """The Book of Business as CSV: the whole list with the same filter and sort."""
        text = await svc.export_clients(
            assister_id, actor, state=state_filter, sort=sort, order=order
        )
        filename = f"clients-assister-{assister_id}-{state_filter}.csv"
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @get("/{consumer_id:int}", opt=READERS)
    async def details(
        self, assister_id: AssisterId, consumer_id: ConsumerId, actor: Actor
    ) -> ClientDetailsOut:
        """A client's private details. The assister must first confirm the
        Acknowledgement of Authorization (403 says how); their first look turns the
        client In Progress. 404 for a consumer not associated with this assister."""
        return convert(await svc.client_details(assister_id, consumer_id, actor), ClientDetailsOut)

    @post("/{consumer_id:int}/acknowledge", opt=allow("assister"), status_code=200)
    async def acknowledge(
        self, assister_id: AssisterId, consumer_id: ConsumerId, actor: Actor
    ) -> AcknowledgementOut:
        """The assister confirms the Acknowledgement of Assister Authorization / Agent of
        Record; recorded with its time (an ``acknowledge`` event in the history)."""
        return convert(await svc.acknowledge(assister_id, consumer_id, actor), AcknowledgementOut)

    @post("/transfer", opt=allow("admin"), status_code=200, media_type=MediaType.JSON)
    async def transfer(
        self, assister_id: AssisterId, actor: Actor, data: JSONBody[TransferBody]
    ) -> TransferOut:
        """Move all (or the selected ``association_ids``) confirmed associations of this
        assister to another active assister, in one all-or-nothing operation; each
        association gets a ``transfer`` history row with the reason."""
        result = await transfer_book(
            assister_id,
            data.to_assister_id,
            actor,
            reason=data.reason,
            association_ids=data.association_ids,
        )
        return convert(result, TransferOut)
