"""Training exemption requests: an agency asks, an admin decides with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta, Struct

from workflow.api.assisters import IfMatch, parse_if_match
from workflow.api.auth import allow
from workflow.api.params import DEFAULT_LIMIT, Actor, Id, Limit, Offset
from workflow.api.schemas import EventBody, EventResult, HistoryEntry, convert
from workflow.machines.exemption import EXEMPTION
from workflow.services import exemptions as svc
from workflow.services.events import apply_event, load_case
from workflow.services.history import case_history
from workflow.tables import ExemptionState

READERS = allow("admin", "support", "agency_admin")


class ExemptionRequestBody(Struct, forbid_unknown_fields=True):
    justification: Annotated[str, Meta(min_length=10, max_length=4000)]


class ExemptionOut(Struct):
    id: int
    organization_id: int
    state: str
    version: int
    justification: str
    requested_by: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    allowed_events: list[str]


class ExemptionPage(Struct):
    items: list[ExemptionOut]
    total: int
    limit: int
    offset: int


class ExemptionController(Controller):
    tags = ["exemptions"]

    @post(
        "/organizations/{organization_id:int}/exemptions",
        opt=allow("admin", "agency_admin"),
        status_code=201,
    )
    async def request(
        self, organization_id: FromPath[int], data: JSONBody[ExemptionRequestBody], actor: Actor
    ) -> ExemptionOut:
        """Ask for the organisation's exemption from the full Marketplace training (its
        agency admin, or an admin). One open or granted request at a time (409)."""
        row = await svc.request_exemption(organization_id, data.justification, actor)
        return convert(row, ExemptionOut)

    @get("/exemptions", opt=READERS)
    async def list_exemptions(
        self,
        actor: Actor,
        state_filter: Annotated[ExemptionState | None, QueryParameter(name="state")] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> ExemptionPage:
        """Requests newest first (an agency admin sees their organisation's only)."""
        items, total = await svc.list_exemptions(actor, state_filter, limit, offset)
        return ExemptionPage(convert(items, list[ExemptionOut]), total, limit, offset)

    @get("/exemptions/{exemption_id:int}", opt=READERS)
    async def read(self, exemption_id: Id, actor: Actor) -> ExemptionOut:
        return convert(await svc.get_exemption(exemption_id, actor), ExemptionOut)

    @post("/exemptions/{exemption_id:int}/events/{event:str}", opt=READERS, status_code=200)
    async def fire(
        self,
        exemption_id: Id,
        event: FromPath[str],
        actor: Actor,
        data: JSONBody[EventBody | None] = None,
        if_match: IfMatch = None,
    ) -> EventResult:
        """``approve``, ``deny`` or ``revoke`` (admin, with a reason)."""
        body = data or EventBody()
        outcome = await apply_event(
            EXEMPTION.name,
            exemption_id,
            event,
            actor=actor,
            reason=body.reason,
            data=body.data,
            expected_version=parse_if_match(if_match),
        )
        return EventResult(
            outcome.id,
            outcome.machine,
            outcome.event,
            outcome.from_state,
            outcome.state,
            outcome.version,
            outcome.allowed_events,
        )

    @get("/exemptions/{exemption_id:int}/history", opt=READERS)
    async def history(self, exemption_id: Id, actor: Actor) -> list[HistoryEntry]:
        await load_case(svc.EXEMPTION_CASE, exemption_id, actor)
        return convert(await case_history(EXEMPTION.name, exemption_id), list[HistoryEntry])
