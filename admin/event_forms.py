"""The admin's "Fire an event" and bulk forms, generated from the machine declarations.

For every machine there is one form to fire an event at one case and one to fire an event
at many. Their event lists are the events staff may fire (the declaration's roles), their
data fields are the events' declared data (or, where the binding gathers the data itself,
what it asks the caller for), and they hand the engine the same command as every other
caller: one :class:`FireEvent` per case, or one :class:`FireBulk` for events that have a
set-based form. A refused event shows the API's own message.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime
from typing import Any, Literal, Optional

import msgspec
from piccolo_admin.endpoints import FormConfig
from pydantic import BaseModel, Field, create_model

from admin.auth import principal_of
from admin.case_forms import literal_values, plain
from workflow.core.errors import MachineError
from workflow.core.machine import MachineSpec
from workflow.engine.bulk import decide_by_source, fire_bulk, visible_versions
from workflow.engine.command import EventOutcome, FireBulk, FireEvent
from workflow.engine.fire import fire
from workflow.engine.kinds import CaseKind
from workflow.registry import KINDS

STAFF = {"admin", "support"}
GROUP = "Move cases"
MAX_BULK = 1000


def staff_events(spec: MachineSpec) -> list[str]:
    return [name for name, event in spec.events.items() if event.roles & STAFF]


def data_fields(kind: CaseKind) -> dict[str, dict[str, type]]:
    """event -> {field: plain type} for the data staff give with that event: the declared
    data, or what the binding asks for when it gathers the data itself (``On.given``)."""
    fields: dict[str, dict[str, type]] = {}
    for name in staff_events(kind.spec):
        given = kind.on(name).given
        struct = kind.spec.events[name].data
        if given is not None:
            if given:
                fields[name] = dict(given)
        elif struct is not None:
            fields[name] = {f.name: plain(f.type) for f in msgspec.structs.fields(struct)}
    return fields


def _events_choice(spec: MachineSpec) -> Any:
    # A Literal (not an Enum): the schema lists the values inline.
    return Literal[tuple(staff_events(spec))]


def _data_model_fields(kind: CaseKind) -> dict[str, Any]:
    merged: dict[str, tuple[Any, Any]] = {}
    for fields in data_fields(kind).values():
        for name, kind_of in fields.items():
            if name in merged:
                continue
            users = [e for e, f in data_fields(kind).items() if name in f]
            values = literal_values(kind_of)
            merged[name] = (
                Optional[kind_of],  # noqa: UP045 (pydantic renders Optional as not required)
                Field(
                    None,
                    title=_title(name),
                    description=f"data for {', '.join(users)}",
                    json_schema_extra=choices(values) if values else None,
                ),
            )
    return merged


def choices(values, descriptions: dict[str, str] | None = None) -> dict[str, Any]:
    """``choices`` as piccolo's own models write a column's, plus each value's
    description: ``admin/form_choices.py`` draws the field as a drop-down from them."""
    listed = {str(v): {"display_name": str(v).replace("_", " "), "value": v} for v in values}
    for value, text in (descriptions or {}).items():
        listed[value]["description"] = text
    return {"extra": {"choices": listed}}


def _event_choices(spec: MachineSpec) -> dict[str, Any]:
    events = staff_events(spec)
    return choices(events, {name: spec.events[name].description for name in events})


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _event_help(spec: MachineSpec) -> str:
    lines = [f"{name}: {spec.events[name].description}" for name in staff_events(spec)]
    return " · ".join(lines)


def single_model(kind: CaseKind) -> type[BaseModel]:
    spec = kind.spec
    return create_model(
        f"Fire{spec.name.title().replace('_', '')}Event",
        case_id=(int, Field(..., ge=1, title="Case id", description=f"the {kind.noun}'s id")),
        event=(
            _events_choice(spec),
            Field(
                ...,
                title="Event",
                description=_event_help(spec),
                json_schema_extra=_event_choices(spec),
            ),
        ),
        reason=(str, Field("", max_length=2000, description="why (kept in the history)")),
        expected_version=(
            Optional[int],  # noqa: UP045
            Field(None, description="fire only if the case is still at this version"),
        ),
        **_data_model_fields(kind),
    )


def bulk_model(kind: CaseKind) -> type[BaseModel]:
    spec = kind.spec
    return create_model(
        f"Bulk{spec.name.title().replace('_', '')}Event",
        case_ids=(
            str,
            Field(..., description=f"{kind.noun} ids, separated by commas, spaces or lines"),
        ),
        event=(
            _events_choice(spec),
            Field(
                ...,
                title="Event",
                description=_event_help(spec),
                json_schema_extra=_event_choices(spec),
            ),
        ),
        reason=(str, Field("", max_length=2000, description="why (kept in each history)")),
        **_data_model_fields(kind),
    )


def event_data(kind: CaseKind, event: str, form: BaseModel) -> dict[str, Any]:
    """The data fields given, checked against what ``event`` takes."""
    takes = data_fields(kind).get(event, {})
    given = {
        name: getattr(form, name)
        for fields in data_fields(kind).values()
        for name in fields
        if getattr(form, name, None) not in (None, "", [])
    }
    wrong = sorted(set(given) - set(takes))
    if wrong:
        what = ", ".join(sorted(takes)) or "no data"
        raise ValueError(f"{', '.join(wrong)}: not data for {event}; {event} takes {what}")
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in given.items()}


def describe(o: EventOutcome) -> str:
    text = (
        f"{o.machine} {o.id}: {o.event} applied, {o.from_state} → {o.state} (version {o.version})"
    )
    if o.followed_by is not None:
        f = o.followed_by
        text += f"; then {f.event}: {f.from_state} → {f.state}"
    return text


def single_endpoint(kind: CaseKind):
    async def endpoint(request, form) -> str:
        actor = await principal_of(request)
        event = form.event
        command = FireEvent(
            kind,
            form.case_id,
            event,
            actor,
            reason=form.reason.strip() or None,
            data=event_data(kind, event, form) or None,
            expected_version=form.expected_version,
        )
        try:
            return describe(await fire(command))
        except MachineError as exc:
            raise ValueError(refusal(exc)) from None

    return endpoint


def refusal(exc: MachineError) -> str:
    """The API's message, with the events allowed now unless it names them already."""
    allowed = getattr(exc, "allowed_events", None)
    if allowed is not None and "allowed now" not in exc.detail:
        return f"{exc.detail} (allowed now: {', '.join(allowed) or 'none'})"
    return exc.detail


