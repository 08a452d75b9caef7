"""Staff case lists: every machine's cases filtered by state, kind, organisation and
text, a page at a time, with a checkbox per row to fire one event on the selected cases.

Each selected row gets its own result. The cases go to the engine at the version the
list showed (a case changed since is left alone and says so): one :class:`FireBulk` when
the event has a set-based form, otherwise one :class:`FireEvent` per case. Only events
that need no per-case data are offered here (a score, agreements and a Registration
Number are given on each case's page)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template
from piccolo.columns import ForeignKey

from admin.case_links import case_href
from admin.event_forms import describe, refusal
from workflow.core.errors import BadInput, MachineError
from workflow.core.principal import Principal
from workflow.db import ilike
from workflow.engine.bulk import decide_by_source, fire_bulk
from workflow.engine.command import FireBulk, FireEvent
from workflow.engine.fire import check_may_fire, fire
from workflow.engine.kinds import CaseKind
from workflow.registry import KINDS, case_kind
from workflow.search.service import as_id
from workflow.tables import Organization
from workflow.web.auth import allow, staff_form
from workflow.web.params import Actor
from workflow.web.path_ids import MAX_ID
from workflow.web.rendering import cookie
from workflow.web.sessions import CSRF_FIELD, STAFF_CSRF_COOKIE

STAFF_ROLES = ("admin", "support")
PAGE_SIZE = 100
TEXT_COLUMNS = ("name", "email", "phone", "npn", "reference_number")
FILTERS = ("machine", "state", "kind", "organization", "q", "assister", "consumer")


@dataclass(frozen=True)
class RowResult:
    ok: bool
    text: str


class CaseLists(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/cases", opt=allow(*STAFF_ROLES))
    async def cases(self, request: Request, actor: Actor) -> Template:
        params = {k: request.query_params.get(k, "") for k in (*FILTERS, "page")}
        kind = case_kind(params["machine"] or "assister")
        note = _applied_note(request.query_params)
        return await list_page(request, kind, actor, params, note=note)

    @post("/cases/{machine:str}/bulk", opt=staff_form(*STAFF_ROLES), status_code=200)
    async def bulk(self, request: Request, machine: FromPath[str], actor: Actor) -> Template:
        kind = case_kind(machine)
        form = await request.form()
        params = {k: form.get(k, "") for k in (*FILTERS, "page")} | {"machine": kind.name}
        event, reason = form.get("event", ""), (form.get("reason") or "").strip() or None
        try:
            chosen = _chosen(form.getall("case", []))
            if event not in bulk_events(kind, actor):
                raise BadInput(f"event: choose one of {', '.join(bulk_events(kind, actor))}")
            check_may_fire(kind, event, actor, reason)  # the same for every row: say it once
            results = await fire_on_rows(kind, event, actor, reason, chosen)
        except (MachineError, ValueError) as exc:
            detail = exc.detail if isinstance(exc, MachineError) else str(exc)
            return await list_page(request, kind, actor, params, error=detail, status_code=400)
        applied = sum(r.ok for r in results.values())
        summary = (
            f"{event.replace('_', ' ').capitalize()}: {applied} applied, "
            f"{len(results) - applied} refused; each selected row's result is below."
        )
        return await list_page(request, kind, actor, params, results=results, note=summary)


def bulk_events(kind: CaseKind, actor: Principal) -> list[str]:
    """Events the actor may fire that need no per-case data."""
    return [
        name
        for name, spec in kind.spec.events.items()
        if actor.role in spec.roles and kind.on(name).given is None and _no_required(spec.data)
    ]


def _no_required(struct) -> bool:
    return struct is None or not any(f.required for f in msgspec.structs.fields(struct))


def _chosen(values: list[str]) -> dict[int, int]:
    """``id:version`` of each ticked row -> {id: version}."""
    chosen = {}
    for value in values:
        case_id, _, version = value.partition(":")
        if as_id(case_id) is None or as_id(version) is None:
            raise ValueError(f"case: {value[:30]!r} is not a row of this list; reload it")
        chosen[int(case_id)] = int(version)
    if not chosen:
        raise ValueError("tick at least one row, then choose the event")
    if len(chosen) > PAGE_SIZE:
        raise ValueError(f"at most {PAGE_SIZE} rows at a time")
    return chosen


async def fire_on_rows(kind: CaseKind, event: str, actor: Principal, reason: str | None,
                       chosen: dict[int, int]) -> dict[int, RowResult]:  # fmt: skip
    if kind.on(event).per_case_only:
        return await _one_by_one(kind, event, actor, reason, chosen)
    return await _set_based(kind, event, actor, reason, chosen)


async def _one_by_one(kind, event, actor, reason, chosen) -> dict[int, RowResult]:
    results = {}
    for case_id, version in chosen.items():
        command = FireEvent(kind, case_id, event, actor, reason, expected_version=version)
        try:
            results[case_id] = RowResult(True, describe(await fire(command)))
        except MachineError as exc:
            results[case_id] = RowResult(False, f"refused: {refusal(exc)}")
    return results


async def _set_based(kind, event, actor, reason, chosen) -> dict[int, RowResult]:
    command = FireBulk(kind, event, actor, reason or "", datetime.now(UTC), cases=chosen)
    outcome = await fire_bulk(command)
    decisions = decide_by_source(kind, event, None)
    moved = {i: state for state, ids in outcome.applied.items() for i in ids}
    results = {}
    for case_id in chosen:
        if case_id in moved:
            source = moved[case_id]
            text = f"{event} applied, {source} → {decisions[source].to_state}"
            results[case_id] = RowResult(True, text)
        elif case_id in outcome.stale:
            results[case_id] = RowResult(False, "refused: changed since the list was shown; "
                                                "reload and try again")  # fmt: skip
        else:
            why = outcome.refused.get(case_id) or f"{kind.noun} {case_id} not found"
            results[case_id] = RowResult(False, f"refused: {why}")
    return results


def _applied_note(query: Mapping[str, str]) -> str:
    event, case = query.get("applied", ""), query.get("case", "")
    if event and case.isdigit():
        return f"{event.replace('_', ' ').capitalize()} applied to case {case}."
    return ""


async def list_page(
    request: Request,
    kind: CaseKind,
    actor: Principal,
    params: dict[str, str],
    *,
    results: dict[int, RowResult] | None = None,
    note: str = "",
    error: str = "",
    status_code: int = 200,
) -> Template:
    try:
        rows, total, page = await find_cases(kind, params)
    except ValueError as exc:
        rows, total, page, error, status_code = [], 0, 1, str(exc), 400
    csrf = request.cookies.get(STAFF_CSRF_COOKIE) or secrets.token_urlsafe(32)
    given = {k: v for k, v in params.items() if v and k != "page"}
    context = {
        "staff": actor,
        "kind": kind,
        "machines": list(KINDS.values()),
        "params": params,
        "has_kind": "kind" in _columns(kind),
        "kinds": _choices(kind, "kind"),
        "has_org": "organization" in _columns(kind),
        "organizations": await Organization.select(Organization.id, Organization.name).order_by(
            Organization.name
        ),
        "rows": rows,
        "total": total,
        "page": page,
        "previous": _link(given, page - 1) if page > 1 else "",
        "next": _link(given, page + 1) if page * PAGE_SIZE < total else "",
        "events": [(e, kind.spec.events[e].description) for e in bulk_events(kind, actor)],
        "results": results or {},
        "names": await _names(kind, list(results or {})),
        "note": note,
        "error": error,
        "case_href": case_href,
        "tick_all": request.query_params.get("tick") == "all",
        "tick_link": "/staff/cases?" + urlencode({**given, "page": page, "tick": "all"}),
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf,
    }
    return Template(
        template_name="pages/staff/cases.html",
        context=context,
        status_code=status_code,
        cookies=[cookie(STAFF_CSRF_COOKIE, csrf, path="/staff")],
    )


async def _names(kind: CaseKind, ids: list[int]) -> dict[int, str]:
    """The names of the cases that got a result (they may have left the list)."""
    table = kind.table
    if not ids or "name" not in _columns(kind):
        return {}
    rows = await table.select(table.id, table.name).where(table.id.is_in(ids))
    return {row["id"]: row["name"] for row in rows}


def _link(given: dict[str, str], page: int) -> str:
    return "/staff/cases?" + urlencode({**given, "page": page})


def _columns(kind: CaseKind) -> dict[str, Any]:
    return {c._meta.name: c for c in kind.table._meta.columns}


def _choices(kind: CaseKind, name: str) -> list[str]:
    column = _columns(kind).get(name)
    choices = column._meta.choices if column is not None else None
    return [c.value for c in choices] if choices else []


async def find_cases(kind: CaseKind, params: Mapping[str, str]) -> tuple[list, int, int]:
    """A page of the kind's cases matching the filters, newest first, and the total."""
    table, columns = kind.table, _columns(kind)
    where = []
    state = params.get("state", "")
    if state:
        if state not in kind.spec.states:
            raise ValueError(f"state: {state!r} is not a state of {kind.spec.title}; "
                             f"states: {', '.join(kind.spec.states)}")  # fmt: skip
        where.append(table.state == state)
    if params.get("kind") and "kind" in columns:
        if params["kind"] not in _choices(kind, "kind"):
            raise ValueError(f"kind: choose one of {', '.join(_choices(kind, 'kind'))}")
        where.append(table.kind == params["kind"])
    for name in ("organization", "assister", "consumer"):
        value = params.get(name, "")
        if value and isinstance(columns.get(name), ForeignKey):
            if as_id(value) is None:
                raise ValueError(f"{name}: give an id (a whole number from 1 to {MAX_ID})")
            where.append(columns[name] == as_id(value))
    text = (params.get("q") or "").strip()
    if text:
        if len(text) > 100:
            raise ValueError("q: at most 100 characters")
        like = "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"
        matches = [ilike(columns[c], like) for c in TEXT_COLUMNS if c in columns]
        condition = table.id == as_id(text) if as_id(text) is not None else None
        for match in matches:
            condition = match if condition is None else condition | match
        if condition is None:
            raise ValueError(f"q: {kind.noun} cases are found by id only")
        where.append(condition)
    page = int(params["page"]) if str(params.get("page", "")).isdigit() else 1
    page = max(page, 1)
    shown = [table.id, table.state, table.version]
    shown += [columns[c] for c in ("name", "kind", "email", "npn") if c in columns]
    if "organization" in columns:
        shown.append(table.organization.name.as_alias("organization_name"))
    query, count = table.select(*shown), table.count()
    if where:
        query, count = query.where(*where), count.where(*where)
    rows = (
        await query.order_by(table.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return rows, await count, page
