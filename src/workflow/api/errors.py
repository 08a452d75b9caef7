"""Every refusal becomes JSON with a ``detail`` that says what to do, mapped here once.

404 unknown thing or event, 409 not allowed now or a lost race (with the allowed events),
422 a guard said no (with its reason), 400 malformed input (naming the field). Anything
unexpected is a 500 that carries only a correlation id, which is also in the log.
"""

from __future__ import annotations

import logging
import traceback
import uuid

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from workflow.services import errors as e

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
    if isinstance(exc, e.BadInput) and exc.field:
        body["field"] = exc.field
    if isinstance(exc, e.AttemptRecorded):
        out = exc.outcome
        body.update(
            recorded=True, state=out.state, version=out.version, allowed_events=out.allowed_events
        )
    return _json(status, body)


def validation_error(request: Request, exc: ValidationException) -> Response:
    problems = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or "body"
            problems.append(f"{where}: {item.get('message', 'invalid')}")
    detail = "; ".join(problems) or exc.detail
    fields = [i.get("key") for i in exc.extra or [] if isinstance(i, dict) and i.get("key")]
    return _json(
        400, {"status_code": 400, "detail": f"invalid request: {detail}", "fields": fields}
    )


def http_error(_: Request, exc: HTTPException) -> Response:
    body = {"status_code": exc.status_code, "detail": exc.detail}
    return Response(content=body, status_code=exc.status_code, headers=exc.headers)


def too_deep(_: Request, exc: RecursionError) -> Response:
    """JSON nested thousands of levels deep cannot be a real request."""
    return _json(
        400,
        {
            "status_code": 400,
            "detail": "invalid request: the JSON body is nested "
            "too deeply; send a flat object as the API documentation shows",
        },
    )


def number_out_of_range(_: Request, exc: OverflowError) -> Response:
    """A number too large for the database, in a field no schema bounded (last resort)."""
    return _json(
        400,
        {
            "status_code": 400,
            "detail": "invalid request: a number is too large; "
            "ids and counts are at most 2147483647",
        },
    )


def unexpected_error(request: Request, exc: Exception) -> Response:
    correlation_id = uuid.uuid4().hex
    # The exception's class and where it was raised, not its message: database errors
    # quote the row's values, which may be a consumer's personal data.
    log.error(
        "unhandled error %s on %s %s: %s\n%s",
        correlation_id,
        request.method,
        request.url.path,
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
    Exception: unexpected_error,
}
