"""The staff page of one case: state, version, the events allowed now with a form each
(only that event's fields, the version filled in), the diagram and the history. A form
hands the engine the same command as the API; a refusal is shown on the page in the
engine's own words."""

from __future__ import annotations

import secrets

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from admin.case_forms import event_fields, form_data
from workflow.core.errors import MachineError
from workflow.core.principal import Principal
from workflow.engine.cases import load_case
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.engine.history import case_history
from workflow.engine.kinds import CaseKind
from workflow.registry import case_kind
from workflow.web.auth import allow, staff_form
from workflow.web.params import Actor
from workflow.web.rendering import cookie, status_of
from workflow.web.sessions import CSRF_FIELD, STAFF_CSRF_COOKIE

STAFF_ROLES = ("admin", "support")
CASE = "/cases/{machine:str}/{case_id:int}"


class CasePages(Controller):
    path = "/staff"
    include_in_schema = False

    @get(CASE, opt=allow(*STAFF_ROLES))
    async def case(
        self, request: Request, machine: FromPath[str], case_id: FromPath[int], actor: Actor
    ) -> Template:
        kind = case_kind(machine)
        applied = request.query_params.get("applied", "")
        return await case_page(request, kind, case_id, actor, applied=applied)

    @post(f"{CASE}/events/{{event:str}}", opt=staff_form(*STAFF_ROLES), status_code=303)
    async def fire_event(
        self,
        request: Request,
        machine: FromPath[str],
        case_id: FromPath[int],
        event: FromPath[str],
        actor: Actor,
    ) -> Redirect | Template:
        kind = case_kind(machine)
        form = await request.form()
        try:
            version = form.get("expected_version", "").strip()
            command = FireEvent(
                kind,
                case_id,
                event,
                actor,
                reason=(form.get("reason") or "").strip() or None,
                data=form_data(kind, event, form) if event in kind.spec.events else None,
                expected_version=int(version) if version.isdigit() else None,
            )
            await fire(command)
        except MachineError as refusal:
            return await case_page(
                request, kind, case_id, actor, refused=(event, refusal.detail),
                status_code=status_of(refusal),
            )  # fmt: skip
        return Redirect(f"/staff/cases/{kind.name}/{case_id}?applied={event}", status_code=303)


async def case_page(
    request: Request,
    kind: CaseKind,
    case_id: int,
    actor: Principal,
    *,
    applied: str = "",
    refused: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    row = await load_case(kind, case_id, actor)
    csrf = request.cookies.get(STAFF_CSRF_COOKIE) or secrets.token_urlsafe(32)
    events = [e for e in kind.spec.events_for(row["state"], actor.role)]
    context = {
        "staff": actor,
        "kind": kind,
        "case": row,
        "allowed": kind.spec.allowed_events(row["state"]),
        "forms": [(e, kind.spec.events[e], event_fields(kind, e)) for e in events],
        "history": await case_history(kind.name, case_id),
        "diagram": f"{kind.url_of(row)}/diagram.svg",
        "applied": applied if applied in kind.spec.events else "",
        "refused": refused,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf,
    }
    return Template(
        template_name="pages/staff/case.html",
        context=context,
        status_code=status_code,
        cookies=[cookie(STAFF_CSRF_COOKIE, csrf, path="/staff")],
    )
