"""The assister portal's training page: sessions coming up, signing up (a seat, or a
place in line) and cancelling, in the person's language (the portal's gettext pages).
Every change is the same service call or engine event as the API's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from msgspec import Struct

from workflow.core.errors import MachineError
from workflow.core.i18n import N_
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.portal.rendering import PAGE_EXCEPTION_HANDLERS, page
from workflow.sessions import queries
from workflow.sessions import service as svc
from workflow.sessions.binding import SIGNUP_CASE
from workflow.web.auth import portal_page
from workflow.web.params import Actor
from workflow.web.rendering import status_of

ASSISTER = portal_page("assister")
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
HERE = "/assister/training"
# Only these texts can appear as the page's note: nothing from the query string is echoed.
NOTES = {
    "confirmed": N_("Your seat is confirmed. The confirmation is in your mailbox."),
    "waiting": N_("The session is full: you are on its waiting list. We tell you at once "
                  "if a seat frees."),
    "cancelled": N_("Your sign-up is cancelled."),
}  # fmt: skip


class TokenOnly(Struct):
    csrf_token: str = ""


class TrainingPortalPages(Controller):
    path = HERE
    tags = ["portal"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", opt=ASSISTER)
    async def sessions(self, request: Request, actor: Actor) -> Template:
        """Sessions coming up, with the person's own sign-ups and what they can do."""
        return await _page(request, actor)

    @post("/sessions/{session_id:int}/signup", opt=ASSISTER)
    async def sign_up(self, request: Request, actor: Actor, session_id: FromPath[int],
                      data: Annotated[TokenOnly, FORM]) -> Template | Redirect:  # fmt: skip
        try:
            signup = await svc.sign_up(session_id, actor.assister_id, actor)
        except MachineError as exc:
            return await _page(request, actor, status_of(exc), exc.detail)
        return Redirect(f"{HERE}/?done={signup['state']}", status_code=303)

    @post("/signups/{signup_id:int}/cancel", opt=ASSISTER)
    async def cancel(self, request: Request, actor: Actor, signup_id: FromPath[int],
                     data: Annotated[TokenOnly, FORM]) -> Template | Redirect:  # fmt: skip
        try:
            await fire(FireEvent(SIGNUP_CASE, signup_id, "cancel", actor))
        except MachineError as exc:
            return await _page(request, actor, status_of(exc), exc.detail)
        return Redirect(f"{HERE}/?done=cancelled", status_code=303)


async def _page(request: Request, actor, status: int = 200, error: str = "") -> Template:
    mine = await queries.my_signups(actor.assister_id)
    sessions = await queries.list_sessions(datetime.now(UTC))
    for session in sessions:
        signup = mine.get(session["id"])
        session["signup"] = await svc.signup_view(signup["id"]) if signup else None
    note = NOTES.get(request.query_params.get("done", ""), "")
    return page(request, "training", status, sessions=sessions, message=note, error=error)
