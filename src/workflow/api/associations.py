"""Associations: a consumer asks for an assister by Reference Number and confirms the
authorization; everyone allowed reads it, its history, and fires its events."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from workflow.api.assisters import IfMatch, parse_if_match
from workflow.api.association_schemas import AssociationOut, AssociationPage, NewAssociationBody
from workflow.api.auth import allow
from workflow.api.params import DEFAULT_LIMIT, Actor, Id, IdFilter, Limit, Offset
from workflow.api.schemas import EventBody, EventResult, HistoryEntry, convert
from workflow.machines.association import ASSOCIATION, AssociationState
from workflow.services import associations as svc
from workflow.services.assisters import case_history
from workflow.services.association_case import ASSOCIATION_CASE
from workflow.services.events import apply_event, load_case

READERS = allow("consumer", "assister", "admin", "support")


class AssociationController(Controller):
    path = "/associations"
    tags = ["associations"]

    @post("/", opt=allow("consumer"))
    async def create(
        self, data: JSONBody[NewAssociationBody], actor: Actor
    ) -> Response[AssociationOut]:
        """A consumer enters their assister's Reference Number: 201 with a ``requested``
        association and the assister's public details (name, organisation, phone). 422 if
        no assister has that number or the assister is not active; asking again while
        the request is open returns it (200); 409 if they are already your assister."""
        row, created = await svc.request_association(actor, data.reference_number)
        return Response(convert(row, AssociationOut), status_code=201 if created else 200)

    @get("/", opt=allow("consumer", "admin", "support"))
    async def list_associations(
        self,
        actor: Actor,
        state_filter: Annotated[AssociationState | None, QueryParameter(name="state")] = None,
        consumer_id: IdFilter = None,
        assister_id: IdFilter = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> AssociationPage:
        """Newest first: a consumer's own associations; staff filter by consumer,
        assister and state."""
        items, total = await svc.list_associations(
            actor,
            consumer_id=consumer_id,
            assister_id=assister_id,
            state=state_filter,
            limit=limit,
            offset=offset,
        )
        return AssociationPage(convert(items, list[AssociationOut]), total, limit, offset)

    @get("/{association_id:int}", opt=READERS)
    async def read(self, association_id: Id, actor: Actor) -> AssociationOut:
        """One association: ``state``, ``version``, ``allowed_events``, the assister's
        public details (``can_act`` false and a ``notice`` if they lapsed or left)."""
        return convert(await svc.get_association(association_id, actor), AssociationOut)

    @get("/{association_id:int}/history", opt=READERS)
    async def history(self, association_id: Id, actor: Actor) -> list[HistoryEntry]:
        """Every applied event, oldest first, with its actor and reason."""
        await load_case(ASSOCIATION_CASE, association_id, actor)
        return convert(await case_history(ASSOCIATION.name, association_id), list[HistoryEntry])

    @post("/{association_id:int}/events/{event:str}", opt=READERS, status_code=200)
    async def fire(
        self,
        association_id: Id,
        event: FromPath[str],
        actor: Actor,
        data: JSONBody[EventBody | None] = None,
        if_match: IfMatch = None,
    ) -> EventResult:
        """``confirm`` (the consumer accepts the Authorization / Agent of Record terms; a
        previous assister is replaced in the same transaction), ``disassociate`` (the
        consumer; support or admin with a reason; an assister is told to ask support),
        ``acknowledge`` (the assister), ``transfer`` (admin, data ``to_assister_id``)."""
        body = data or EventBody()
        outcome = await apply_event(
            ASSOCIATION.name,
            association_id,
            event,
            actor=actor,
            reason=body.reason,
            data=body.data,
            expected_version=parse_if_match(if_match),
        )
        return EventResult(
            id=outcome.id,
            machine=outcome.machine,
            event=outcome.event,
            from_state=outcome.from_state,
            state=outcome.state,
            version=outcome.version,
            allowed_events=outcome.allowed_events,
        )
