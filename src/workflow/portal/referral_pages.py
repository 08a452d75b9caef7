"""Help On Demand in the broker's portal: the referrals offered to them now (with the time
left to accept), Accept and Decline, and the consumer's contact details once accepted.
Each button fires the referral's event through the engine, as the API does."""

from __future__ import annotations

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
from workflow.portal.rendering import PAGE_EXCEPTION_HANDLERS, done, page
from workflow.referrals.binding import REFERRAL_CASE
from workflow.referrals.service import broker_referrals
from workflow.web.auth import portal_page
from workflow.web.params import Actor
from workflow.web.rendering import status_of

ASSISTER = portal_page("assister")
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


LANGUAGE_NAMES = {"en": N_("English"), "es": N_("Spanish")}
ANSWERED = {"accept": "referral_accepted", "decline": "referral_declined"}


class TokenOnly(Struct):
    csrf_token: str = ""


async def _page(request: Request, actor, status: int = 200, error: str = "") -> Template:
    referrals = await broker_referrals(actor.assister_id, actor)
    return page(request, "referrals", status, referrals=referrals, error=error,
                language_names=LANGUAGE_NAMES)  # fmt: skip


class ReferralPages(Controller):
    path = "/assister/referrals"
    tags = ["portal"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", opt=ASSISTER)
    async def referrals(self, request: Request, actor: Actor) -> Template:
        """Referrals offered to this broker now, and those they accepted."""
        return await _page(request, actor)

    @post("/{referral_id:int}/{event:str}", opt=ASSISTER)
    async def answer(
        self,
        request: Request,
        actor: Actor,
        referral_id: FromPath[int],
        event: FromPath[str],
        data: Annotated[TokenOnly, FORM],
    ) -> Template | Redirect:
        """Accept or decline an offer (anything else: 404 from the engine's own list)."""
        if event not in ("accept", "decline"):
            event = "no_such_event"
        try:
            await fire(FireEvent(REFERRAL_CASE, referral_id, event, actor=actor))
        except MachineError as exc:
            return await _page(request, actor, status_of(exc), exc.detail)
        return done("/assister/referrals", ANSWERED[event])
