"""``GET /search`` for API clients (JSON) and ``GET /staff/search``, the page the search
box on every staff page opens."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template
from msgspec import Struct

from workflow.core.errors import BadInput
from workflow.search.service import search_cases
from workflow.web.auth import allow
from workflow.web.params import Actor

Query = Annotated[
    str | None,
    QueryParameter(
        max_length=100,
        description="an id, name, e-mail, phone, NPN, Reference Number or organisation",
    ),
]


class SearchHit(Struct):
    machine: str
    id: int
    title: str
    state: str
    matched: str
    match: str
    rank: int
    url: str
    api_url: str


class SearchResult(Struct):
    query: str
    items: list[SearchHit]
    total: int


class SearchController(Controller):
    tags = ["search"]

    @get("/search", opt=allow("admin", "support", "agency_admin"))
    async def search(self, actor: Actor, q: Query = None) -> SearchResult:
        """Cases matching ``q``, best first: an exact id, NPN or Reference Number, then
        fields starting with it, then fields containing it (at most 50). Each hit names
        the field it matched and links to its staff page (``url``) and API (``api_url``).
        Agency admins find only their organisation's cases. No ``q``: no hits."""
        hits = [h.as_dict() for h in await search_cases(actor, q)]
        return SearchResult(query=(q or "").strip(), items=hits, total=len(hits))  # type: ignore[arg-type]


class SearchPage(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/search", opt=allow("admin", "support"))
    async def page(self, actor: Actor, q: Query = None) -> Template:
        hits, error = [], None
        if q and q.strip():
            try:
                hits = await search_cases(actor, q)
            except BadInput as exc:
                error = exc.detail
        text = (q or "").strip()
        context = {"staff": actor, "q": text, "search_q": text, "hits": hits, "error": error}
        return Template(
            template_name="pages/staff/search.html",
            context=context,
            status_code=400 if error else 200,
        )
