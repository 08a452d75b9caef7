"""Every operation's error answers in the OpenAPI document, with the JSON body that
``web/errors.py`` sends for them, worked out from what each route really does:

- 400 on every operation: the query string (and any body) is screened for SSNs and NULs,
  and parameters and bodies are validated;
- 401 and 403 where the route is not public (no valid token; a role it does not allow);
- 404 where the path or a query parameter (``organization_id``) names something (it may
  not exist, or not be yours to see), and on writes (a body names cases too);
- 409 and 422 on writes: every state change goes through the engine, which answers 409
  when the case's state does not allow it (or it changed since it was read) and 422 when
  a guard refuses.

Public operations say so (``security: []``). A handler adds codes its own code raises
with ``opt={ERRORS_KEY: (401, 403)}`` (a public route that checks the caller for one
option, say).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from workflow.web.auth import ANONYMOUS, declared_roles

ERRORS_KEY = "error_answers"
ERROR_SCHEMA_NAME = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
_strings = {"type": "array", "items": {"type": "string"}}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal: what was wrong and what to do, in `detail`.",
    "required": ["status_code", "detail"],
    "properties": {
        "status_code": {"type": "integer"},
        "detail": {"type": "string", "description": "what was wrong and what to do"},
        "field": {"type": "string", "description": "the field at fault (400)"},
        "fields": {**_strings, "description": "the fields at fault (400)"},
        "state": {"type": "string", "description": "the case's state now (409, 422)"},
        "allowed_events": {**_strings, "description": "what the case allows now (409, 422)"},
        "version": {"type": "integer", "description": "the case's version now (409)"},
        "recorded": {"type": "boolean", "description": "the refused attempt is in history"},
        "events": {**_strings, "description": "the machine's events (404 unknown event)"},
        "retry_after": {"type": "integer", "description": "seconds to wait (429)"},
    },
    "additionalProperties": True,
}
DESCRIPTIONS = {
    400: "Malformed request: a parameter or field is missing, of the wrong type or form, "
    "or holds an SSN or a NUL character; `detail` names it and says what to send.",
    401: "No valid credentials: send `Authorization: Bearer <token>` (the token is "
    "missing, invalid, expired or revoked).",
    403: "Your role may not do this (`detail` names the roles that may).",
    404: "Not found: what the path or the body names does not exist, or is not yours to see.",
    409: "Not now: the case's state does not allow it, or the case changed since you read "
    "it; `state` and `allowed_events` say where it is and what it allows.",
    422: "Refused by a rule: `detail` says which and why; `recorded` is true when the "
    "machine keeps the attempt in the case's history.",
    429: "Too many requests from your address: `retry_after` (and the `Retry-After` "
    "header) says how many seconds to wait before trying again.",
    503: "Something this needs is not available here (`detail` says what, e.g. Graphviz "
    "for an SVG diagram, and what to do meanwhile).",
}
WRITES = {"post", "put", "patch", "delete"}
# litestar's own generic 400 (its body differs from ours): replaced.
_LITESTAR_400 = "Bad request syntax or unsupported method"


def with_error_answers(document: dict[str, Any], app: Litestar) -> dict[str, Any]:
    """``document`` (a litestar OpenAPI dict) with the error answers added, in place."""
    handlers = _handlers(app)
    document.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = (
        ERROR_SCHEMA
    )
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            handler = handlers.get((path, method))
            if handler is None or not isinstance(operation, dict):
                continue
            if ANONYMOUS in (declared_roles(handler) or ()):
                operation["security"] = []  # public: no token needed
            responses = operation.setdefault("responses", {})
            for code in sorted(error_answers(handler, method, path, operation)):
                existing = responses.get(str(code))
                if existing is None or existing.get("description") == _LITESTAR_400:
                    responses[str(code)] = _response(code)
    return document


def error_answers(
    handler: HTTPRouteHandler, method: str, path: str, operation: dict[str, Any]
) -> set[int]:
    codes = {400}
    if ANONYMOUS not in (declared_roles(handler) or ()):
        codes |= {401, 403}
    if "{" in path or method in WRITES or _names_an_id(operation):
        codes.add(404)
    if method in WRITES:
        codes |= {409, 422}
    return codes | set(handler.opt.get(ERRORS_KEY, ()))


def _names_an_id(operation: dict[str, Any]) -> bool:
    """A query parameter such as ``organization_id``: what it names may not exist."""
    parameters = operation.get("parameters", [])
    return any(p.get("in") == "query" and p.get("name", "").endswith("_id") for p in parameters)


def _response(code: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def _handlers(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    """(path as the document spells it, lower-case method) -> the handler answering it."""
    found = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    found[(route.path_format or "/", method.lower())] = handler
    return found
