"""The public directory's JSON API (``GET /find-help``), the assister's directory
settings, and a signed-in consumer's request for an assister found there."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import Meta, Struct

from workflow.assisters.machine import AssisterKind
from workflow.associations.schemas import AssociationOut
from workflow.associations.service import request_listed_assister
from workflow.directory.listing import get_listing, set_listing
from workflow.directory.pages import FindHelpPages
from workflow.directory.search import DEFAULT_RADIUS_MILES, Search, find_help
from workflow.web.auth import ANONYMOUS, allow
from workflow.web.params import Actor, IdFilter, Offset
from workflow.web.schemas import convert

PAGE_SIZE = Annotated[int, QueryParameter(ge=1, le=100, description="page size (at most 100)")]
Zip = Annotated[str | None, QueryParameter(max_length=10, description="ZIP code: 55101")]
State = Annotated[str | None, QueryParameter(name="state", max_length=2, description="state: MN")]
Language = Annotated[str | None, QueryParameter(max_length=3, description="language: es")]
Radius = Annotated[float, QueryParameter(ge=1, le=200, description="miles from the ZIP code")]


class ListingBody(Struct, forbid_unknown_fields=True):
    languages: Annotated[list[Annotated[str, Meta(max_length=3)]], Meta(min_length=1,
                                                                        max_length=12)]  # fmt: skip
    accepting_new_clients: bool = True
    accepts_referrals: bool = False


def search_of(zip, state, radius_miles, language, kind, organization_id, accepting, limit,
              offset) -> Search:  # fmt: skip
    return Search(zip=zip, state=state, radius_miles=radius_miles, language=language,
                  kind=kind.value if kind else None, organization_id=organization_id,
                  accepting_new_clients=accepting, limit=limit, offset=offset)  # fmt: skip


@get("/find-help", opt=allow(ANONYMOUS), tags=["directory"])
async def find_help_json(
    zip: Zip = None,
    us_state: State = None,
    radius_miles: Radius = DEFAULT_RADIUS_MILES,
    language: Language = None,
    kind: FromQuery[AssisterKind | None] = None,
    organization_id: IdFilter = None,
    accepting_new_clients: FromQuery[bool] = False,
    limit: PAGE_SIZE = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Find local help: active assisters near a ZIP code (nearest first, within
    ``radius_miles``) or in a state (by name), filtered by ``language``, ``kind``
    (navigator, cac, broker), ``organization_id`` and ``accepting_new_clients``; paged
    with ``total``. Each shows only what their directory display choice allows; a ZIP
    code that does not exist is a 400 saying so."""
    search = search_of(zip, us_state, radius_miles, language, kind, organization_id,
                       accepting_new_clients, limit, offset)  # fmt: skip
    return await find_help(search)


@post("/find-help/{assister_id:int}/request", opt=allow("consumer"), tags=["directory"])
async def request_from_directory(assister_id: FromPath[int], actor: Actor) -> Response:
    """A signed-in consumer asks for an assister they found in the directory: 201 with a
    ``requested`` association they then confirm as usual (200 if already requested)."""
    row, created = await request_listed_assister(actor, assister_id)
    return Response(convert(row, AssociationOut), status_code=201 if created else 200)


class ListingController(Controller):
    path = "/assisters/{assister_id:int}/directory"
    tags = ["directory"]

    @get("/", opt=allow("assister", "admin", "support"))
    async def read(self, assister_id: FromPath[int], actor: Actor) -> dict[str, Any]:
        """The assister's directory settings: languages, accepting new clients, and
        (brokers) whether Help On Demand may offer them referrals."""
        return await get_listing(assister_id, actor)

    @put("/", opt=allow("assister", "admin"))
    async def replace(
        self, assister_id: FromPath[int], actor: Actor, data: JSONBody[ListingBody]
    ) -> dict[str, Any]:
        """Replace the directory settings (the assister themselves, or an admin)."""
        return await set_listing(assister_id, actor, languages=data.languages,
                                 accepting_new_clients=data.accepting_new_clients,
                                 accepts_referrals=data.accepts_referrals)  # fmt: skip


ROUTES = [find_help_json, request_from_directory, ListingController, FindHelpPages]
