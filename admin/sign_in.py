"""The gate in front of piccolo-admin's sign-in form: a well-formed body, and a rate
limit per client address kept in the database (piccolo's own limiter lives in one
process's memory, so with several workers each would allow its own share).

piccolo's endpoint takes JSON or a form. A JSON body must be an object whose
``username``, ``password`` and ``mfa_code`` are text: anything else (``"mfa_code": 0``)
is a 400 naming the field, before any password is checked.
"""

from __future__ import annotations

import json

from piccolo_api.rate_limiting.middleware import RateLimitProvider

from workflow.accounts.login import seconds_until_allowed
from workflow.core.settings import get_settings
from workflow.engine import audit

TEXT_FIELDS = ("username", "password", "mfa_code", "mfa_provider_name", "format")


class DatabaseLimit(RateLimitProvider):
    """Handed to piccolo-admin in place of its in-memory limiter: the gate below counts
    sign-in attempts in the database instead."""

    def increment(self, identifier: str) -> None:
        return None


def is_sign_in(scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] == "POST"
        and (scope.get("path", "").rstrip("/").endswith("/public/login"))
    )


async def sign_in_gate(app, scope, receive, send) -> None:
    """Run piccolo's sign-in only for a well-formed body from an address under its limit."""
    messages, body = await _read_body(receive)
    problem = _malformed(scope, body)
    if problem:
        field, detail = problem
        await _answer(send, 400, {"status_code": 400, "detail": detail, "field": field})
        return
    client = scope.get("client")
    wait = await seconds_until_allowed(
        client[0] if client else "", get_settings().staff_login_rate_limit
    )
    if wait:
        await audit.record("login", "rate_limited", object_type="route", object_id="admin")
        detail = f"too many sign-in attempts from your address; try again in {wait} seconds"
        await _answer(send, 429, {"status_code": 429, "detail": detail}, wait)
        return
    await app(scope, _replay(messages), send)


async def _read_body(receive) -> tuple[list[dict], bytes]:
    messages, chunks = [], []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[dict]):
    queue = list(messages)

    async def receive():
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    return receive


def _malformed(scope, body: bytes) -> tuple[str | None, str] | None:
    content_type = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1")
    if "json" not in content_type:
        return None  # a form's values are always text
    try:
        values = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return None, 'the body is not valid JSON; send {"username": ..., "password": ...}'
    if not isinstance(values, dict):
        return None, 'send a JSON object: {"username": ..., "password": ..., "mfa_code": ...}'
    for field in TEXT_FIELDS:
        value = values.get(field)
        if value is not None and not isinstance(value, str):
            what = "the 6-digit code from your authenticator app (or a recovery code)"
            example = what if field == "mfa_code" else "text"
            return field, f"{field} must be {example}, as a JSON string"
    return None


async def _answer(send, status: int, body: dict, retry_after: int | None = None) -> None:
    headers = [(b"content-type", b"application/json")]
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})
