"""The association machine bound to the ``associations`` table.

Every event first locks the consumer's row (so a consumer's association changes happen
one after another, in the order the locks were granted); ``confirm`` then ends the
consumer's other open associations through ``fire`` itself, in the same
transaction, before this one becomes confirmed, so the database's "one confirmed per
consumer" index never sees two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.associations import notices
from workflow.associations.expiry import record_ends
from workflow.associations.machine import ASSOCIATION, AssociationState
from workflow.associations.periods import close_period, how_it_ended, open_period
from workflow.consumers.service import lock_consumer, lock_consumers_of
from workflow.core.errors import GuardRefused
from workflow.core.principal import Principal
from workflow.core.roles import SEES_EVERYTHING, Role
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.engine.kinds import BulkContext, CaseKind, EffectContext, On
from workflow.tables import Assister, Association, ClientStatus, PeriodEnd, PeriodStage

# Version of the Assister Authorization / Agent of Record text the consumer accepts
# (templates/pages/consumer/terms_text.html); stored with each confirmation.
TERMS_VERSION = "2026-1"

LOAD_SQL = """
SELECT a.*, s.state AS assister_state, s.name AS assister_name,
       c.name AS consumer_name, c.email AS consumer_email, c.language AS consumer_language
FROM associations a JOIN assisters s ON s.id = a.assister JOIN consumers c ON c.id = a.consumer
WHERE a.id = {}
"""

RELEASE_ASSISTER_LOCK = """
UPDATE consumers SET lock_user = NULL, lock_holder = NULL, lock_role = NULL,
       lock_acquired_at = NULL, lock_active_at = NULL
WHERE id = {} AND lock_role = 'assister'
  AND lock_user IN (SELECT "user" FROM accounts WHERE assister = {})
"""


def association_facts(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "assister_id": row["assister"],
        "assister_state": row["assister_state"],
        "assister_name": row["assister_name"],
        "acknowledged_at": row["acknowledged_at"],
    }


def association_visible_to(principal: Principal, row: Mapping[str, Any]) -> bool:
    """Staff see every association; a consumer their own; an assister those with them."""
    if principal.role in SEES_EVERYTHING:
        return True
    if principal.role == Role.consumer:
        return principal.consumer_id is not None and row["consumer"] == principal.consumer_id
    if principal.role == Role.assister:
        return principal.assister_id is not None and row["assister"] == principal.assister_id
    return False


async def queue_for_consumer(ctx: EffectContext) -> None:
    """Every association event of a consumer waits for the one before it: they queue on
    the consumer's row (``lock_consumer``)."""
    await lock_consumer(ctx.row["consumer"])


async def queue_then_end_others(ctx: EffectContext) -> None:
    await lock_consumer(ctx.row["consumer"])
    await _end_other_open_associations(ctx)


async def queue_then_check_target(ctx: EffectContext) -> None:
    await lock_consumer(ctx.row["consumer"])
    await _check_transfer_target(ctx)


async def queue_many(ctx: BulkContext) -> None:
    """``queue_for_consumer`` for a batch: the consumers of the batch's associations."""
    await lock_consumers_of(ctx.ids)


async def _open_associations(consumer_id: int, *, besides: int) -> list[dict[str, Any]]:
    return await Association.select(Association.id, Association.state).where(
        (Association.consumer == consumer_id)
        & (Association.state != AssociationState.disassociated)
        & (Association.id != besides)
    )


async def _end_other_open_associations(ctx: EffectContext) -> None:
    """One assister at a time: confirming ends the previous assister and withdraws any
    other pending request, each through ``fire`` so each has its own history row."""
    name, new_id = ctx.row["assister_name"], ctx.row["id"]
    for other in await _open_associations(ctx.row["consumer"], besides=new_id):
        if other["state"] == AssociationState.confirmed:
            reason = f"replaced: the consumer confirmed {name} (association {new_id})"
        else:
            reason = f"withdrawn: the consumer confirmed {name} (association {new_id}) instead"
        await fire(
            FireEvent(
                ASSOCIATION_CASE,
                other["id"],
                "disassociate",
                actor=ctx.actor,
                reason=reason,
                now=ctx.now,
            )
        )


