from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.readable import Readable
from piccolo.table import Table

from workflow.assisters.machine import AssisterKind, AssisterState
from workflow.assisters.marketplace import MarketplaceRole
from workflow.core.training_year import Language
from workflow.tables.organizations import Organization
from workflow.validations.machine import ValidationState

# A broker's NPN validation result, ``not_checked`` until the registry is asked: a mirror
# of their ``npn_validation`` machine's state, written in the same transaction as it.
NpnStatus = ValidationState


class DirectoryDisplay(StrEnum):
    """What the assister lets the public see of their contact details."""

    all = "all"  # all contact details, for every state they are licensed in
    all_but_street = "all_but_street"  # the same without the street line
    home_state_only = "home_state_only"  # all details, listed in their home state only
    not_listed = "not_listed"  # not in the public directory


class Assister(Table, tablename="assisters"):
    """A broker, navigator or certified application counselor.

    ``state`` and ``version`` are written only by ``workflow.engine.fire.fire``.
    """

    kind = Varchar(length=20, choices=AssisterKind)
    name = Varchar(length=200, index=True)
    email = Varchar(length=254, index=True)
    phone = Varchar(length=40, null=True, default=None)
    # Business address: all four parts or none (the state is the home state).
    address_street = Varchar(length=200, null=True, default=None)
    address_city = Varchar(length=100, null=True, default=None)
    address_state = Varchar(length=2, null=True, default=None)
    address_zip = Varchar(length=10, null=True, default=None)
    # The centroid of the address's ZIP code (core/zips.py), written with the address:
    # the public directory filters by distance on these.
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    directory_display = Varchar(length=20, choices=DirectoryDisplay, default=DirectoryDisplay.all)
    npn = Varchar(length=10, null=True, default=None, index=True)
    organization = ForeignKey(Organization, null=True, on_delete=OnDelete.restrict, index=True)
    state = Varchar(length=20, choices=AssisterState, default=AssisterState.onboarded, index=True)
    version = Integer(default=1)
    npn_status = Varchar(length=30, default=NpnStatus.not_checked)
    reference_number = Varchar(length=12, unique=True)
    agreements = JSON(default=[])
    # The one-time Registration Number, hashed; cleared once used.
    registration_number_hash = Varchar(length=200, null=True, default=None, secret=True)
    registration_email = Varchar(length=254, null=True, default=None)
    registered_at = Timestamptz(null=True, default=None)
    activated_at = Timestamptz(null=True, default=None)
    # Brokers: the marketplace role chosen on the profile (None until chosen).
    marketplace_role = Varchar(length=20, choices=MarketplaceRole, null=True, default=None)
    # Whether an SSN was given when the account was created. The SSN itself is never stored.
    ssn_provided = Boolean(default=False)
    # The training-year deadline counts from here (late hires get a window). Nullable
    # only so the column could be added to existing rows; always set on creation.
    onboarded_on = Date(null=True, default=None)
    # Preferred language for messages and courses: en or es.
    language = Varchar(length=5, choices=Language, default=Language.en)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    @classmethod
    def get_readable(cls):
        return Readable(template="%s (%s)", columns=[cls.name, cls.kind])
