"""The staff page of one case: state, version, the events allowed now with a form each
(only that event's fields, the version filled in), the diagram and the history. A form
hands the engine the same command as the API; a refusal is shown on the page in the
engine's own words."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from piccolo.columns import ForeignKey

from admin.case_forms import event_fields, form_data, label
from admin.case_links import linked_cases
from workflow.core.errors import MachineError
from workflow.core.principal import Principal
from workflow.engine.cases import blocked_events, load_case
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.engine.history import case_history, refused_attempts
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
        back = (form.get("next") or "").strip()
        if back.startswith("/staff/") and "//" not in back and "\\" not in back:
            joiner = "&" if "?" in back else "?"
            query = urlencode({"applied": event, "machine": kind.name, "case": case_id})
            return Redirect(f"{back}{joiner}{query}", status_code=303)
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
    blocked = await blocked_events(kind, row)
    waiting = {b["event"] for b in blocked}
    events = [e for e in kind.spec.events_for(row["state"], actor.role) if e not in waiting]
    context = {
        "staff": actor,
        "kind": kind,
        "case": row,
        "state_description": kind.spec.state_descriptions.get(row["state"], ""),
        "facts": key_facts(kind, row),
        "links": await linked_cases(kind, row),
        "allowed": kind.spec.allowed_events(row["state"]),
        "forms": [(e, kind.spec.events[e], event_fields(kind, e)) for e in events],
        "blocked": blocked,
        "history": await history_with_refusals(kind, case_id),
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


HIDDEN_FACTS = {"id", "state", "version"}


def key_facts(kind: CaseKind, row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The row's own columns as (label, text), leaving out secrets, links (shown apart)
    and empty values: what a case is, read off its table."""
    table = kind.table
    facts = []
    for column in table._meta.columns:
        name = column._meta.name
        value = row.get(name)
        if name in HIDDEN_FACTS or column._meta.secret or isinstance(column, ForeignKey):
            continue
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M UTC")
        facts.append((label(name), str(value)))
    return facts


async def history_with_refusals(kind: CaseKind, case_id: int) -> list[dict[str, Any]]:
    """Applied events (their data as the history keeps it: redacted as the machine
    declares) and, from the audit log, the events refused on this case, by time."""
    applied = [
        {**h, "refused": False, "data_text": data_text(h["data"])}
        for h in await case_history(kind.name, case_id)
    ]
    refusals = [
        {**r, "refused": True, "from_state": "", "to_state": "", "data_text": ""}
        for r in await refused_attempts(kind.name, case_id)
    ]
    # The history in its own order; each refusal goes before the first event after it.
    merged: list[dict[str, Any]] = []
    for row in applied:
        while refusals and _utc(refusals[0]["at"]) < _utc(row["at"]):
            merged.append(refusals.pop(0))
        merged.append(row)
    return merged + refusals


def data_text(data: Mapping[str, Any] | None) -> str:
    """An event's data as a line people read: ``score: 91; agreements: individual``."""
    parts = []
    for key, value in (data or {}).items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        parts.append(f"{label(key)}: {_plain(value)}")
    return "; ".join(parts)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        shown = {k: v for k, v in value.items() if v not in (None, "", [], {})}
        return "(" + ", ".join(f"{k.replace('_', ' ')} {_plain(v)}" for k, v in shown.items()) + ")"
    return str(value)


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
