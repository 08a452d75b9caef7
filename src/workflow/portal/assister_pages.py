"""The assister's own pages: the registration tracker (home), signing the agreements and
activating again after a new registration, the mailbox and the printable certificate.
Every change goes through the engine, as the API's events do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template
from msgspec import Struct

from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.registration_list import registration_year
from workflow.assisters.service import get_assister
from workflow.core.errors import MachineError
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.messaging.mailbox import mailbox
from workflow.portal.rendering import PAGE_EXCEPTION_HANDLERS, done, page
from workflow.portal.tracker import tracker
from workflow.training.records import certified_years
from workflow.web.auth import portal_page
from workflow.web.params import Actor
from workflow.web.rendering import status_of

ASSISTER = portal_page("assister")
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
MAILBOX_PAGE = 20


class AgreementsForm(Struct):
    individual: str = ""
    shop: str = ""
    csrf_token: str = ""


class ActivateForm(Struct):
    registration_number: str = ""
    email: str = ""
    csrf_token: str = ""


class AssisterPages(Controller):
    path = "/assister"
    tags = ["portal"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", opt=ASSISTER)
    async def home(self, request: Request, actor: Actor) -> Template:
        """The registration tracker: every step, its state and date; the next step."""
        return page(request, "home", **await tracker(actor))

    @get("/agreements", opt=ASSISTER)
    async def agreements_page(self, request: Request, actor: Actor) -> Template:
        """Sign the agreements (register), or activate with a new Registration Number."""
        return await _agreements(request, actor)

    @post("/agreements", opt=ASSISTER)
    async def sign(
        self, request: Request, actor: Actor, data: Annotated[AgreementsForm, FORM]
    ) -> Template | Redirect:
        chosen = [name for name in ("individual", "shop") if getattr(data, name) == "yes"]
        command = FireEvent(
            ASSISTER_CASE, actor.assister_id, "register", actor=actor, data={"agreements": chosen}
        )
        return await _fire(request, actor, command)

    @post("/activate-again", opt=ASSISTER)
    async def activate_again(
        self, request: Request, actor: Actor, data: Annotated[ActivateForm, FORM]
    ) -> Template | Redirect:
        """A returning assister's new activation: the number from the newest e-mail."""
        command = FireEvent(
            ASSISTER_CASE,
            actor.assister_id,
            "activate",
            actor=actor,
            data={"registration_number": data.registration_number, "email": data.email},
        )
        return await _fire(request, actor, command)

    @get("/mailbox", opt=ASSISTER)
    async def mailbox_page(
        self, request: Request, actor: Actor, offset: FromQuery[int] = 0
    ) -> Template:
        """The secure mailbox, newest first."""
        start = max(0, min(offset, 10_000_000))
        items, total = await mailbox(
            actor.assister_id, MAILBOX_PAGE, start, reader_is_recipient=True
        )
        return page(request, "mailbox", items=items, total=total, offset=start, size=MAILBOX_PAGE)

    @get("/certificate", opt=ASSISTER)
    async def certificate(self, request: Request, actor: Actor) -> Template:
        """The certificate of the training year the Registration Completion List shows
        (the year of the registration); print it from the browser."""
        assister = await get_assister(actor.assister_id, actor)
        year = registration_year(assister["registered_at"]) if assister["registered_at"] else None
        status = (await certified_years(actor.assister_id, [year]))[year] if year else None
        certified = bool(
            status
            and status["courses"]
            and status["exam_passed"]
            and assister["state"] in ("registered", "active")
        )
        return page(
            request,
            "certificate",
            assister=assister,
            year=year,
            certified=certified,
            courses=sorted(status["courses"]) if status else [],
            today=datetime.now(UTC).date(),
        )


async def _agreements(request: Request, actor, status: int = 200, error: str = "") -> Template:
    assister = await get_assister(actor.assister_id, actor)
    return page(request, "agreements", status, assister=assister, error=error)


async def _fire(request: Request, actor, command: FireEvent) -> Template | Redirect:
    try:
        await fire(command)
    except MachineError as exc:
        return await _agreements(request, actor, status_of(exc), exc.detail)
    return done("/assister/", "saved")
