"""Request and response bodies, written out by hand (msgspec Structs) so the OpenAPI
document says exactly what goes over the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

from workflow.assisters.machine import AssisterKind
from workflow.core.training_year import Language
from workflow.tables import OrganizationKind
from workflow.tables.assisters import DirectoryDisplay
from workflow.web.params import RowId

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, Meta(pattern=EMAIL_PATTERN, max_length=254)]
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"\S")]
Phone = Annotated[str, Meta(pattern=r"^[0-9+()\-. x]{7,40}$")]
Npn = Annotated[str, Meta(pattern=r"^[0-9]{1,10}$", description="National Producer Number")]
Reason = Annotated[str, Meta(max_length=2000)]


class AddressBody(Struct, forbid_unknown_fields=True):
    """A business address; ``state`` (two-letter postal code) is the home state."""

    street: Annotated[str, Meta(min_length=1, max_length=200, pattern=r"\S")]
    city: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"\S")]
    state: Annotated[str, Meta(pattern=r"^\s*[A-Za-z]{2}\s*$", description="e.g. MN")]
    zip: Annotated[str, Meta(pattern=r"^\s*[0-9]{5}(-[0-9]{4})?\s*$", description="ZIP or ZIP+4")]


class AddressOut(Struct):
    street: str
    city: str
    state: str
    zip: str


class ErrorBody(Struct):
    status_code: int
    detail: str


class NewAssisterBody(Struct, forbid_unknown_fields=True):
    kind: AssisterKind
    name: Name
    email: Email
    phone: Phone | None = None
    npn: Npn | None = None
    organization_id: RowId | None = None
    # Whether the person gave an SSN when their account was created. Never the SSN itself.
    ssn_provided: bool = False
    language: Language = Language.en
    address: AddressBody | None = None
    # What the public directory (and a consumer) may see of the contact details.
    directory_display: DirectoryDisplay = DirectoryDisplay.all


class OptionalCourseOut(Struct):
    course: str
    label: str
    completed_on: date
    score: int | None
    passed: bool | None  # the portal assessment's result; None without one


class TrainingStatus(Struct):
    """This training year's certification: what is done, what is left, by when."""

    training_year: str
    deadline: date
    certified: bool
    still_required: list[str]
    overdue: bool
    days_left: int
    courses_completed: list[str]
    exam_passed: bool
    # Someone onboarded after the standard deadline: the deadline is their own window.
    late_hire: bool = False
    # A late hire's window carried over from last training year: this year's counts too.
    also_met_by: str | None = None
    # Optional courses taken that year: shown, never counted for certification.
    optional_courses: list[OptionalCourseOut] = []


class BlockedEvent(Struct):
    """An event the machine allows from the case's state that a guard refuses now."""

    event: str
    reason: str


class AssisterOut(Struct):
    id: int
    kind: str
    name: str
    email: str
    phone: str | None
    npn: str | None
    organization_id: int | None
    state: str
    version: int
    npn_status: str
    reference_number: str
    agreements: list[str]
    registration_email: str | None
    registered_at: datetime | None
    activated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    allowed_events: list[str]
    marketplace_role: str | None = None
    # Of those, the ones the caller's role may fire (on a single record's read).
    your_events: list[str] | None = None
    ssn_provided: bool = False
    onboarded_on: date | None = None
    language: str = "en"
    address: AddressOut | None = None
    directory_display: str = DirectoryDisplay.all
    training: TrainingStatus | None = None  # on a single assister's record only
    # Events allowed from this state that a guard refuses now (a single record's read).
    blocked_events: list[BlockedEvent] | None = None


class AssisterPage(Struct):
    items: list[AssisterOut]
    total: int
    limit: int
    offset: int


class EventBody(Struct, forbid_unknown_fields=True):
    reason: Reason | None = None
    data: dict[str, Any] = msgspec.field(default_factory=dict)


class EventResult(Struct, omit_defaults=True):
    id: int
    machine: str
    event: str
    from_state: str
    state: str
    version: int
    allowed_events: list[str]
    # What the case's owner is told now, for machines that word it (NPN validation).
    message: str | None = None
    # An event the first one led to at once (resolving a validation validates it again).
    followed_by: EventResult | None = None


class HistoryEntry(Struct):
    id: int
    event: str
    from_state: str
    to_state: str
    actor: str
    reason: str | None
    data: dict[str, Any]
    at: datetime


class MessageOut(Struct):
    id: int
    template: str
    subject: str
    body: str
    recipient_email: str
    language: str
    created_at: datetime


class MessagePage(Struct):
    items: list[MessageOut]
    total: int
    limit: int
    offset: int


class NewOrganizationBody(Struct, forbid_unknown_fields=True):
    name: Name
    kind: OrganizationKind


class OrganizationOut(Struct):
    id: int
    name: str
    kind: str
    created_at: datetime


class OrganizationPage(Struct):
    items: list[OrganizationOut]
    total: int
    limit: int
    offset: int


def convert(rows: Any, type_: type) -> Any:
    """Rows from piccolo into a response Struct (``from_attributes`` for dicts)."""
    return msgspec.convert(rows, type_, strict=False)
