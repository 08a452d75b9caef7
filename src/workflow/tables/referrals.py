from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from workflow.referrals.machine import ReferralState
from workflow.tables.assisters import Assister
from workflow.tables.associations import Association
from workflow.tables.consumers import Consumer


class Referral(Table, tablename="referrals"):
    """A consumer's request for help (Help On Demand). ``state`` and ``version`` are
    written only by the engine; ``broker`` is the broker it is offered to (or who accepted
    it), ``offer_expires_at`` when the current offer ends. Contact details are shown to a
    broker only once they accept."""

    state = Varchar(length=20, choices=ReferralState, default=ReferralState.waiting)
    version = Integer(default=1)
    consumer = ForeignKey(Consumer, null=True, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    zip = Varchar(length=10)
    language = Varchar(length=5)
    phone = Varchar(length=40, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    consent_at = Timestamptz()
    broker = ForeignKey(Assister, null=True, on_delete=OnDelete.restrict)
    offers_made = Integer(default=0)
    offered_at = Timestamptz(null=True, default=None)
    offer_expires_at = Timestamptz(null=True, default=None)
    accepted_at = Timestamptz(null=True, default=None)
    association = ForeignKey(Association, null=True, on_delete=OnDelete.restrict)
    unmatched_reason = Varchar(length=300, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ReferralOffer(Table, tablename="referral_offers"):
    """One offer of a referral to one broker, with its timings and how it ended:
    ``accepted``, ``declined`` or ``expired`` (null while open)."""

    referral = ForeignKey(Referral, on_delete=OnDelete.cascade)
    broker = ForeignKey(Assister, on_delete=OnDelete.restrict)
    offered_at = Timestamptz()
    expires_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    outcome = Varchar(length=20, null=True, default=None)
