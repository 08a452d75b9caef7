"""The admin's "Fire an event" and bulk forms, generated from the machine declarations.

For every machine there is one form to fire an event at one case and one to fire an event
at many. Their event lists are the events staff may fire (the declaration's roles), their
data fields are the events' declared data, and they call ``fire_case_event``, the same
function the API's validation route uses and that calls ``apply_event`` like every other
route. A refused event shows the API's own message.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from typing import Any, Literal, Optional

import msgspec
from pydantic import BaseModel, Field, create_model

from admin.auth import principal_of
from workflow.machines.base import MachineSpec
from workflow.services.case_events import Fired, fire_case_event
from workflow.services.case_kinds import case_kinds
from workflow.services.cases import CaseKind
from workflow.services.errors import MachineError

STAFF = {"admin", "support"}
GROUP = "Move cases"
MAX_BULK = 1000

# The NPN validation's declared data is what the registry answered, filled in by the
# service; the one thing staff type is the registry NPN for correct_record.
STAFF_DATA: dict[str, dict[str, dict[str, type]]] = {
    "npn_validation": {"correct_record": {"npn": str}},
}


def staff_events(spec: MachineSpec) -> list[str]:
    return [name for name, event in spec.events.items() if event.roles & STAFF]


def data_fields(spec: MachineSpec) -> dict[str, dict[str, type]]:
    """event -> {field: plain type} for the data staff give with that event."""
    if spec.name in STAFF_DATA:
        return STAFF_DATA[spec.name]
    fields: dict[str, dict[str, type]] = {}
    for name in staff_events(spec):
        struct = spec.events[name].data
        if struct is not None:
            fields[name] = {f.name: _plain(f.type) for f in msgspec.structs.fields(struct)}
    return fields


def _plain(annotation: Any) -> Any:
    """``Annotated[int, Meta(...)] | None`` -> ``int``: the form takes the value, the
    machine's own declaration validates it (and says what is wrong)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _plain(options[0])
    if origin is list:
        return list[_plain(typing.get_args(annotation)[0])]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return Literal[tuple(member.value for member in annotation)]
    return annotation


def _events_choice(spec: MachineSpec) -> Any:
    # A Literal (not an Enum): the schema lists the values inline.
    return Literal[tuple(staff_events(spec))]


def _data_model_fields(spec: MachineSpec) -> dict[str, Any]:
    merged: dict[str, tuple[Any, Any]] = {}
    for fields in data_fields(spec).values():
        for name, kind in fields.items():
            if name in merged:
                continue
            users = [e for e, f in data_fields(spec).items() if name in f]
            values = _literal_values(kind)
            merged[name] = (
                Optional[kind],  # noqa: UP045 (pydantic renders Optional as not required)
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


def _literal_values(kind: Any) -> tuple | None:
    if typing.get_origin(kind) is Literal:
        return typing.get_args(kind)
    if typing.get_origin(kind) is list:
        return _literal_values(typing.get_args(kind)[0])
    return None


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
        **_data_model_fields(spec),
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
        **_data_model_fields(spec),
    )


def event_data(spec: MachineSpec, event: str, form: BaseModel) -> dict[str, Any]:
    """The data fields given, checked against what ``event`` takes."""
    takes = data_fields(spec).get(event, {})
    given = {
        name: getattr(form, name)
        for fields in data_fields(spec).values()
        for name in fields
        if getattr(form, name, None) not in (None, "", [])
    }
    wrong = sorted(set(given) - set(takes))
    if wrong:
        what = ", ".join(sorted(takes)) or "no data"
        raise ValueError(f"{', '.join(wrong)}: not data for {event}; {event} takes {what}")
    return {k: v.value if isinstance(v, enum.Enum) else v for k, v in given.items()}


def describe(fired: Fired) -> str:
    o = fired.outcome
    text = (
        f"{o.machine} {o.id}: {o.event} applied, {o.from_state} → {o.state} (version {o.version})"
    )
    if fired.followed_by is not None:
        f = fired.followed_by
        text += f"; then {f.event}: {f.from_state} → {f.state}"
    return text


def single_endpoint(kind: CaseKind):
    async def endpoint(request, form) -> str:
        actor = await principal_of(request)
        event = form.event
        try:
            fired = await fire_case_event(
                kind.name,
                form.case_id,
                event,
                actor,
                reason=form.reason.strip() or None,
                data=event_data(kind.spec, event, form) or None,
                expected_version=form.expected_version,
            )
        except MachineError as exc:
            raise ValueError(refusal(exc)) from None
        return describe(fired)

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
        event = form.event
        data = event_data(kind.spec, event, form) or None
        lines, applied = [], 0
        for case_id in parse_ids(form.case_ids):
            try:
                fired = await fire_case_event(
                    kind.name, case_id, event, actor, reason=form.reason.strip() or None, data=data
                )
            except MachineError as exc:
                lines.append(f"✗ {kind.noun} {case_id}: refused: {refusal(exc)}")
            else:
                applied += 1
                lines.append(f"✓ {describe(fired)}")
        head = f"{event}: {applied} applied, {len(lines) - applied} refused."
        return "\n".join([head, *lines])

    return endpoint


def event_forms():
    from piccolo_admin.endpoints import FormConfig

    forms = []
    for kind in case_kinds().values():
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
