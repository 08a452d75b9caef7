from enum import StrEnum

from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from workflow.tables.assisters import Assister
from workflow.tables.associations import Association
from workflow.tables.consumers import Consumer
from workflow.tables.organizations import Organization


class PeriodStage(StrEnum):
    requested = "requested"  # the consumer asked; not yet their assister of record
    confirmed = "confirmed"  # the assister of record


class PeriodEnd(StrEnum):
    """How a period ended."""

    confirmed = "confirmed"  # a request became a confirmed period
    replaced = "replaced"  # the consumer confirmed another assister (or a transfer superseded it)
    transferred = "transferred"  # Book of Business transfer: a new period with the new assister
    support = "support"  # ended by staff (support or an admin) on request
    consumer = "consumer"  # the consumer ended it
    expired = "expired"  # an unconfirmed request expired (the sweep)


class AssociationPeriod(Table, tablename="association_periods"):
    """One interval during which an association was with one assister at one stage.

    Written only by the association's events (their effects, in the event's transaction):
    a period is opened once and closed once, never rewritten. The organisation is the
    assister's at the period's start. Indexes for the by-date reads are in the migration.
    """

    association = ForeignKey(Association, on_delete=OnDelete.restrict)
    consumer = ForeignKey(Consumer, on_delete=OnDelete.restrict)
    assister = ForeignKey(Assister, on_delete=OnDelete.restrict)
    organization = ForeignKey(Organization, null=True, on_delete=OnDelete.restrict)
    stage = Varchar(length=20, choices=PeriodStage)
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    ended_how = Varchar(length=20, choices=PeriodEnd, null=True, default=None)
