from piccolo.apps.user.tables import BaseUser
from piccolo.columns import Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from workflow.core.roles import LoginRole
from workflow.tables.assisters import Assister
from workflow.tables.organizations import Organization


class Account(Table, tablename="accounts"):
    """A login's role in the program, beside piccolo's ``BaseUser`` (which holds the
    username and password hash and lets staff into the admin)."""

    user = ForeignKey(BaseUser, unique=True, on_delete=OnDelete.cascade)
    role = Varchar(length=20, choices=LoginRole, index=True)
    organization = ForeignKey(Organization, null=True, on_delete=OnDelete.restrict)
    assister = ForeignKey(Assister, null=True, on_delete=OnDelete.restrict, index=True)
    created_at = Timestamptz()
    # Login protection: locked until this moment (or until support unlocks); failed
    # attempts before ``failures_count_from`` no longer count (set on lock and unlock).
    locked_until = Timestamptz(null=True, default=None)
    failures_count_from = Timestamptz(null=True, default=None)


class ApiToken(Table, tablename="api_tokens"):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True, secret=True)
    label = Varchar(length=100, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz(null=True, default=None)
    revoked = Boolean(default=False)
    last_used_at = Timestamptz(null=True, default=None)
