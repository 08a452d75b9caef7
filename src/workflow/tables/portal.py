from piccolo.apps.user.tables import BaseUser
from piccolo.columns import JSON, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table
from piccolo_api.session_auth.tables import SessionsBase

from workflow.tables.assisters import Assister


class PortalSession(SessionsBase, tablename="portal_sessions"):
    """An assister's or agency admin's browser session in the portal, opened only after
    the second factor. ``token`` is the SHA-256 of the cookie; ``csrf_token`` goes in
    every form. Expiry columns are naive UTC, as ``SessionsBase`` declares them."""

    csrf_token = Varchar(length=64, secret=True)


class PortalLogin(Table, tablename="portal_logins"):
    """A portal login's settings: how they give their second factor (``totp`` or
    ``email``; none until they enrol) and the language of their pages."""

    user = ForeignKey(BaseUser, unique=True, on_delete=OnDelete.cascade)
    mfa_method = Varchar(length=10, null=True, default=None)
    mfa_enrolled_at = Timestamptz(null=True, default=None)
    language = Varchar(length=5, default="en")


class OneTimeCode(Table, tablename="one_time_codes"):
    """A single-use secret given to a portal user: the step between password and second
    factor (``sign_in``), a code sent by e-mail (``email_code``), a password-reset link
    (``reset``). Only its hash is kept; used or expired, it never works again."""

    user = ForeignKey(BaseUser, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=20)
    # SHA-256 of a long random token (looked up by it), or a salted hash of a short code
    # (checked against the user's live codes).
    token_hash = Varchar(length=120, index=True, secret=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class RulesAcceptance(Table, tablename="rules_acceptances"):
    """An assister accepted this version of the Rules of Behavior at this moment (on
    activation; again when the version changes)."""

    user = ForeignKey(BaseUser, on_delete=OnDelete.cascade, index=True)
    assister = ForeignKey(Assister, null=True, on_delete=OnDelete.cascade)
    version = Varchar(length=20)
    accepted_at = Timestamptz()


class PortalProfile(Table, tablename="portal_profiles"):
    """What an assister adds to their profile in the portal beyond the record the
    program keeps: languages with levels, hours, website, preferred contact method."""

    assister = ForeignKey(Assister, unique=True, on_delete=OnDelete.cascade)
    # [{"language": "Spanish", "speaking": "fluent", "reading": "basic", "writing": ...}]
    languages = JSON(default=[])
    hours = Text(default="")
    website = Varchar(length=200, default="")
    preferred_contact = Varchar(length=10, default="email")  # email, phone
    updated_at = Timestamptz(null=True, default=None)


class RosterApproval(Table, tablename="roster_approvals"):
    """The agency admin approved this navigator or CAC on their organisation's roster;
    where the program requires it (``WORKFLOW_ROSTER_APPROVAL_REQUIRED``), they may not
    complete training before."""

    assister = ForeignKey(Assister, unique=True, on_delete=OnDelete.cascade)
    approved_by = Varchar(length=150)
    approved_at = Timestamptz()
