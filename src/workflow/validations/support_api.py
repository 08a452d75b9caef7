"""Support's queue of stuck NPN validations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from workflow.core.business_days import SlaStatus
from workflow.validations.machine import ValidationState
from workflow.validations.queue import support_queue
from workflow.validations.schemas import SupportQueueItem, SupportQueuePage
from workflow.validations.sla import as_of_moment
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Actor, Limit, Offset, Text
from workflow.web.schemas import convert


class SupportController(Controller):
    path = "/support"
    tags = ["support"]

    @get("/validations", opt=allow("admin", "support"))
    async def validations(
        self,
        actor: Actor,
        state_filter: Annotated[ValidationState | None, QueryParameter(name="state")] = None,
        failure: Annotated[ValidationState | None, QueryParameter()] = None,
        sla: Annotated[SlaStatus | None, QueryParameter()] = None,
        q: Text = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        as_of: Annotated[
            str | None,
            QueryParameter(
                max_length=20,
                description="judge waiting days, due and breached on this day (YYYY-MM-DD) "
                "instead of today, e.g. for a report",
            ),
        ] = None,
    ) -> SupportQueuePage:
        """Stuck NPN validations (every failure, and those escalated to support), longest
        waiting first, with the failure, the business days waited (weekends and US
        federal holidays excluded) and the SLA: ``due_by`` (target, 5 business days by
        default), ``breached_after`` (limit, 7) and ``sla`` = within, due or breached.
        Filter by ``state``, ``failure`` (also matches escalated cases), ``sla`` and
        ``q`` (name or NPN); ``as_of=YYYY-MM-DD`` judges the SLA on that day. Each
        item's ``blocked_events`` lists the events a rule refuses now. Fire support
        actions on
        ``/assisters/{assister_id}/validation/events/{event}``."""
        items, total = await support_queue(
            actor,
            as_of_moment(as_of, datetime.now(UTC)),
            state=state_filter,
            failure=failure,
            sla=sla,
            q=q,
            limit=limit,
            offset=offset,
        )
        return SupportQueuePage(convert(items, list[SupportQueueItem]), total, limit, offset)
