from enum import StrEnum

from piccolo.columns import Timestamptz, Varchar
from piccolo.columns.readable import Readable
from piccolo.table import Table


class OrganizationKind(StrEnum):
    agency = "agency"  # a broker agency
    navigator_entity = "navigator_entity"
    cac_organization = "cac_organization"


class Organization(Table, tablename="organizations"):
    """An agency or entity; its agency administrator approves staff on the roster."""

    name = Varchar(length=200, index=True)
    kind = Varchar(length=30, choices=OrganizationKind)
    created_at = Timestamptz()

    @classmethod
    def get_readable(cls):

        return Readable(template="%s", columns=[cls.name])
