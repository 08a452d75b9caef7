"""Staff pages beside piccolo-admin, linked from its sidebar: the dashboard, support's
queue of stuck validations (a page per case: ``case_page.py``). They read the admin's
session cookie (``web/auth.py``)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from admin.case_forms import event_fields
from admin.dashboard import funnel, machine_counts, recent_events
from workflow.core.business_days import SlaStatus
from workflow.core.errors import BadInput
from workflow.core.settings import get_settings
from workflow.registry import case_kind
from workflow.tables import NpnValidation
from workflow.validations.machine import FAILURES, STUCK, VALIDATION, ValidationState
from workflow.validations.queue import support_queue
from workflow.validations.sla import as_of_moment
from workflow.web.auth import allow
from workflow.web.params import Actor, Text
from workflow.web.rendering import cookie
from workflow.web.sessions import CSRF_FIELD, STAFF_CSRF_COOKIE

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
        request: Request,
        actor: Actor,
        q: Text = None,
        sla: Annotated[SlaStatus | None, QueryParameter()] = None,
        state_filter: Annotated[ValidationState | None, QueryParameter(name="state")] = None,
        failure: Annotated[ValidationState | None, QueryParameter()] = None,
        page: Page = 1,
        as_of: Annotated[str | None, QueryParameter(max_length=20)] = None,
        applied: Annotated[str | None, QueryParameter(max_length=40)] = None,
        case: Annotated[int | None, QueryParameter(ge=1, le=10**12)] = None,
    ) -> Template:
        """The support queue, filtered like ``GET /support/validations``, a page at a time,
        each row with its resolving events as buttons (they post to the case page's form
        route and come back here)."""
        settings = get_settings()
        csrf = request.cookies.get(STAFF_CSRF_COOKIE) or secrets.token_urlsafe(32)
        try:
            items, total = await support_queue(
                actor,
                as_of_moment(as_of, datetime.now(UTC)),
                state=state_filter,
                failure=failure,
                sla=sla,
                q=q,
                limit=QUEUE_PAGE,
                offset=(page - 1) * QUEUE_PAGE,
            )
            error = None
        except BadInput as exc:
            items, total, error, q, as_of = [], 0, exc.detail, None, None
        filters = {"q": q or "", "sla": _value(sla), "state": _value(state_filter)}
        filters["failure"] = _value(failure)
        filters["as_of"] = (as_of or "").strip()
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
            "actions": {item["id"]: row_actions(item, actor.role) for item in items},
            "back": _page_link(filters, page),
            "applied": (applied or "").replace("_", " ").capitalize() if applied else "",
            "applied_case": case,
            "applied_state": await _state_of(case) if applied and case else "",
            "csrf_field": CSRF_FIELD,
            "csrf_token": csrf,
            "due": settings.validation_sla_due_business_days,
            "breach": settings.validation_sla_breach_business_days,
        }
        return Template(
            template_name="pages/staff/validations.html",
            context=context,
            status_code=400 if error else 200,
            cookies=[cookie(STAFF_CSRF_COOKIE, csrf, path="/staff")],
        )


def row_actions(item: dict, role: str) -> list[tuple[str, str, list]]:
    """The events this role may fire on a queue row now, minus those a rule refuses:
    (event, description, its fields) for the row's buttons."""
    blocked = {b["event"] for b in item["blocked_events"]}
    kind = case_kind(VALIDATION.name)
    return [
        (event, VALIDATION.events[event].description, event_fields(kind, event))
        for event in VALIDATION.events_for(item["state"], role)
        if event not in blocked
    ]


async def _state_of(validation_id: int) -> str:
    row = (
        await NpnValidation.select(NpnValidation.state)
        .where(NpnValidation.id == validation_id)
        .first()
    )
    return row["state"] if row else ""


def _value(choice) -> str:
    return choice.value if choice else ""


def _page_link(filters: dict[str, str], page: int) -> str:
    given = {k: v for k, v in filters.items() if v}
    return "/staff/validations?" + urlencode({**given, "page": page})
