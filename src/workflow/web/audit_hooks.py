"""Writes made with an API token land in the audit log, with the route and the outcome.

Successful events are left out here: :func:`~workflow.engine.fire.fire` writes
their audit entry in the event's own transaction (so it holds exactly when the event
does). Refused events, and every other write, are recorded when the answer is sent."""

from __future__ import annotations

from litestar.types import Message, Scope

from workflow.engine import audit

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EVENT_ROUTE = "/events/{event"


async def audit_token_writes(message: Message, scope: Scope) -> None:
    """``before_send`` hook of the app."""
    if message["type"] != "http.response.start" or scope.get("method") not in WRITES:
        return
    if scope.get("auth_via") != "token":
        return
    status = message["status"]
    template = scope.get("path_template", "")
    if status < 400 and EVENT_ROUTE in template:
        return
    route = f"{scope['method']} {template}"
    await audit.record_outside(
        "token_write",
        "success" if status < 400 else "refused",
        actor=scope.get("user"),
        object_type="route",
        object_id=route,
        detail={"route": route, "status": status},  # the template: no raw path, no body
    )
