"""Agency admins' pages: their organisation's roster, onboarding a navigator or CAC of
their own organisation, marking someone inactive, and the organisation's book of
business. The same services and events as the API (``POST /assisters`` refuses another
organisation's staff to an agency admin)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from msgspec import Struct

from workflow.accounts.service import valid_email
from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.service import NewAssister, create_assister, list_assisters
from workflow.core.errors import BadInput, MachineError
from workflow.core.i18n import N_
from workflow.core.settings import get_settings
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.organizations.roster import approve, approved_ids
from workflow.portal.book import PAGE_SIZE, book, clean
from workflow.portal.rendering import PAGE_EXCEPTION_HANDLERS, done, page
from workflow.web.auth import portal_page
from workflow.web.params import Actor
from workflow.web.rendering import status_of

AGENCY = portal_page("agency_admin")
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
ROSTER_SIZE = 500
KINDS = ("navigator", "cac")
BAD_NAME = N_("Give the person's full name (1 to 200 characters).")
BAD_EMAIL = N_("Give one e-mail address, like name@example.org.")
BAD_KIND = N_("Choose navigator or certified application counselor.")


class OnboardForm(Struct):
    kind: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = "en"
    csrf_token: str = ""


class InactiveForm(Struct):
    reason: str = ""
    csrf_token: str = ""


def _new(data: OnboardForm, organization_id: int) -> NewAssister:
    if data.kind not in KINDS:
        raise BadInput(BAD_KIND, "kind")
    if not 0 < len(data.name.strip()) <= 200:
        raise BadInput(BAD_NAME, "name")
    if not valid_email(data.email.strip()):
        raise BadInput(BAD_EMAIL, "email")
    return NewAssister(
        kind=data.kind,
        name=data.name.strip(),
        email=data.email.strip(),
        phone=data.phone.strip() or None,
        organization_id=organization_id,
        language=data.language if data.language in ("en", "es") else "en",
    )


async def _roster(request: Request, actor, status: int = 200, error: str = "") -> Template:
    people, total = await list_assisters(actor, limit=ROSTER_SIZE, offset=0)
    approved = await approved_ids([p["id"] for p in people])
    return page(
        request,
        "roster",
        status,
        people=people,
        total=total,
        error=error,
        approved=approved,
        approval_required=get_settings().roster_approval_required,
    )


class AgencyPages(Controller):
    path = "/agency"
    tags = ["portal"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", opt=AGENCY)
    async def roster(self, request: Request, actor: Actor) -> Template:
        """The organisation's staff with their state and what is next for them."""
        return await _roster(request, actor)

    @get("/onboard", opt=AGENCY)
    async def onboard_page(self, request: Request) -> Template:
        return page(request, "onboard", form={})

    @post("/onboard", opt=AGENCY)
    async def onboard(
        self, request: Request, actor: Actor, data: Annotated[OnboardForm, FORM]
    ) -> Template | Redirect:
        """Onboard a navigator or CAC of this organisation (never another's)."""
        try:
            await create_assister(_new(data, actor.organization_id), actor)
        except MachineError as exc:
            return page(request, "onboard", status_of(exc), form=data, error=exc.detail)
        return done("/agency/", "onboarded")

    @post("/assisters/{assister_id:int}/approve", opt=AGENCY)
    async def approve(
        self, actor: Actor, assister_id: FromPath[int], data: Annotated[InactiveForm, FORM]
    ) -> Redirect:
        """Approve a staff member on the roster (before training, where required)."""
        await approve(assister_id, actor)
        return done("/agency/", "approved")

    @post("/assisters/{assister_id:int}/inactive", opt=AGENCY)
    async def inactive(
        self,
        request: Request,
        actor: Actor,
        assister_id: FromPath[int],
        data: Annotated[InactiveForm, FORM],
    ) -> Template | Redirect:
        """Mark someone inactive (they left the organisation): the deactivate event."""
        reason = data.reason.strip() or "marked inactive on the roster by the agency admin"
        try:
            await fire(
                FireEvent(ASSISTER_CASE, assister_id, "deactivate", actor=actor, reason=reason)
            )
        except MachineError as exc:
            return await _roster(request, actor, status_of(exc), exc.detail)
        return done("/agency/", "deactivated")

    @get("/clients", opt=AGENCY)
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
        """Every open client request and client of the organisation's staff."""
        status, sort, order = clean(status, sort, order)
        start = max(0, min(offset, 10_000_000))
        rows = await book(
            "organization",
            actor.organization_id,
            status=status,
            q=q,
            sort=sort,
            order=order,
            offset=start,
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
            owner="organization",
        )
