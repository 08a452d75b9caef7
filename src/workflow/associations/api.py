"""Associations: a consumer asks for an assister by Reference Number and confirms the
authorization; everyone allowed reads it, its history, and fires its events."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import JSONBody, QueryParameter

from workflow.associations import service as svc
from workflow.associations.machine import AssociationState
from workflow.associations.schemas import AssociationOut, AssociationPage, NewAssociationBody
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Actor, Id, IdFilter, Limit, Offset
from workflow.web.schemas import HistoryEntry, convert

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
        """Every applied event, oldest first, with its actor and reason (staff's reasons
        are internal: others read the message staff left for the consumer instead)."""
        rows = await svc.association_history(association_id, actor)
        return convert(rows, list[HistoryEntry])
