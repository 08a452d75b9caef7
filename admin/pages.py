"""Staff pages beside piccolo-admin, linked from its sidebar: the dashboard, support's
queue of stuck validations (a page per case: ``case_page.py``). They read the admin's
session cookie (``web/auth.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template

from admin.dashboard import funnel, machine_counts, recent_events
from workflow.core.business_days import SlaStatus
from workflow.core.errors import BadInput
from workflow.core.settings import get_settings
from workflow.validations.machine import FAILURES, STUCK, ValidationState
from workflow.validations.queue import support_queue
from workflow.web.auth import allow
from workflow.web.params import Actor, Text

STAFF = allow("admin", "support")
QUEUE_PAGE = 100
Page = Annotated[int, QueryParameter(ge=1, le=100_000, description="page, from 1")]


class StaffPages(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/dashboard", opt=STAFF)
    async def dashboard(self, actor: Actor) -> Template:
        machines = await machine_counts()
        assister = next(m for m in machines if m.name == "assister")
        context = {
            "staff": actor,
            "machines": machines,
            "funnel": funnel(assister),
            "recent": await recent_events(),
        }
        return Template(template_name="pages/staff/dashboard.html", context=context)

    @get("/validations", opt=STAFF)
    async def validations(
        self,
        actor: Actor,
        q: Text = None,
        sla: Annotated[SlaStatus | None, QueryParameter()] = None,
        state_filter: Annotated[ValidationState | None, QueryParameter(name="state")] = None,
        failure: Annotated[ValidationState | None, QueryParameter()] = None,
        page: Page = 1,
    ) -> Template:
        """The support queue, filtered like ``GET /support/validations``, a page at a time."""
        settings = get_settings()
        try:
            items, total = await support_queue(
                actor,
                datetime.now(UTC),
                state=state_filter,
                failure=failure,
                sla=sla,
                q=q,
                limit=QUEUE_PAGE,
                offset=(page - 1) * QUEUE_PAGE,
            )
            error = None
        except BadInput as exc:
            items, total, error, q = [], 0, exc.detail, None
        filters = {"q": q or "", "sla": _value(sla), "state": _value(state_filter)}
        filters["failure"] = _value(failure)
        context = {
            "staff": actor,
            "items": items,
            "total": total,
            **filters,
            "states": [s.value for s in STUCK],
            "failures": [f.value for f in FAILURES],
            "page": page,
            "first": (page - 1) * QUEUE_PAGE + 1 if items else 0,
            "last": (page - 1) * QUEUE_PAGE + len(items),
            "previous": _page_link(filters, page - 1) if page > 1 else None,
            "next": _page_link(filters, page + 1) if page * QUEUE_PAGE < total else None,
            "error": error,
            "due": settings.validation_sla_due_business_days,
            "breach": settings.validation_sla_breach_business_days,
        }
        return Template(
            template_name="pages/staff/validations.html",
            context=context,
            status_code=400 if error else 200,
        )


def _value(choice) -> str:
    return choice.value if choice else ""


def _page_link(filters: dict[str, str], page: int) -> str:
    given = {k: v for k, v in filters.items() if v}
    return "/staff/validations?" + urlencode({**given, "page": page})
