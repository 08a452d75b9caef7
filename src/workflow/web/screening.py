"""Screening every request's text before a handler sees it: no Social Security Number is
ever accepted (the service must never store one), and no NUL character (PostgreSQL cannot
store it, so it would fail deep inside instead of here, with a clear 400).

Query strings, JSON bodies and form bodies are screened; passwords and CSRF tokens are
not (their content is nobody's business and never stored as typed). The admin screens its
own writes (``admin/rules.py``)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request

from workflow.core.errors import BadInput
from workflow.core.sensitive import refuse_sensitive, strings_in
from workflow.web.auth import STAFF_FORM_KEY

NOT_SCREENED = re.compile(r"password|csrf", re.IGNORECASE)
# Cheap first pass over the raw JSON text: only a hit pays for parsing it to name the field.
_SSN_OR_NUL = re.compile(rb"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)|\\u0000")


async def screen_request(request: Request) -> None:
    """``before_request`` hook: 400 naming the field for SSN-shaped values or NULs."""
    if request.route_handler.opt.get(STAFF_FORM_KEY):
        # A staff page's event form: the engine refuses an SSN or NUL in the reason and
        # the data itself, and the page says so in a sentence (not JSON).
        return
    for name, value in request.query_params.items():
        _check(name, name)
        _check(name, value)
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    body = await request.body()
    form = "application/x-www-form-urlencoded" in request.headers.get("content-type", "")
    if form:
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            _check(name, name)
            _check(name, value)
    # Whatever the Content-Type says, a JSON handler reads the body as JSON: screen it as
    # JSON too. Escapes (``\u0031``) can spell digits, so a body with any is read whole.
    if _SSN_OR_NUL.search(body) or b"\\u" in body:
        parsed = _parsed(body)
        if parsed is None and not form:  # (a form was screened field by field above)
            _check("body", body.decode("utf-8", "replace"))
            if b"\\u" in body:  # escapes we could not read: refuse rather than let pass
                raise BadInput("body: could not be read as JSON; send a plain JSON object")
        for name, value in strings_in(parsed, "" if isinstance(parsed, dict) else "body"):
            _check(name, value)


def _check(name: str, value: str) -> None:
    if not NOT_SCREENED.search(name):
        refuse_sensitive(name, value)


def _parsed(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None  # malformed: the handler's own decoding says what is wrong
