"""Every routed request counted and timed by method, route template and status (the
template, never the raw path: a path holds whatever the caller typed), and given a
correlation id before anything else runs, so every log line it causes carries one."""

from __future__ import annotations

import re
import time
import uuid

from litestar.types import ASGIApp, Receive, Scope, Send

from workflow.core.logs import CORRELATION_ID
from workflow.core.metrics import REQUESTS


def request_metrics(app: ASGIApp) -> ASGIApp:
    """Litestar middleware (it runs after routing, so the route template is known)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        CORRELATION_ID.set(uuid.uuid4().hex)
        started = time.perf_counter()
        status = {"code": 500}

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await app(scope, receive, capture)
        finally:
            route = _template(scope)
            REQUESTS.labels(scope["method"], route, str(status["code"])).observe(
                time.perf_counter() - started
            )

    return middleware


def _template(scope: Scope) -> str:
    """``/assisters/{assister_id}``; a mounted app (the admin) counts under its mount
    point, since its own paths hold ids."""
    template = scope.get("path_template")
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", template) if template else "(unrouted)"
