"""One route factory for every machine's events: ``POST <kind.path>/events/{event}``.

The route parses the body (``reason``, ``data``) and the optional ``If-Match`` header,
hands the engine one command and answers with where the case stands now. Everything a
machine needs besides (registry look-ups, follow-ups, the path's id being a broker's
rather than the case's) is declared in its binding, not here.
"""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Request, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, HeaderParameter, JSONBody

from workflow.core.errors import BadInput
from workflow.engine.command import EventOutcome, FireEvent
from workflow.engine.fire import fire
from workflow.engine.kinds import CaseKind
from workflow.web.auth import allow
from workflow.web.params import Actor
from workflow.web.schemas import EventBody, EventResult

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description="apply the event only if the case is still at this version",
        required=False,
    ),
]


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    cleaned = value.strip().removeprefix("W/").strip('"')
    if not cleaned.isdigit():
        raise BadInput(
            "If-Match: give the version number you last read, e.g. If-Match: 3", "If-Match"
        )
    return int(cleaned)


def path_param(kind: CaseKind) -> str:
    """The name of the id in the kind's path (``assister_id`` in ``/assisters/{assister_id}``)."""
    names = re.findall(r"\{(\w+)\}", kind.path)
    if len(names) != 1:
        raise ValueError(f"{kind.name}: its path must hold one {{name}}, not {kind.path!r}")
    return names[0]


def typed_path(kind: CaseKind) -> str:
    """The kind's path as litestar declares it (``/assisters/{assister_id:int}``)."""
    return re.sub(r"\{(\w+)\}", r"{\1:int}", kind.path)


def describe_events(kind: CaseKind) -> str:
    """The route's description, from the machine's declaration."""
    lines = [
        f'Fire an event at one {kind.noun}. Body ``{{"reason": ..., "data": {{...}}}}`` '
        "(both optional); ``If-Match: <version>`` makes it conditional. 404 unknown case or "
        "event, 403 your role may not, 409 not allowed now or a stale version, 422 a guard "
        "refused (with its reason), 400 bad data (naming the field). Events:"
    ]
    for name, spec in kind.spec.events.items():
        who = ", ".join(sorted(spec.roles - {"system"})) or "the system only"
        lines.append(f"- ``{name}`` ({who}): {spec.description}")
    return "\n".join(lines)


def event_route(kind: CaseKind) -> HTTPRouteHandler:
    """``POST <kind.path>/events/{event}`` for the kind's roles (the engine then checks
    the event's own roles, the case's visibility and the machine)."""
    param = path_param(kind)

    async def fire_event(
        request: Request,
        event: FromPath[str],
        actor: Actor,
        data: JSONBody[EventBody | None] = None,
        if_match: IfMatch = None,
    ) -> EventResult:
        body = data or EventBody()
        command = FireEvent(
            kind,
            request.path_params[param],
            event,
            actor,
            reason=body.reason,
            data=body.data,
            expected_version=parse_if_match(if_match),
            located=kind.locate is not None,
        )
        return await result_of(kind, await fire(command))

    return post(
        f"{typed_path(kind)}/events/{{event:str}}",
        opt=allow(*kind.roles),
        status_code=200,
        tags=[kind.spec.title.lower()],
        summary=f"Fire an event ({kind.spec.title})",
        description=describe_events(kind),
        name=f"{kind.name}-events",
    )(fire_event)


async def result_of(kind: CaseKind, outcome: EventOutcome) -> EventResult:
    final = outcome.followed_by or outcome
    return EventResult(
        id=outcome.id,
        machine=outcome.machine,
        event=outcome.event,
        from_state=outcome.from_state,
        state=outcome.state,
        version=outcome.version,
        allowed_events=outcome.allowed_events,
        message=await kind.describe(final) if kind.describe else None,
        followed_by=await result_of(kind, outcome.followed_by) if outcome.followed_by else None,
    )