def parse_ids(text: str) -> list[int]:
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        raise ValueError(f"case_ids: {', '.join(bad[:5])} not an id; give numbers only")
    ids = list(dict.fromkeys(int(p) for p in parts))
    if not ids:
        raise ValueError("case_ids: give at least one id")
    if len(ids) > MAX_BULK:
        raise ValueError(f"case_ids: at most {MAX_BULK} at a time (got {len(ids)})")
    return ids


def bulk_endpoint(kind: CaseKind):
    async def endpoint(request, form) -> str:
        actor = await principal_of(request)
        event, reason = form.event, form.reason.strip() or None
        data = event_data(kind, event, form) or None
        ids = parse_ids(form.case_ids)
        try:
            if kind.on(event).per_case_only:
                lines, applied = await _one_by_one(kind, ids, event, actor, reason, data)
            else:
                lines, applied = await _set_based(kind, ids, event, actor, reason, data)
        except MachineError as exc:  # refused for all alike (e.g. the role, the reason)
            raise ValueError(refusal(exc)) from None
        head = f"{event}: {applied} applied, {len(lines) - applied} refused."
        return "\n".join([head, *lines])

    return endpoint


async def _one_by_one(kind, ids, event, actor, reason, data) -> tuple[list[str], int]:
    """Events without a set-based form: one command per case, each on its own."""
    lines, applied = [], 0
    for case_id in ids:
        try:
            outcome = await fire(FireEvent(kind, case_id, event, actor, reason, data))
        except MachineError as exc:
            lines.append(f"✗ {kind.noun} {case_id}: refused: {refusal(exc)}")
        else:
            applied += 1
            lines.append(f"✓ {describe(outcome)}")
    return lines, applied


async def _set_based(kind, ids, event, actor, reason, data) -> tuple[list[str], int]:
    """One bulk command: the cases the caller may see, at the versions they are at now."""
    visible = await visible_versions(kind, ids, actor)
    # The bulk effect reads the event's data as its context (a message to consumers).
    outcome = await fire_bulk(FireBulk(kind, event, actor, reason or "", datetime.now(UTC),
                                       cases=visible, data=data,
                                       context=dict(data or {})))  # fmt: skip
    decisions = decide_by_source(kind, event, data)
    moved = {i: state for state, group in outcome.applied.items() for i in group}
    lines = []
    for case_id in ids:
        if case_id in moved:
            source = moved[case_id]
            dest = decisions[source].to_state
            lines.append(f"✓ {kind.name} {case_id}: {event} applied, {source} → {dest}")
        elif case_id not in visible:
            lines.append(f"✗ {kind.noun} {case_id}: refused: {kind.noun} {case_id} not found")
        elif case_id in outcome.stale:
            lines.append(f"✗ {kind.noun} {case_id}: refused: changed meanwhile; try again")
        else:
            lines.append(f"✗ {kind.noun} {case_id}: refused: {outcome.refused.get(case_id)}")
    return lines, len(moved)


def event_forms():
    forms = []
    for kind in KINDS.values():
        if not staff_events(kind.spec):
            continue
        title = kind.spec.title
        forms.append(
            FormConfig(
                name=f"Fire event on {title}",
                pydantic_model=single_model(kind),
                endpoint=single_endpoint(kind),
                description=f"Move one {kind.noun} through its machine ({title}). "
                "Pick the case by id and an event; the rules and messages are the API's.",
                form_group=GROUP,
            )
        )
        forms.append(
            FormConfig(
                name=f"Bulk event on {title}",
                pydantic_model=bulk_model(kind),
                endpoint=bulk_endpoint(kind),
                description=f"Fire one event at many {kind.noun}s; each is applied or "
                "refused on its own, and all are reported.",
                form_group=GROUP,
            )
        )
    return forms
