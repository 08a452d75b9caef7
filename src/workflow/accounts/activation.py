"""Activating an assister's account on the portal (``/assister/activate``): the
Registration Number and the exact e-mail the activation message went to, a username, a
password and the Rules of Behavior. The ``activate`` event (actor: the assister) and
their login, its settings and the acceptance are written in one transaction: a refusal
leaves nothing behind. Refusals of the number or e-mail are the API's own sentences.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from piccolo.apps.user.tables import BaseUser

from workflow.accounts.passwords import password_problem
from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.machine import EMAIL_MISMATCH
from workflow.core.codes import normalize_registration_number, verify_secret
from workflow.core.errors import BadInput, Conflict, GuardRefused
from workflow.core.i18n import N_
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.db import transaction
from workflow.engine import audit
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.tables import Account, Assister, PortalLogin, RulesAcceptance

# The Rules of Behavior's text is templates/pages/portal/rules_text.html: change both.
RULES_VERSION = "2026.1"
REGISTERED_WITH_EMAIL = """
SELECT id, email, language, organization, registration_number_hash FROM assisters
WHERE state = 'registered' AND lower(registration_email) = {}
"""
USERNAME = re.compile(r"[A-Za-z0-9._@-]{3,100}")


@dataclass(frozen=True)
class Activation:
    registration_number: str
    email: str
    username: str
    password: str
    accepted_rules: bool
    rules_version: str = RULES_VERSION


async def activate_account(form: Activation, now: datetime | None = None) -> int:
    """Check everything, then activate and create the login at once; the new user's id."""
    now = now or datetime.now(UTC)
    _check_form(form)
    assister = await _the_assister(form)
    if await Account.exists().where(Account.assister == assister["id"]):
        raise Conflict(
            N_(
                "This assister already has a sign-in: use Sign in, or Forgot username if you "
                "do not remember it."
            )
        )
    if await BaseUser.exists().where(BaseUser.username == form.username):
        raise Conflict(N_("This username is taken; choose another."))
    # The password hash is deliberately slow: made before the transaction, off the loop.
    user = await asyncio.to_thread(
        BaseUser,
        username=form.username,
        password=form.password,
        email=assister["email"],
        active=True,
        admin=False,
        superuser=False,
    )
    actor = Principal(None, form.username, Role.assister, assister_id=assister["id"])
    data = {"registration_number": form.registration_number, "email": form.email}
    async with transaction():
        await fire(
            FireEvent(ASSISTER_CASE, assister["id"], "activate", actor=actor, data=data, now=now)
        )
        await user.save()
        await Account.insert(
            Account(
                user=user.id,
                role=Role.assister,
                assister=assister["id"],
                organization=assister["organization"],
                created_at=now,
            )
        )
        await PortalLogin.insert(PortalLogin(user=user.id, language=assister["language"]))
        await RulesAcceptance.insert(
            RulesAcceptance(
                user=user.id, assister=assister["id"], version=form.rules_version, accepted_at=now
            )
        )
        await audit.record(
            "account_created",
            "success",
            username=form.username,
            object_type="assister",
            object_id=assister["id"],
            detail={"channel": "portal", "rules_version": form.rules_version},
            at=now,
        )
    return user.id


def _check_form(form: Activation) -> None:
    if not form.accepted_rules:
        raise BadInput(N_("Read the Rules of Behavior and tick the box to accept them."), "rules")
    if form.rules_version != RULES_VERSION:
        raise BadInput(N_("The Rules of Behavior changed while you read them; read them again."))
    if not USERNAME.fullmatch(form.username):
        raise BadInput(
            N_("Choose a username of 3 to 100 letters, digits or . _ @ - (no spaces)."), "username"
        )
    problem = password_problem(form.password, form.username)
    if problem:
        raise BadInput(problem, "password")


async def _the_assister(form: Activation) -> dict:
    """The registered assister this number and e-mail belong to. When the number matches
    none of them, the engine refuses the event (with the API's sentence, audited)."""
    candidates = await Assister.raw(REGISTERED_WITH_EMAIL, form.email.strip().lower())
    if not candidates:
        await audit.record_outside(
            "event",
            "refused",
            username="anonymous",
            object_type="assister",
            object_id="",
            detail={"event": "activate", "why": "GuardRefused"},
        )
        raise GuardRefused("activate", EMAIL_MISMATCH)
    typed = normalize_registration_number(form.registration_number)
    for candidate in candidates:
        if verify_secret(typed, candidate["registration_number_hash"]):
            return candidate
    first = candidates[0]
    actor = Principal(None, "anonymous", Role.assister, assister_id=first["id"])
    data = {"registration_number": form.registration_number, "email": form.email}
    await fire(FireEvent(ASSISTER_CASE, first["id"], "activate", actor=actor, data=data))
    raise AssertionError("the engine accepted a Registration Number that did not verify")
