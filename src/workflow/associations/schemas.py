"""Request and response bodies for consumers, associations and client lists."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from msgspec import Meta, Struct

from workflow.tables import ApplicationStatus
from workflow.web.params import RowId
from workflow.web.schemas import BlockedEvent, Reason


class ClientStateFilter(StrEnum):
    open = "open"  # requested and confirmed
    requested = "requested"
    confirmed = "confirmed"
    disassociated = "disassociated"


class ClientSort(StrEnum):
    name = "name"
    date_requested = "date_requested"
    status = "status"


class SortOrder(StrEnum):
    asc = "asc"
    desc = "desc"


class NewAssociationBody(Struct, forbid_unknown_fields=True):
    reference_number: Annotated[str, Meta(min_length=1, max_length=40)]


class PublicAddressOut(Struct):
    """``street`` is null when the assister's directory display choice hides it."""

    street: str | None
    city: str
    state: str
    zip: str


class AssisterPublicOut(Struct):
    """What a consumer sees of an assister: never their email or private fields."""

    id: int
    name: str
    kind: str
    organization: str | None
    phone: str | None
    address: PublicAddressOut | None
    can_act: bool
    notice: str | None


class AssociationOut(Struct):
    id: int
    state: str
    version: int
    allowed_events: list[str]
    consumer_id: int
    assister_id: int
    assister: AssisterPublicOut
    client_status: str
    requested_at: datetime
    confirmed_at: datetime | None
    terms_accepted_at: datetime | None
    terms_version: str | None
    acknowledged_at: datetime | None
    opened_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    transferred_at: datetime | None
    updated_at: datetime
    # Of the allowed events, the ones the caller's role may fire (on a single read).
    your_events: list[str] | None = None
    blocked_events: list[BlockedEvent] | None = None  # on a single association's read


class AssociationPage(Struct):
    items: list[AssociationOut]
    total: int
    limit: int
    offset: int


class ApplicationLockOut(Struct):
    held: bool
    application_status: str
    holder: str | None = None
    holder_role: str | None = None
    acquired_at: datetime | None = None
    last_activity_at: datetime | None = None
    expires_at: datetime | None = None
    yours: bool | None = None


class ApplicationStatusBody(Struct, forbid_unknown_fields=True):
    application_status: ApplicationStatus


class ConsumerOut(Struct):
    id: int
    name: str
    email: str
    phone: str | None
    address: str | None
    application_status: str
    created_at: datetime
    updated_at: datetime
    current_association: AssociationOut | None
    pending_requests: list[AssociationOut]
    application_lock: ApplicationLockOut


class ClientOut(Struct):
    association_id: int
    consumer_id: int
    name: str
    requested_at: datetime
    status: str  # New | In Progress
    application_status: str
    state: str
    confirmed_at: datetime | None
    acknowledged_at: datetime | None


class ClientAssisterOut(Struct):
    id: int
    name: str
    state: str
    can_act: bool
    notice: str | None


class ClientPage(Struct):
    assister: ClientAssisterOut
    items: list[ClientOut]
    total: int
    limit: int
    offset: int
    state: str
    sort: str
    order: str


class ClientAssociationOut(Struct):
    id: int
    state: str
    version: int
    requested_at: datetime
    confirmed_at: datetime | None
    acknowledged_at: datetime | None
    opened_at: datetime | None
    status: str


class ClientDetailsOut(Struct):
    id: int
    name: str
    email: str
    phone: str | None
    address: str | None
    application_status: str
    created_at: datetime
    updated_at: datetime
    association: ClientAssociationOut


class AcknowledgementOut(Struct):
    association_id: int
    acknowledged_at: datetime
    version: int


class TransferBody(Struct, forbid_unknown_fields=True):
    to_assister_id: RowId
    reason: Annotated[Reason, Meta(min_length=1, pattern=r"\S")]
    # Omit to move every confirmed association of the assister.
    association_ids: Annotated[list[RowId], Meta(min_length=1, max_length=100_000)] | None = None


class TransferOut(Struct):
    from_assister_id: int
    to_assister_id: int
    transferred: list[int]
    count: int
