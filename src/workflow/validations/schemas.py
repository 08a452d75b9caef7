"""Bodies of the profile, NPN validation, support queue and Registration Completion
List routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from msgspec import Meta, Struct

from workflow.assisters.marketplace import MarketplaceRole
from workflow.tables.assisters import DirectoryDisplay
from workflow.web.schemas import (
    AddressBody,
    AssisterOut,
    BlockedEvent,
    EventResult,
    Name,
    Phone,
)

# Checked by the service, so a wrong number gets a hint (license number, tax ID, SSN).
NpnInput = Annotated[str, Meta(max_length=40, description="National Producer Number")]


class ProfileBody(Struct, forbid_unknown_fields=True):
    """Fields to change; leave out what stays. Saving ``npn``, ``name`` or
    ``marketplace_role`` of a broker validates their NPN. ``address`` replaces the whole
    business address."""

    name: Name | None = None
    phone: Phone | None = None
    npn: NpnInput | None = None
    marketplace_role: MarketplaceRole | None = None
    address: AddressBody | None = None
    directory_display: DirectoryDisplay | None = None


class ValidationOut(Struct):
    id: int
    assister_id: int
    name: str
    npn: str | None
    marketplace_role: str | None
    ssn_provided: bool
    state: str
    version: int
    allowed_events: list[str]
    message: str
    hint: str | None
    failure: str | None
    detail: str | None
    identity_confirmed: bool
    stuck_since: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    attempts: int
    last_checked_at: datetime | None
    updated_at: datetime
    waiting_business_days: int | None
    due_by: date | None
    breached_after: date | None
    sla: str | None


class ValidationRead(ValidationOut):
    """A single validation's read: also the events a guard refuses now."""

    blocked_events: list[BlockedEvent] = []


class ProfileOut(Struct):
    assister: AssisterOut
    validation: ValidationOut | None


class ValidationEventResult(Struct):
    id: int
    machine: str
    event: str
    from_state: str
    state: str
    version: int
    allowed_events: list[str]
    message: str
    # ``resolve`` validates again at once: that second event, if it ran.
    followed_by: EventResult | None = None


class SupportQueueItem(ValidationOut):
    email: str
    phone: str | None
    blocked_events: list[BlockedEvent] = []


class SupportQueuePage(Struct):
    items: list[SupportQueueItem]
    total: int
    limit: int
    offset: int


class RegistrationEntry(Struct):
    name: str
    npn: str | None
    npn_validation: str
    registration_year: int


class RegistrationPage(Struct):
    items: list[RegistrationEntry]
    total: int
    limit: int
    offset: int
