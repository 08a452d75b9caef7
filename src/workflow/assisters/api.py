"""Assisters: onboard, list, read, fire lifecycle events, read history and mailbox."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import JSONBody, QueryParameter

from workflow.assisters import service as svc
from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.machine import ASSISTER, AssisterKind, AssisterState
from workflow.assisters.profiles import ProfileChanges, update_profile
from workflow.core.roles import Role
from workflow.engine.cases import load_case
from workflow.engine.history import case_history
from workflow.messaging.mailbox import mailbox
from workflow.validations.schemas import ProfileBody, ProfileOut
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Actor, Id, IdFilter, Limit, Offset, Text
from workflow.web.schemas import (
    AddressBody,
    AssisterOut,
    AssisterPage,
    HistoryEntry,
    MessagePage,
    NewAssisterBody,
    convert,
)

CASE_READERS = allow("admin", "support", "agency_admin", "assister")


def _address(body: AddressBody | None) -> svc.Address | None:
    if body is None:
        return None
    return svc.Address(street=body.street, city=body.city, state=body.state, zip=body.zip)


class AssisterController(Controller):
    path = "/assisters"
    tags = ["assisters"]

    @post("/", opt=allow("admin", "agency_admin"), status_code=201)
    async def create(self, data: JSONBody[NewAssisterBody], actor: Actor) -> AssisterOut:
        """Onboard an assister (admin; an agency admin: a navigator or CAC of their own
        organisation, else 403). Brokers may carry an NPN; navigators and CACs
        belong to an organisation. ``address`` is the business address (street, city,
        state, ZIP) and ``directory_display`` how much of it the public sees. The record
        starts ``onboarded`` with a Reference Number."""
        new = svc.NewAssister(
            kind=data.kind,
            name=data.name,
            email=data.email,
            phone=data.phone,
            npn=data.npn,
            organization_id=data.organization_id,
            ssn_provided=data.ssn_provided,
            language=data.language,
            address=_address(data.address),
            directory_display=data.directory_display,
        )
        return convert(await svc.create_assister(new, actor), AssisterOut)

    @get("/", opt=allow("admin", "support", "agency_admin"))
    async def list_assisters(
        self,
        actor: Actor,
        state_filter: Annotated[AssisterState | None, QueryParameter(name="state")] = None,
        kind: Annotated[AssisterKind | None, QueryParameter()] = None,
        organization_id: IdFilter = None,
        q: Text = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> AssisterPage:
        """Assisters newest first, filtered by ``state``, ``kind``, organisation and text
        ``q`` (name, email, Reference Number or NPN), with the total count."""
        items, total = await svc.list_assisters(
            actor,
            state=state_filter,
            kind=kind,
            q=q,
            organization_id=organization_id,
            limit=limit,
            offset=offset,
        )
        return AssisterPage(convert(items, list[AssisterOut]), total, limit, offset)

    @get("/{assister_id:int}", opt=CASE_READERS)
    async def read(self, assister_id: Id, actor: Actor) -> AssisterOut:
        """One assister with ``state``, ``version``, ``npn_status``, ``reference_number``
        and the events allowed now."""
        return convert(await svc.get_assister(assister_id, actor), AssisterOut)

    @patch("/{assister_id:int}", opt=allow("admin", "assister"))
    async def update(
        self, assister_id: Id, data: JSONBody[ProfileBody], actor: Actor
    ) -> ProfileOut:
        """Change ``name`` (admin only), ``phone``, the business ``address`` (all four
        parts), ``directory_display``, and for brokers ``npn`` and ``marketplace_role``
        (the assister themselves or an admin). Saving a broker's
        NPN, name or role validates the NPN against the producer registry; the answer
        is in ``validation`` (its ``message`` says what to do). An Agent Broker role
        (individual, shop, both) needs a valid NPN: otherwise the rest is saved and the
        answer is 422 with ``recorded: true`` and the validation's state; choose
        ``not_agent_broker`` to continue to training meanwhile."""
        changes = ProfileChanges(
            name=data.name,
            phone=data.phone,
            npn=data.npn,
            marketplace_role=data.marketplace_role,
            address=_address(data.address),
            directory_display=data.directory_display,
        )
        return convert(await update_profile(assister_id, changes, actor), ProfileOut)

    @get("/{assister_id:int}/history", opt=CASE_READERS)
    async def history(self, assister_id: Id, actor: Actor) -> list[HistoryEntry]:
        """Every applied event, oldest first."""
        await load_case(ASSISTER_CASE, assister_id, actor)
        return convert(await case_history(ASSISTER.name, assister_id), list[HistoryEntry])

    @get("/{assister_id:int}/messages", opt=allow("admin", "support", "assister"))
    async def messages(
        self,
        assister_id: Id,
        actor: Actor,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> MessagePage:
        """The assister's secure mailbox, newest first. Staff see Registration Numbers
        masked: only the assister reads their own."""
        await load_case(ASSISTER_CASE, assister_id, actor)
        own = actor.role == Role.assister  # load_case refuses an assister anyone else's
        items, total = await mailbox(assister_id, limit, offset, reader_is_recipient=own)
        return MessagePage(convert(items, list), total, limit, offset)
