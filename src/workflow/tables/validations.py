from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from workflow.tables.assisters import Assister
from workflow.validations.machine import ValidationState


class NpnValidation(Table, tablename="npn_validations"):
    """A broker's NPN validation, one per broker. ``state`` and ``version`` are written
    only by ``fire``, which also mirrors the state into ``assisters.npn_status``."""

    assister = ForeignKey(Assister, unique=True, on_delete=OnDelete.cascade)
    state = Varchar(
        length=30, choices=ValidationState, default=ValidationState.not_checked, index=True
    )
    version = Integer(default=1)
    # The failure the broker is stuck on (kept while a support case is open).
    failure = Varchar(length=30, null=True, default=None, index=True)
    detail = Text(null=True, default=None)  # for support: what exactly did not match
    hint = Text(null=True, default=None)  # for the broker: e.g. "that is a license number"
    stuck_since = Timestamptz(null=True, default=None, index=True)
    escalated_at = Timestamptz(null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    identity_confirmed_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_checked_at = Timestamptz(null=True, default=None)
    role_reminded_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
