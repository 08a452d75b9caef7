from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from workflow.tables.organizations import Organization


class ExemptionState(StrEnum):
    requested = "requested"
    approved = "approved"
    denied = "denied"


class ExemptionRequest(Table, tablename="exemption_requests"):
    """An organisation's request to be exempt from the full Marketplace training; its
    staff then take the shorter Overview course. ``state`` moves only through the engine."""

    organization = ForeignKey(Organization, on_delete=OnDelete.cascade, index=True)
    state = Varchar(length=20, choices=ExemptionState, default=ExemptionState.requested, index=True)
    version = Integer(default=1)
    justification = Text(default="")
    requested_by = Varchar(length=150, default="")
    decided_by = Varchar(length=150, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
