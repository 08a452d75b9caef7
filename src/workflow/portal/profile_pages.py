"""The assister's profile page: contact details and business address, directory
display, NPN and marketplace role for brokers (with the registry's answer as the API
words it), languages with levels, hours, website, preferred contact; and their own API
tokens (mint, revoke)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from msgspec import Struct

from workflow.assisters.address import Address
from workflow.assisters.marketplace import ROLE_LABELS
from workflow.assisters.profiles import ProfileChanges, profile_view, update_profile
from workflow.core.errors import MachineError
from workflow.portal import profile_service as extras_svc
from workflow.portal.rendering import PAGE_EXCEPTION_HANDLERS, done, page
from workflow.tables.assisters import DirectoryDisplay
from workflow.web.auth import portal_page
from workflow.web.params import Actor
from workflow.web.rendering import status_of

ASSISTER = portal_page("assister")
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
LANGUAGE_ROWS = 3


class ProfileForm(Struct):
    phone: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    directory_display: str = ""
    npn: str = ""
    marketplace_role: str = ""
    csrf_token: str = ""


class ExtrasForm(Struct):
    language_1: str = ""
    speaking_1: str = ""
    reading_1: str = ""
    writing_1: str = ""
    language_2: str = ""
    speaking_2: str = ""
    reading_2: str = ""
    writing_2: str = ""
    language_3: str = ""
    speaking_3: str = ""
    reading_3: str = ""
    writing_3: str = ""
    hours: str = ""
    website: str = ""
    preferred_contact: str = "email"
    csrf_token: str = ""

    def languages(self) -> list[dict[str, str]]:
        return [
            {
                key: getattr(self, f"{key}_{n}")
                for key in ("language", "speaking", "reading", "writing")
            }
            for n in range(1, LANGUAGE_ROWS + 1)
        ]


class TokenForm(Struct):
    label: str = ""
    csrf_token: str = ""


async def _profile(request: Request, actor, status: int = 200, **context) -> Template:
    view = await profile_view(actor.assister_id, actor, datetime.now(UTC))
    extra = await extras_svc.extras(actor.assister_id)
    languages = list(extra["languages"]) + [{}] * (LANGUAGE_ROWS - len(extra["languages"]))
    return page(
        request,
        "profile",
        status,
        assister=view["assister"],
        validation=view["validation"],
        extra=extra,
        language_rows=languages[:LANGUAGE_ROWS],
        levels=extras_svc.LEVELS,
        displays=list(DirectoryDisplay),
        roles=ROLE_LABELS,
        tokens=await extras_svc.own_tokens(actor),
        new_token=context.pop("new_token", ""),
        **context,
    )


def _changes(data: ProfileForm, kind: str) -> ProfileChanges:
    parts = (data.street, data.city, data.state, data.zip)
    address = Address(*(p.strip() for p in parts)) if any(p.strip() for p in parts) else None
    broker = kind == "broker"
    return ProfileChanges(
        phone=data.phone.strip() or None,
        address=address,
        directory_display=data.directory_display or None,
        npn=(data.npn.strip() or None) if broker else None,
        marketplace_role=(data.marketplace_role or None) if broker else None,
    )


class ProfilePages(Controller):
    path = "/assister"
    tags = ["portal"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/profile", opt=ASSISTER)
    async def profile(self, request: Request, actor: Actor) -> Template:
        """Everything the assister keeps about themselves, with a form per part."""
        return await _profile(request, actor)

    @post("/profile", opt=ASSISTER)
    async def save(
        self, request: Request, actor: Actor, data: Annotated[ProfileForm, FORM]
    ) -> Template | Redirect:
        view = await profile_view(actor.assister_id, actor, datetime.now(UTC))
        try:
            await update_profile(actor.assister_id, _changes(data, view["assister"]["kind"]), actor)
        except MachineError as exc:
            return await _profile(request, actor, status_of(exc), error=exc.detail)
        return done("/assister/profile", "saved")

    @post("/profile/more", opt=ASSISTER)
    async def save_more(
        self, request: Request, actor: Actor, data: Annotated[ExtrasForm, FORM]
    ) -> Template | Redirect:
        try:
            await extras_svc.save_extras(
                actor.assister_id,
                data.languages(),
                data.hours,
                data.website,
                data.preferred_contact,
            )
        except MachineError as exc:
            return await _profile(request, actor, status_of(exc), error=exc.detail)
        return done("/assister/profile", "saved")

    @post("/tokens", opt=ASSISTER)
    async def mint(
        self, request: Request, actor: Actor, data: Annotated[TokenForm, FORM]
    ) -> Template:
        """A new API token for the assister's own programs, shown once on this page."""
        token = await extras_svc.mint(actor, data.label)
        return await _profile(request, actor, 201, new_token=token)

    @post("/tokens/{token_id:int}/revoke", opt=ASSISTER)
    async def revoke(
        self, actor: Actor, token_id: FromPath[int], data: Annotated[TokenForm, FORM]
    ) -> Redirect:
        await extras_svc.revoke(actor, token_id)
        return done("/assister/profile", "token_revoked")
