from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from workflow.associations.machine import AssociationState
from workflow.tables.assisters import Assister
from workflow.tables.consumers import Consumer


class ClientStatus(StrEnum):
    """The assister's view: ``new`` until they first open the consumer's details."""

    new = "new"
    in_progress = "in_progress"


class Association(Table, tablename="associations"):
    """A consumer's authorization of an assister.

    ``state`` and ``version`` are written only by ``workflow.engine.fire.fire``.
    ``sort_name`` (the consumer's name, case-folded) and ``client_status`` are copies kept
    for the client list's indexed sorts; the composite and partial indexes (including
    "one confirmed association per consumer") are in a hand-written migration.
    """

    consumer = ForeignKey(Consumer, on_delete=OnDelete.restrict, index=True)
    assister = ForeignKey(Assister, on_delete=OnDelete.restrict, index=True)
    state = Varchar(length=20, choices=AssociationState, default=AssociationState.requested)
    version = Integer(default=1)
    sort_name = Varchar(length=200)
    client_status = Varchar(length=20, choices=ClientStatus, default=ClientStatus.new)
    requested_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    terms_accepted_at = Timestamptz(null=True, default=None)
    terms_version = Varchar(length=20, null=True, default=None)
    acknowledged_at = Timestamptz(null=True, default=None)
    opened_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    end_reason = Text(null=True, default=None)  # internal (staff's reason)
    end_message = Text(null=True, default=None)  # what the consumer is told
    transferred_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()
