"""State diagrams over HTTP.

``GET /diagrams`` lists the machines; ``GET /diagrams/{machine}.svg`` and ``.mmd`` draw
one. These are public: they show the rules, which are no secret, and no personal data.
``?counts=1`` adds how many cases sit in each state now, which is for staff.

Each case kind gets ``GET <prefix>/diagram.svg`` and ``.mmd`` from
:func:`case_diagram_routes`: the machine with the case's current state highlighted and the
path its history took, counted. Who may read the case may read its diagram (others: 404).
"""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, Litestar, Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from msgspec import Struct

from workflow.core.errors import NotFound
from workflow.core.principal import Principal
from workflow.diagrams import service as svc
from workflow.engine.kinds import CaseKind
from workflow.web.auth import ANONYMOUS, STAFF, allow, require
from workflow.web.event_routes import path_param, typed_path
from workflow.web.openapi_errors import ERRORS_KEY
from workflow.web.params import Actor

SVG = "image/svg+xml"
MERMAID = "text/plain"  # litestar adds "; charset=utf-8"
# An SVG is a document: served from our origin, it must not run anything.
SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}
PRIVATE_CACHE = {"Cache-Control": "private, no-store"}
FORMATS = {"svg": SVG, "mmd": MERMAID}

# In the ``opt`` of every per-case diagram route: its machine, so the listing finds it.
CASE_DIAGRAM_KEY = "case_diagram_of"


class DiagramLinks(Struct):
    svg: str
    mmd: str
    counts_svg: str
    case_svg: str | None
    case_mmd: str | None


class MachineDiagram(Struct):
    name: str
    title: str
    initial: str
    states: list[str]
    events: list[str]
    links: DiagramLinks


class DiagramIndex(Struct):
    items: list[MachineDiagram]


def _case_paths(app: Litestar) -> dict[tuple[str, str], str]:
    """(machine, format) -> the path of its per-case diagram route, from the app itself."""
    paths: dict[tuple[str, str], str] = {}
    for route in sorted(app.routes, key=lambda r: r.path):
        for handler in getattr(route, "route_handlers", ()):
            machine = handler.opt.get(CASE_DIAGRAM_KEY)
            if machine:
                fmt = route.path.rpartition(".")[2]
                paths.setdefault((machine, fmt), re.sub(r"\{\w+:int\}", "{id}", route.path))
    return paths


def _links(machine: str, case_paths: dict[tuple[str, str], str]) -> DiagramLinks:
    return DiagramLinks(
        svg=f"/diagrams/{machine}.svg",
        mmd=f"/diagrams/{machine}.mmd",
        counts_svg=f"/diagrams/{machine}.svg?counts=1",
        case_svg=case_paths.get((machine, "svg")),
        case_mmd=case_paths.get((machine, "mmd")),
    )


def _diagram_response(content: bytes | str, fmt: str, cache: dict[str, str]) -> Response:
    headers = {**cache, **(SVG_HEADERS if fmt == "svg" else {})}
    return Response(content=content, media_type=FORMATS[fmt], headers=headers)


def _split(file: str) -> tuple[str, str]:
    machine, _, fmt = file.rpartition(".")
    if fmt not in FORMATS or not machine:
        raise NotFound(
            f"no diagram {file!r}: ask for /diagrams/<machine>.svg or /diagrams/<machine>.mmd "
            f"(machines: {', '.join(m.name for m in svc.machines())})"
        )
    return machine, fmt


Counts = Annotated[
    bool,
    QueryParameter(description="label each state with how many cases sit in it now (staff)"),
]


def _index_items(request: Request) -> list[MachineDiagram]:
    paths = _case_paths(request.app)
    return [
        MachineDiagram(m.name, m.title, m.initial, m.states, m.events, _links(m.name, paths))
        for m in svc.machines()
    ]


@get("/diagrams.html", opt=allow(ANONYMOUS), include_in_schema=False)
async def diagrams_page(request: Request) -> Template:
    """Every machine drawn, for people (the sidebar and the home page link here)."""
    return Template(template_name="pages/diagrams.html", context={"items": _index_items(request)})


class DiagramController(Controller):
    path = "/diagrams"
    tags = ["diagrams"]

    @get("/", opt=allow(ANONYMOUS))
    async def index(self, request: Request) -> DiagramIndex:
        """Every machine, with links to its diagrams (public: rules, no personal data)."""
        return DiagramIndex(_index_items(request))

    # Public, but ?counts=1 asks who is calling (401/403 in the API docs too); 503 when
    # Graphviz is missing.
    @get("/{file:str}", opt={**allow(ANONYMOUS), ERRORS_KEY: (401, 403, 503)}, media_type=SVG)
    async def machine(
        self, file: FromPath[str], request: Request, counts: Counts = False
    ) -> Response:
        """``<machine>.svg`` (Graphviz) or ``<machine>.mmd`` (Mermaid text). With
        ``?counts=1`` (admin, support) each state shows how many cases sit in it now.
        503 with what to install when Graphviz is missing; the ``.mmd`` still works."""
        machine, fmt = _split(file)
        svc.machine_spec(machine)  # 404 before asking who is calling
        if counts:
            require(request, STAFF, "a diagram with case counts (?counts=1)")
        draw = svc.machine_svg if fmt == "svg" else svc.machine_text
        content = await draw(machine, counts=counts)
        return _diagram_response(content, fmt, PRIVATE_CACHE if counts else PUBLIC_CACHE)


def case_diagram_routes(kind: CaseKind) -> list[HTTPRouteHandler]:
    """``GET <kind.path>/diagram.svg`` and ``.mmd``: the kind's machine drawn for one case.

    The kind's ``roles`` may ask; whether this case is theirs to read is then checked as
    for any read of it (404 otherwise). ``kind.locate`` maps the path's id to the case's
    own when they differ (e.g. a broker's id to their NPN validation's)."""
    opt, tags = {**allow(*kind.roles), CASE_DIAGRAM_KEY: kind.name}, ["diagrams"]
    param = path_param(kind)

    async def case_id_of(request: Request, actor: Principal) -> int:
        given = request.path_params[param]
        return await kind.locate(given, actor) if kind.locate else given

    async def case_svg(request: Request, actor: Actor) -> Response:
        content = await svc.case_svg(kind.name, await case_id_of(request, actor), actor)
        return _diagram_response(content, "svg", PRIVATE_CACHE)

    async def case_mmd(request: Request, actor: Actor) -> Response:
        content = await svc.case_text(kind.name, await case_id_of(request, actor), actor)
        return _diagram_response(content, "mmd", PRIVATE_CACHE)

    described = (
        f"The {kind.name} machine drawn for one case: its current state highlighted, the "
        "edges its history took marked with how many times. 404 if you may not read the "
        "case; 503 (SVG only) when Graphviz is missing."
    )
    return [
        get(
            f"{typed_path(kind)}/diagram.{fmt}",
            opt={**opt, ERRORS_KEY: (503,)} if fmt == "svg" else opt,
            tags=tags,
            media_type=FORMATS[fmt],
            description=described,
            name=f"{kind.name}-diagram-{fmt}",
        )(handler)
        for fmt, handler in (("svg", case_svg), ("mmd", case_mmd))
    ]
