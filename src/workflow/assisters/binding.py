"""The assister machine bound to the ``assisters`` table: guard facts, visibility and
what ``register``, ``activate`` and ``deactivate`` write besides the state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from workflow.accounts.management import revocations_for_assister
from workflow.accounts.tokens import forget_tokens
from workflow.assisters.machine import ASSISTER
from workflow.assisters.registration_list import registration_year
from workflow.core.codes import hash_secret, new_registration_number
from workflow.core.principal import Principal
from workflow.core.roles import SEES_EVERYTHING, Role
from workflow.core.training_year import label
from workflow.engine.kinds import BulkContext, BulkWrite, CaseKind, EffectContext, On
from workflow.messaging.mailbox import Wording, message_insert, messages_sql
from workflow.organizations.roster import approval_missing, needs_approval
from workflow.tables import Assister
from workflow.training.optional import optional_record
from workflow.training.records import training_facts, training_facts_many, training_record

AGREEMENT_NAMES = {"individual": "Individual", "shop": "SHOP"}


def assister_facts(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "npn_status": row["npn_status"],
        "marketplace_role": row.get("marketplace_role"),
        "registration_number_hash": row["registration_number_hash"],
        "registration_email": row["registration_email"],
    }


def assister_visible_to(principal: Principal, row: Mapping[str, Any]) -> bool:
    """Staff see every assister, an agency admin their organisation's, an assister
    only themselves."""
    if principal.role in SEES_EVERYTHING:
        return True
    if principal.role == Role.agency_admin:
        return principal.organization_id is not None and (
            row["organization"] == principal.organization_id
        )
    if principal.role == Role.assister:
        return row["id"] == principal.assister_id
    return False


async def assister_facts_with_training(row: Mapping[str, Any], now) -> dict[str, Any]:
    """The training guards' facts, and whether the roster approval is still missing."""
    facts = await training_facts(row, now)
    return {**facts, "needs_roster_approval": await needs_approval(row)}


async def assister_facts_many_with_training(
    rows: Sequence[Mapping[str, Any]], now
) -> dict[int, dict[str, Any]]:
    """The same facts for many assisters (imports): the approvals in one query."""
    facts = await training_facts_many(rows, now)
    waiting = await approval_missing(rows)
    return {i: {**f, "needs_roster_approval": i in waiting} for i, f in facts.items()}


async def issue_registration_number(ctx: EffectContext) -> None:
    """Registering issues a one-time Registration Number (only its hash is kept) and
    mails the activation message: Reference Number at the top, this number at the end."""
    agreements = sorted(set(ctx.decision.data["agreements"]))
    ctx.set(agreements=agreements, registered_at=ctx.now)
    send_activation(ctx, agreements)


async def reissue_activation(ctx: EffectContext) -> None:
    """A lost Registration Number: a new one replaces it (the old hash is overwritten,
    so the old number stops working) and a new activation message goes out, to the
    assister's e-mail address as it is now."""
    send_activation(ctx, sorted(ctx.row["agreements"] or []))


def send_activation(ctx: EffectContext, agreements: list[str]) -> None:
    """A new one-time Registration Number (only its hash is kept) and the activation
    message carrying it; nobody but the assister ever sees the number."""
    number = new_registration_number()
    ctx.set(
        registration_number_hash=hash_secret(number.replace("-", "")),
        registration_email=ctx.row["email"],
    )
    context = {
        "reference_number": ctx.row["reference_number"],
        "registration_number": number,
        "agreement_names": [AGREEMENT_NAMES[a] for a in agreements],
    }
    ctx.add(message_insert(ctx.row, "activation", context, ctx.now))


async def activate(ctx: EffectContext) -> None:
    """The Registration Number is used up; the registration confirmation goes out. It
    names the training year the Registration Completion List and the certificate show
    (the year of the registration), not the calendar year."""
    ctx.set(registration_number_hash=None, activated_at=ctx.now)
    registered_at = _as_datetime(ctx.row.get("registered_at")) or ctx.now
    context = {"year": label(registration_year(registered_at))}
    ctx.add(message_insert(ctx.row, "registration_complete", context, ctx.now))


def _as_datetime(value: Any) -> datetime | None:
    """A timestamp from the row: raw rows on SQLite hand them back as text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


async def complete_training(ctx: EffectContext) -> None:
    ctx.add(training_record(ctx, exam=False))


async def record_exam(ctx: EffectContext) -> None:
    ctx.add(training_record(ctx, exam=True))


async def record_optional_course(ctx: EffectContext) -> None:
    ctx.add(optional_record(ctx))


# A lapse an admin applies by hand: no rule's dates, their reason as a note.
MANUAL_LAPSE = {"deadline": None, "late_hire": False, "training_year": None}


MANUAL_NOTICE = {**MANUAL_LAPSE, "also_training_year": None, "late_hire_days": None}


async def lapse_notice(ctx: EffectContext) -> None:
    context = {**MANUAL_NOTICE, "note": ctx.reason}
    ctx.add(message_insert(ctx.row, "lapse_notice", context, ctx.now))


def lapse_notices(ctx: BulkContext) -> list[BulkWrite]:
    """The bulk form of ``lapse_notice``, written by the statement that lapses the batch:
    one notice to each assister that lapsed, worded by the caller
    (``ctx.context["notice"]``: :class:`Wording` per range of onboarding dates), or as a
    manual lapse with the reason as a note."""
    wordings = ctx.context.get("notice") or [Wording({**MANUAL_NOTICE, "note": ctx.reason})]
    sql, args = messages_sql("lapse_notice", wordings, ctx.now, key="onboarded_on")
    return [BulkWrite(sql, args, per_case=True)]


async def revoke_access(ctx: EffectContext) -> None:
    """Someone who leaves the program loses access at once: tokens and sessions."""
    for statement in revocations_for_assister(ctx.row["id"]):
        ctx.add(statement)
    ctx.after(forget_tokens)


ASSISTER_CASE = CaseKind(
    spec=ASSISTER,
    table=Assister,
    facts=assister_facts,
    visible_to=assister_visible_to,
    load_facts=assister_facts_with_training,
    load_facts_many=assister_facts_many_with_training,
    events={
        "complete_training": On(effect=complete_training, reads_facts=True),
        "record_exam": On(effect=record_exam, reads_facts=True),
        "record_optional_course": On(effect=record_optional_course, reads_facts=True),
        "register": On(effect=issue_registration_number),
        "reissue_activation": On(effect=reissue_activation),
        "activate": On(effect=activate),
        "lapse": On(
            effect=lapse_notice,
            bulk_sql=lapse_notices,
            bulk_columns=("name", "email", "language", "onboarded_on", "reference_number"),
        ),
        "deactivate": On(effect=revoke_access),
    },
    path="/assisters/{assister_id}",
    roles=("admin", "support", "agency_admin", "assister"),
)
