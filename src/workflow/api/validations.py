"""A broker's NPN validation: read it, its history, and fire its events."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from workflow.api.assisters import IfMatch, parse_if_match
from workflow.api.auth import allow
from workflow.api.diagrams import case_diagram_routes
from workflow.api.params import Actor, Id
from workflow.api.schemas import EventBody, EventResult, HistoryEntry, convert
from workflow.api.validation_schemas import ValidationEventResult, ValidationOut
from workflow.machines.validation import VALIDATION
from workflow.services.assisters import case_history
from workflow.services.case_events import fire_validation_event
from workflow.services.events import EventOutcome
from workflow.services.validation_views import get_validation, outcome_message
from workflow.services.validations import case_for

READERS = allow("admin", "support", "agency_admin", "assister")
FIRERS = allow("admin", "support", "assister")


class ValidationController(Controller):
    path = "/assisters/{assister_id:int}/validation"
    tags = ["npn validation"]

    @get("/", opt=READERS)
    async def read(self, assister_id: Id, actor: Actor) -> ValidationOut:
        """The broker's NPN validation: ``state`` (also their ``npn_status``),
        ``version``, ``allowed_events``, the ``message`` telling the broker what to do,
        a ``hint`` when the NPN looks like another number, and for stuck validations the
        business days waited and the SLA. 404 for navigators and CACs."""
        return convert(await get_validation(assister_id, actor), ValidationOut)

    @get("/history", opt=READERS)
    async def history(self, assister_id: Id, actor: Actor) -> list[HistoryEntry]:
        """Every applied validation event, oldest first; staff also see the registry's
        record each check was made against."""
        _, case = await case_for(assister_id, actor)
        history = await case_history(VALIDATION.name, case["id"])
        if not actor.is_staff:  # the registry's full record is for support's eyes
            for entry in history:
                entry["data"].pop("record", None)
        return convert(history, list[HistoryEntry])

    @post("/events/{event:str}", opt=FIRERS, status_code=200)
    async def fire(
        self,
        assister_id: Id,
        event: FromPath[str],
        actor: Actor,
        data: JSONBody[EventBody | None] = None,
        if_match: IfMatch = None,
    ) -> ValidationEventResult:
        """``revalidate`` (the broker, support, admin; no data: the service asks the
        registry) or a support action, each with a ``reason``: ``escalate``,
        ``confirm_identity``, ``correct_record`` (data ``{"npn": ...}``: the registry
        record whose name and NPN to copy; default the profile's NPN) and ``resolve``
        (which validates again at once: see ``followed_by``)."""
        body = data or EventBody()
        fired = await fire_validation_event(
            assister_id,
            event,
            actor,
            reason=body.reason,
            data=body.data,
            expected_version=parse_if_match(if_match),
        )
        final = fired.followed_by or fired.outcome
        return _result(fired.outcome, fired.followed_by, await outcome_message(final))


async def validation_id_of(assister_id: int, actor) -> int:
    """The broker's validation case, for the per-case diagram (404 as for reading it)."""
    _, case = await case_for(assister_id, actor)
    return case["id"]


# GET /assisters/{id}/validation/diagram.svg and .mmd: this broker's validation drawn.
VALIDATION_DIAGRAM_ROUTES = case_diagram_routes(
    VALIDATION.name,
    "/assisters/{case_id:int}/validation",
    roles=("admin", "support", "assister"),
    find_case=validation_id_of,
)


def _event_result(o: EventOutcome) -> EventResult:
    return EventResult(o.id, o.machine, o.event, o.from_state, o.state, o.version, o.allowed_events)


def _result(o: EventOutcome, followed: EventOutcome | None, message: str) -> ValidationEventResult:
    return ValidationEventResult(
        id=o.id,
        machine=o.machine,
        event=o.event,
        from_state=o.from_state,
        state=o.state,
        version=o.version,
        allowed_events=o.allowed_events,
        message=message,
        followed_by=_event_result(followed) if followed else None,
    )
