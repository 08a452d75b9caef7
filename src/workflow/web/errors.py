"""Every refusal becomes JSON with a ``detail`` that says what to do, mapped here once.

404 unknown thing or event, 409 not allowed now or a lost race (with the allowed events),
422 a guard said no (with its reason), 400 malformed input (naming the field). Anything
unexpected is a 500 that carries only a correlation id, which is also in the log.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from workflow.core import errors as e
from workflow.core.settings import get_settings
from workflow.db.health import is_unavailable
from workflow.web.auth import route_of

log = logging.getLogger("workflow.api")

STATUS = [
    (e.UnknownEvent, 404),
    (e.NotFound, 404),
    (e.Forbidden, 403),
    (e.BadEventData, 400),
    (e.BadInput, 400),
    (e.EventNotAllowed, 409),
    (e.Conflict, 409),
    (e.GuardRefused, 422),
    (e.Unavailable, 503),
    (e.TooManyRequests, 429),
]


def _json(status: int, body: dict) -> Response:
    return Response(content=body, status_code=status, media_type=MediaType.JSON)


def service_error(_: Request, exc: e.MachineError) -> Response:
    status = next(code for cls, code in STATUS if isinstance(exc, cls))
    body: dict = {"status_code": status, "detail": exc.detail}
    if isinstance(exc, e.EventNotAllowed):
        body.update(state=exc.state, allowed_events=exc.allowed_events)
    if isinstance(exc, e.UnknownEvent):
        body["events"] = exc.events
    if isinstance(exc, e.StaleVersion):
        body["version"] = exc.version
        if exc.state is not None:
            body.update(state=exc.state, allowed_events=exc.allowed_events)
    if isinstance(exc, e.BadInput) and exc.field:
        body["field"] = exc.field
    if isinstance(exc, e.AttemptRecorded):
        out = exc.outcome
        body.update(
            recorded=True, state=out.state, version=out.version, allowed_events=out.allowed_events
        )
    if isinstance(exc, e.TooManyRequests):
        body["retry_after"] = exc.retry_after
        headers = {"Retry-After": str(exc.retry_after)}
        return Response(content=body, status_code=status, media_type=MediaType.JSON,
                        headers=headers)  # fmt: skip
    return _json(status, body)


def validation_error(request: Request, exc: ValidationException) -> Response:
    """400 naming each field as the client spells it, with what to do about it."""
    problems = [_problem(request, item) for item in exc.extra or [] if isinstance(item, dict)]
    detail = "; ".join(text for _, text in problems) or exc.detail
    fields = [field for field, _ in problems if field]
    return _json(
        400, {"status_code": 400, "detail": f"invalid request: {detail}", "fields": fields}
    )


# What a well-formed value looks like, for the fields whose rule is a pattern.
EXAMPLES = {"email": "name@example.org", "phone": "503-555-0134", "npn": "17283945"}
_IN_BODY = re.compile(r"Object (missing required|contains unknown) field `([^`]+)`")


def _problem(request: Request, item: dict) -> tuple[str | None, str]:
    key, message = item.get("key"), str(item.get("message", "invalid"))
    if key == "data" and (found := _IN_BODY.search(message)):
        kind, key = found.groups()
        if kind == "missing required":
            return key, f"{key}: required; add it to the JSON body"
        return key, f"{key}: not a field of this request; remove it (the fields are in /schema)"
    if key == "data" and message in ("'data'", "data"):
        return None, "send a JSON object body (Content-Type: application/json), see /schema"
    key = _client_name(request, key)
    if "matching regex" in message:
        example = EXAMPLES.get(str(key).rsplit(".", 1)[-1])
        hint = f", e.g. {example}" if example else ""
        return key, f"{key}: not in the expected form{hint}"
    return key, f"{key or item.get('source') or 'body'}: {message}"


def _client_name(request: Request, key: str | None) -> str | None:
    """A query parameter's public name (``state``), not the handler's (``state_filter``)."""
    try:
        parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
        alias = getattr(parameter.kwarg_definition, "name", None) if parameter else None
    except AttributeError:
        return key
    return alias or key


def http_error(_: Request, exc: HTTPException) -> Response:
    body = {"status_code": exc.status_code, "detail": exc.detail}
    return Response(content=body, status_code=exc.status_code, headers=exc.headers)


def _bad_request(detail: str) -> Response:
    return _json(400, {"status_code": 400, "detail": f"invalid request: {detail}"})


def too_deep(_: Request, exc: RecursionError) -> Response:
    """JSON nested thousands of levels deep cannot be a real request."""
    return _bad_request("the JSON body is nested too deeply; send an object as /schema shows")


def number_out_of_range(_: Request, exc: OverflowError) -> Response:
    """A number too large for the database, in a field no schema bounded (last resort)."""
    return _bad_request("a number is too large; ids and counts are at most 2147483647")


def not_utf8(_: Request, exc: UnicodeDecodeError) -> Response:
    return _bad_request("the body is not UTF-8 text; send JSON encoded as UTF-8")


def unavailable(request: Request, exc: BaseException) -> Response:
    """The database cannot be reached or cannot write now (a restart, a full disk): 503
    with ``Retry-After``, never a 500; nothing was half-applied (the transaction did not
    commit)."""
    retry = get_settings().unavailable_retry_after_seconds
    log.warning(
        "database unavailable on %s %s: %s", request.method, route_of(request), type(exc).__name__
    )
    body = {
        "status_code": 503,
        "detail": f"the database is unavailable just now; nothing was changed. Try again in "
        f"{retry} seconds",
    }
    return Response(content=body, status_code=503, headers={"Retry-After": str(retry)})


def unexpected_error(request: Request, exc: Exception) -> Response:
    if is_unavailable(exc):
        return unavailable(request, exc)
    correlation_id = uuid.uuid4().hex
    # The exception's class and where it was raised, not its message: database errors
    # quote the row's values, which may be a consumer's personal data.
    log.error(
        "unhandled error %s on %s %s: %s\n%s",
        correlation_id,
        request.method,
        route_of(request),
        type(exc).__name__,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return _json(
        HTTP_500_INTERNAL_SERVER_ERROR,
        {
            "status_code": 500,
            "detail": "internal error; quote this correlation id to support",
            "correlation_id": correlation_id,
        },
    )


EXCEPTION_HANDLERS = {
    e.MachineError: service_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    RecursionError: too_deep,
    OverflowError: number_out_of_range,
    UnicodeDecodeError: not_utf8,
    Exception: unexpected_error,
}
