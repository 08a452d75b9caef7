"""A broker's NPN validation: read it, its history, and fire its events."""

from __future__ import annotations

from litestar import Controller, get

from workflow.engine.history import case_history
from workflow.validations.binding import case_for
from workflow.validations.machine import VALIDATION
from workflow.validations.schemas import ValidationRead
from workflow.validations.views import get_validation
from workflow.web.auth import allow
from workflow.web.params import Actor, Id
from workflow.web.schemas import HistoryEntry, convert

READERS = allow("admin", "support", "agency_admin", "assister")
FIRERS = allow("admin", "support", "assister")


class ValidationController(Controller):
    path = "/assisters/{assister_id:int}/validation"
    tags = ["npn validation"]

    @get("/", opt=READERS)
    async def read(self, assister_id: Id, actor: Actor) -> ValidationRead:
        """The broker's NPN validation: ``state`` (also their ``npn_status``),
        ``version``, ``allowed_events``, the ``message`` telling the broker what to do,
        a ``hint`` when the NPN looks like another number, and for stuck validations the
        business days waited and the SLA. 404 for navigators and CACs."""
        return convert(await get_validation(assister_id, actor), ValidationRead)

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
