"""Help On Demand over HTTP: anyone asks for help (signed in or not), staff read the
queue and each referral's offers, a broker lists what is offered to them. Accepting and
declining are the machine's events: ``POST /referrals/{id}/events/accept``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta, Struct

from workflow.accounts import request_limits
from workflow.core.errors import NotFound
from workflow.core.settings import get_settings
from workflow.referrals.machine import ReferralState
from workflow.referrals.service import (
    HelpRequest,
    ask_for_help,
    broker_referrals,
    get_referral,
    list_referrals,
)
from workflow.web.auth import ANONYMOUS, allow
from workflow.web.openapi_errors import ERRORS_KEY
from workflow.web.params import DEFAULT_LIMIT, Actor, Limit, Offset

StateFilter = Annotated[
    ReferralState | None, QueryParameter(name="state", description="unmatched: the queue")
]


EARLIER_ASKS_KEPT = (
    "; requests already made are kept, and a broker or our staff will contact you about them"
)


class HelpRequestBody(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    zip: Annotated[str, Meta(min_length=5, max_length=10)]
    language: Annotated[str, Meta(min_length=2, max_length=3)] = "en"
    phone: Annotated[str, Meta(max_length=40)] | None = None
    email: Annotated[str, Meta(max_length=254)] | None = None
    consent: bool = False


class ReferralController(Controller):
    path = "/referrals"
    tags = ["referrals"]

    @post("/", opt={**allow(ANONYMOUS), ERRORS_KEY: (429,)})
    async def ask(self, request: Request, data: JSONBody[HelpRequestBody]) -> Response[dict]:
        """Ask for help (Help On Demand): name, ZIP code, language, a phone number or an
        e-mail address, and consent to share them with a broker. 201 with the referral,
        already offered to the best-matched broker (or ``unmatched``: staff follow up).
        A few per client address per five minutes (``referral_rate_limit``); over it,
        429 with ``Retry-After``."""
        await request_limits.take_or_refuse(
            request_limits.REFERRAL, get_settings().referral_rate_limit,
            "Help On Demand requests", EARLIER_ASKS_KEPT,
        )  # fmt: skip
        ask = HelpRequest(data.name, data.zip, data.language, data.phone, data.email,
                          data.consent)  # fmt: skip
        signed_in = request.scope.get("user")  # None when nobody signed in
        return Response(await ask_for_help(ask, signed_in), status_code=201)

    @get("/", opt=allow("admin", "support"))
    async def queue(
        self,
        actor: Actor,
        state_filter: StateFilter = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Referrals, oldest first, with each one's offers and timings; ``state=unmatched``
        is the staff queue."""
        items, total = await list_referrals(state_filter, limit, offset, actor)
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    @get("/{referral_id:int}", opt=allow("admin", "support", "assister", "consumer"))
    async def read(self, referral_id: FromPath[int], actor: Actor) -> dict[str, Any]:
        """One referral: staff see everything (offers with their timings); the broker it is
        offered to sees the consumer's contact details once they accept it."""
        return await get_referral(referral_id, actor)


@get("/assisters/{assister_id:int}/referrals", opt=allow("assister", "admin", "support"),
     tags=["referrals"])  # fmt: skip
async def offered_to_broker(assister_id: FromPath[int], actor: Actor) -> list[dict[str, Any]]:
    """The referrals offered to this broker now, and those they accepted."""
    if not actor.is_staff and actor.assister_id != assister_id:
        raise NotFound(f"assister {assister_id} not found")
    return await broker_referrals(assister_id, actor)


ROUTES = [ReferralController, offered_to_broker]
