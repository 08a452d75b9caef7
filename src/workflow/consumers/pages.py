""" "Manage my assister": the consumer's pages, server-rendered and usable without
JavaScript. Every form posts back here with the session's CSRF token (checked by the
global guard) and every change goes through the same services as the JSON API."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from msgspec import Meta, Struct

from workflow.associations.binding import ASSOCIATION_CASE, TERMS_VERSION
from workflow.associations.machine import AssociationState
from workflow.associations.service import (
    consumer_overview,
    get_association,
    request_association,
)
from workflow.core.errors import MachineError
from workflow.core.principal import Principal
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.web.auth import allow
from workflow.web.params import Actor
from workflow.web.path_ids import MAX_ID
from workflow.web.rendering import HOME_URL, PAGE_EXCEPTION_HANDLERS, render, status_of

CONSUMER = allow("consumer")


class ReferenceForm(Struct):
    reference_number: str = ""
    csrf_token: str = ""


class RemoveForm(Struct):
    association_id: Annotated[int, Meta(ge=0, le=MAX_ID)] = 0
    csrf_token: str = ""


class TokenForm(Struct):
    csrf_token: str = ""


URL_ENCODED = Body(media_type=RequestEncodingType.URL_ENCODED)
ReferenceBody = Annotated[ReferenceForm, URL_ENCODED]
RemoveBody = Annotated[RemoveForm, URL_ENCODED]
TokenBody = Annotated[TokenForm, URL_ENCODED]


def done(what: str) -> Redirect:
    return Redirect(f"{HOME_URL}?done={what}", status_code=303)


async def _manage(request: Request, actor: Principal, status: int = 200, **context) -> Template:
    overview = await consumer_overview(actor)
    context.setdefault("reference_number", "")
    return render(
        request,
        "manage",
        status,
        consumer=overview,
        current=overview["current_association"],
        pending=overview["pending_requests"],
        **context,
    )


async def _pending(association_id: int, actor: Principal) -> dict | None:
    association = await get_association(association_id, actor)
    return association if association["state"] == AssociationState.requested else None


class ConsumerPagesController(Controller):
    path = "/consumer/assister"
    tags = ["consumer pages"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", opt=CONSUMER)
    async def manage(self, request: Request, actor: Actor) -> Template:
        """Assister details, pending requests, and the form to add or change one."""
        return await _manage(request, actor)

    @post("/request", opt=CONSUMER)
    async def find(
        self, request: Request, actor: Actor, data: ReferenceBody
    ) -> Template | Redirect:
        """Look the Reference Number up; show the assister's details to confirm."""
        try:
            association, _ = await request_association(actor, data.reference_number)
        except MachineError as exc:
            return await _manage(
                request,
                actor,
                status_of(exc),
                error=exc.detail,
                reference_number=data.reference_number,
            )
        return Redirect(f"{HOME_URL}/requests/{association['id']}", status_code=303)

    @get("/requests/{association_id:int}", opt=CONSUMER)
    async def select(
        self, request: Request, actor: Actor, association_id: FromPath[int]
    ) -> Template | Redirect:
        """ "Select the assister helping you": their details, then Next."""
        association = await _pending(association_id, actor)
        if association is None:
            return Redirect(HOME_URL, status_code=303)
        return render(request, "select", association=association, assister=association["assister"])

    @get("/requests/{association_id:int}/terms", opt=CONSUMER)
    async def terms(
        self, request: Request, actor: Actor, association_id: FromPath[int]
    ) -> Template | Redirect:
        """The Assister Authorization / Agent of Record terms, with Confirm and Cancel."""
        association = await _pending(association_id, actor)
        if association is None:
            return Redirect(HOME_URL, status_code=303)
        overview = await consumer_overview(actor)
        return render(
            request,
            "terms",
            association=association,
            assister=association["assister"],
            current=overview["current_association"],
            terms_version=TERMS_VERSION,
        )

    @post("/requests/{association_id:int}/confirm", opt=CONSUMER)
    async def confirm(
        self, request: Request, actor: Actor, association_id: FromPath[int], data: TokenBody
    ) -> Redirect | Template:
        """Accept the terms: the association is confirmed (a current assister is replaced)."""
        try:
            await fire(FireEvent(ASSOCIATION_CASE, association_id, "confirm", actor=actor))
        except MachineError as exc:
            return await _manage(request, actor, status_of(exc), error=exc.detail)
        return done("confirmed")

    @post("/requests/{association_id:int}/cancel", opt=CONSUMER)
    async def cancel(
        self, actor: Actor, association_id: FromPath[int], data: TokenBody
    ) -> Redirect:
        """Withdraw a request that was not confirmed."""
        if await _pending(association_id, actor) is not None:
            await fire(
                FireEvent(
                    ASSOCIATION_CASE,
                    association_id,
                    "disassociate",
                    actor=actor,
                    reason="cancelled by the consumer before confirming",
                )
            )
        return done("cancelled")

    @post("/remove", opt=CONSUMER)
    async def remove(self, actor: Actor, data: RemoveBody) -> Redirect:
        """End the association with the current assister."""
        await fire(
            FireEvent(
                ASSOCIATION_CASE,
                data.association_id,
                "disassociate",
                actor=actor,
                reason="removed by the consumer",
            )
        )
        return done("removed")
