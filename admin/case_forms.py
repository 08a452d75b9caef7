"""The fields of one event's form, read off the machine's declaration: what the staff
case page shows for each event allowed now, and how it reads what was typed back into
the event's data (the engine then checks it like any caller's)."""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from workflow.core.errors import BadInput
from workflow.engine.kinds import CaseKind


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    input: str  # text, number, select (one choice) or checkboxes (several)
    choices: tuple[str, ...] = ()
    required: bool = False


def plain(annotation: Any) -> Any:
    """``Annotated[int, Meta(...)] | None`` -> ``int``; enums become a ``Literal`` of their
    values: what a form can show. The machine's declaration still validates the value."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return plain(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return plain(options[0])
    if origin is list:
        return list[plain(typing.get_args(annotation)[0])]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return Literal[tuple(member.value for member in annotation)]
    return annotation


def literal_values(kind: Any) -> tuple | None:
    if typing.get_origin(kind) is Literal:
        return typing.get_args(kind)
    if typing.get_origin(kind) is list:
        return literal_values(typing.get_args(kind)[0])
    return None


ACRONYMS = {"npn": "NPN", "ssn": "SSN"}


def label(name: str) -> str:
    """``npn_status`` -> "NPN status": a field's name as people say it."""
    words = [ACRONYMS.get(w, w) for w in name.split("_")]
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def event_fields(kind: CaseKind, event: str) -> list[Field]:
    """The data fields of ``event``: what its binding asks for when it gathers the data
    itself (``On.given``), otherwise the machine's declared data."""
    given = kind.on(event).given
    if given is not None:
        return [Field(name, label(name), "text") for name in given]
    struct = kind.spec.events[event].data
    if struct is None:
        return []
    return [_field(f) for f in msgspec.structs.fields(struct)]


def _field(declared: msgspec.structs.FieldInfo) -> Field:
    kind = plain(declared.type)
    choices = tuple(str(v) for v in literal_values(kind) or ())
    if typing.get_origin(kind) is list:
        return Field(declared.name, label(declared.name), "checkboxes", choices, declared.required)
    if choices:
        return Field(declared.name, label(declared.name), "select", choices, declared.required)
    shown = "number" if kind is int else "text"
    return Field(declared.name, label(declared.name), shown, (), declared.required)


def form_data(kind: CaseKind, event: str, form: Any) -> dict[str, Any]:
    """The event's data from a submitted form (fields ``data.<name>``); blank fields are
    left out, numbers must be whole numbers."""
    data: dict[str, Any] = {}
    for field in event_fields(kind, event):
        key = f"data.{field.name}"
        if field.input == "checkboxes":
            chosen = [v for v in form.getall(key, []) if v]
            if chosen:
                data[field.name] = chosen
            continue
        value = (form.get(key) or "").strip()
        if not value:
            continue
        if field.input == "number":
            if not value.lstrip("-").isdigit():
                raise BadInput(f"{key}: give a whole number, e.g. 85", key)
            data[field.name] = int(value)
        else:
            data[field.name] = value
    return data
