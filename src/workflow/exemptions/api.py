"""Training exemption requests: an agency asks, an admin decides with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta, Struct

from workflow.engine.cases import load_case
from workflow.engine.history import case_history
from workflow.exemptions import service as svc
from workflow.exemptions.machine import EXEMPTION
from workflow.tables import ExemptionState
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Actor, Id, Limit, Offset
from workflow.web.schemas import BlockedEvent, HistoryEntry, convert

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
    blocked_events: list[BlockedEvent] | None = None  # on a single exemption's read


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

    @get("/exemptions/{exemption_id:int}/history", opt=READERS)
    async def history(self, exemption_id: Id, actor: Actor) -> list[HistoryEntry]:
        await load_case(svc.EXEMPTION_CASE, exemption_id, actor)
        return convert(await case_history(EXEMPTION.name, exemption_id), list[HistoryEntry])