async def _check_transfer_target(ctx: EffectContext) -> None:
    """A Book of Business moves only to an active assister; a pending request the consumer
    had made to that assister is withdrawn (the transfer supersedes it)."""
    target_id = ctx.decision.data["to_assister_id"]
    expected_from = ctx.decision.data.get("from_assister_id")
    if expected_from is not None and expected_from != ctx.row["assister"]:
        raise GuardRefused(
            "transfer",
            f"association {ctx.row['id']} is no longer with assister {expected_from}; reload",
        )
    target = (
        await Assister.select(Assister.state, Assister.name).where(Assister.id == target_id).first()
    )
    if target is None:
        raise GuardRefused("transfer", f"assister {target_id} does not exist")
    if target["state"] != "active":
        raise GuardRefused(
            "transfer",
            f"{target['name']} (assister {target_id}) is {target['state']}: a Book of "
            "Business can only move to an active assister",
        )
    pending = await Association.select(Association.id).where(
        (Association.consumer == ctx.row["consumer"])
        & (Association.assister == target_id)
        & (Association.state == AssociationState.requested)
    )
    for row in pending:
        await fire(
            FireEvent(
                ASSOCIATION_CASE,
                row["id"],
                "disassociate",
                actor=ctx.actor,
                reason=f"withdrawn: association {ctx.row['id']} was transferred to this assister",
                now=ctx.now,
            )
        )


async def record_confirmation(ctx: EffectContext) -> None:
    ctx.set(confirmed_at=ctx.now, terms_accepted_at=ctx.now, terms_version=TERMS_VERSION)
    row = ctx.row
    ctx.add(close_period(row["id"], PeriodEnd.confirmed, ctx.now))
    ctx.add(
        open_period(row["id"], row["consumer"], row["assister"], PeriodStage.confirmed, ctx.now)
    )
    notices.confirmed(ctx)


async def record_end(ctx: EffectContext) -> None:
    """Ending an association also ends the assister's hold on the application."""
    message = ctx.decision.data.get("message_to_consumer")
    ctx.set(
        ended_at=ctx.now,
        end_reason=ctx.reason or f"ended by the {ctx.actor.role}",
        end_message=notices.told_to_consumer(ctx.actor.role, ctx.reason, message),
    )
    ctx.write(RELEASE_ASSISTER_LOCK, ctx.row["consumer"], ctx.row["assister"])
    ctx.add(close_period(ctx.row["id"], how_it_ended(ctx.actor, ctx.reason), ctx.now))
    notices.ended(ctx)


async def record_acknowledgement(ctx: EffectContext) -> None:
    ctx.set(acknowledged_at=ctx.now)


async def move_to_new_assister(ctx: EffectContext) -> dict[str, Any]:
    """The new assister starts afresh: New in their list, and they acknowledge the
    authorization before seeing private information. The old one loses their lock."""
    ctx.set(
        assister=ctx.decision.data["to_assister_id"],
        acknowledged_at=None,
        opened_at=None,
        client_status=ClientStatus.new,
        transferred_at=ctx.now,
    )
    ctx.write(RELEASE_ASSISTER_LOCK, ctx.row["consumer"], ctx.row["assister"])
    # A transfer ends one period and starts another: the old assister's stays as it was.
    to_assister, row = ctx.decision.data["to_assister_id"], ctx.row
    ctx.add(close_period(row["id"], PeriodEnd.transferred, ctx.now))
    ctx.add(open_period(row["id"], row["consumer"], to_assister, PeriodStage.confirmed, ctx.now))
    await notices.transferred(ctx)
    return {"from_assister_id": ctx.row["assister"]}


ASSOCIATION_CASE = CaseKind(
    spec=ASSOCIATION,
    table=Association,
    facts=association_facts,
    visible_to=association_visible_to,
    events={
        "confirm": On(before=queue_then_end_others, effect=record_confirmation),
        "disassociate": On(
            before=queue_for_consumer,
            effect=record_end,
            bulk_before=queue_many,
            bulk_effect=record_ends,
        ),
        "acknowledge": On(before=queue_for_consumer, effect=record_acknowledgement),
        "transfer": On(before=queue_then_check_target, effect=move_to_new_assister),
    },
    load_sql=LOAD_SQL,
    path="/associations/{association_id}",
    roles=("admin", "support", "assister", "consumer"),
)
