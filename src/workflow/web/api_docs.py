"""``/schema``: Swagger UI from files shipped inside the package (``workflow/static``),
so the API docs work on a network without internet and under the service's own
Content-Security-Policy (scripts and styles from our origin only, no inline script).

``/schema/openapi.json`` is the document with every operation's error answers added
(:mod:`workflow.web.openapi_errors`); Swagger UI and schemathesis both read it.
"""

from __future__ import annotations

import copy
from html import escape
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router

from workflow.web.auth import ANONYMOUS, allow
from workflow.web.openapi_errors import with_error_answers

STATIC = Path(__file__).resolve().parents[1] / "static"
STATIC_PATH = "/static"
SWAGGER_UI_VERSION = "5.35.0"  # swagger-ui-dist, see static/swagger-ui/README.md

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: API</title>
<link rel="stylesheet" href="{static}/swagger-ui/swagger-ui.css?v={version}">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{static}/swagger-ui/swagger-ui-bundle.js?v={version}"></script>
<script src="{static}/api-docs.js?v={version}"></script>
</body>
</html>
"""


class SwaggerOffline(OpenAPIRenderPlugin):
    """Swagger UI from our own origin (litestar's plugin loads it from a CDN)."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = openapi_schema.get("info", {}).get("title", "API")
        return PAGE.format(
            title=escape(title),
            static=STATIC_PATH,
            version=SWAGGER_UI_VERSION,
            openapi=escape(self.get_openapi_json_route(request)),
        ).encode()


class DocumentedJson(JsonRenderPlugin):
    """``openapi.json`` with each operation's error answers (built once per app)."""

    def __init__(self) -> None:
        super().__init__()
        self._document: bytes | None = None

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        if self._document is None:
            documented = with_error_answers(copy.deepcopy(openapi_schema), request.app)
            self._document = self.render_json(request, documented)
        return self._document


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """Swagger UI first: litestar serves its first plugin at ``/schema`` itself."""
    return [SwaggerOffline(), DocumentedJson()]


# Public like the docs themselves; the query's version changes with each upgrade, so a
# browser may keep the files for a day.
static_files = create_static_files_router(
    STATIC_PATH,
    directories=[STATIC],
    opt=allow(ANONYMOUS),
    cache_control=CacheControlHeader(max_age=86400, public=True),
    include_in_schema=False,
    name="static",
)
