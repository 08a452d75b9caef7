"""The referral machine bound to the ``referrals`` table: who sees a referral, what each
event writes (the offer rows with their timings, the association a signed-in consumer
gets, the messages), and what follows: a declined or expired offer, or a retry, is
offered to the next broker once it has committed (``offer_next``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from workflow.associations.service import open_request_for
from workflow.core.errors import GuardRefused, MachineError
from workflow.core.principal import SYSTEM, Principal
from workflow.core.roles import SEES_EVERYTHING, Role
from workflow.core.settings import get_settings
from workflow.db.raw import raw
from workflow.engine.command import EventOutcome, FireEvent
from workflow.engine.fire import fire
from workflow.engine.kinds import CaseKind, EffectContext, On
from workflow.referrals import notices
from workflow.referrals.machine import REFERRAL, ReferralState
from workflow.referrals.matching import best_broker
from workflow.tables import Referral

OPEN_OFFER = """
INSERT INTO referral_offers (referral, broker, offered_at, expires_at) VALUES ({}, {}, {}, {})
"""
CLOSE_OFFER = """
UPDATE referral_offers SET ended_at = {}, outcome = {}
WHERE referral = {} AND outcome IS NULL
"""


def referral_facts(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"offers_made": row["offers_made"], "max_offers": get_settings().referral_max_offers}


def referral_visible_to(principal: Principal, row: Mapping[str, Any]) -> bool:
    """Staff see every referral; a broker the one offered to them (or they accepted);
    a signed-in consumer their own."""
    if principal.role in SEES_EVERYTHING:
        return True
    if principal.role == Role.assister:
        return principal.assister_id is not None and row["broker"] == principal.assister_id
    if principal.role == Role.consumer:
        return principal.consumer_id is not None and row["consumer"] == principal.consumer_id
    return False


def _close_offer(ctx: EffectContext, outcome: str) -> None:
    ctx.add((CLOSE_OFFER, (ctx.now, outcome, ctx.row["id"])))


async def record_offer(ctx: EffectContext) -> None:
    broker_id = ctx.decision.data["broker_id"]
    expires_at = ctx.now + timedelta(minutes=get_settings().referral_accept_minutes)
    ctx.set(broker=broker_id, offered_at=ctx.now, offer_expires_at=expires_at,
            offers_made=ctx.row["offers_made"] + 1)  # fmt: skip
    ctx.add((OPEN_OFFER, (ctx.row["id"], broker_id, ctx.now, expires_at)))
    notices.offered(ctx, await notices.broker(broker_id), expires_at)


async def make_association(ctx: EffectContext) -> None:
    """A signed-in consumer gets a requested association with the broker (they confirm
    it as any other); it is made in this transaction, so a lost race makes none."""
    if ctx.row["consumer"] is not None:
        association = await open_request_for(ctx.row["consumer"], ctx.row["broker"], ctx.actor,
                                             ctx.now)  # fmt: skip
        ctx.extra["association_id"] = association


async def record_acceptance(ctx: EffectContext) -> dict[str, Any]:
    association = ctx.extra.get("association_id")
    ctx.set(accepted_at=ctx.now, offer_expires_at=None, association=association)
    _close_offer(ctx, "accepted")
    notices.accepted(ctx, await notices.broker(ctx.row["broker"]))
    return {"association_id": association}


async def record_decline(ctx: EffectContext) -> None:
    ctx.set(broker=None, offer_expires_at=None)
    _close_offer(ctx, "declined")


async def check_time_is_up(ctx: EffectContext) -> None:
    until = ctx.row["offer_expires_at"]
    if until is not None and _aware(until) > ctx.now:
        raise GuardRefused("expire", f"the offer is open until {until}; it has not expired")


def _aware(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def record_expiry(ctx: EffectContext) -> None:
    ctx.set(broker=None, offer_expires_at=None)
    _close_offer(ctx, "expired")


async def record_unmatched(ctx: EffectContext) -> None:
    ctx.set(unmatched_reason=ctx.reason)
    notices.unmatched(ctx)


async def record_retry(ctx: EffectContext) -> None:
    ctx.set(offers_made=0, unmatched_reason=None)


async def next_offer(cmd: FireEvent, outcome: EventOutcome) -> EventOutcome | None:
    return await offer_next(outcome.id, cmd.now)


async def offer_next(referral_id: int, now=None) -> EventOutcome | None:
    """Offer a waiting referral to the next broker, or send it to the staff queue when
    nobody matches or the most offers were made. Someone else moving it first (another
    worker, a sweep) is not an error: it is theirs."""
    row = (await raw("SELECT * FROM referrals WHERE id = {}", referral_id))[0]
    if row["state"] != ReferralState.waiting:
        return None
    settings = get_settings()
    if row["offers_made"] >= settings.referral_max_offers:
        event, data = "give_up", None
        reason = f"offered to {row['offers_made']} brokers; none accepted in time"
    else:
        broker = await best_broker(row)
        event, data = ("offer", {"broker_id": broker["id"]}) if broker else ("give_up", None)
        reason = None if broker else (
            f"no active broker who takes referrals within {settings.referral_radius_miles} "
            f"miles of {row['zip']} is left to offer it to"
        )  # fmt: skip
    try:
        return await fire(FireEvent(REFERRAL_CASE, referral_id, event, actor=SYSTEM,
                                    reason=reason, data=data, now=now))  # fmt: skip
    except MachineError:
        return None


REFERRAL_CASE = CaseKind(
    spec=REFERRAL,
    table=Referral,
    facts=referral_facts,
    visible_to=referral_visible_to,
    events={
        "offer": On(effect=record_offer),
        "accept": On(before=make_association, effect=record_acceptance),
        "decline": On(effect=record_decline, then=next_offer),
        "expire": On(before=check_time_is_up, effect=record_expiry, then=next_offer),
        "give_up": On(effect=record_unmatched),
        "retry": On(effect=record_retry, then=next_offer),
    },
    path="/referrals/{referral_id}",
    roles=("admin", "support", "assister", "consumer"),
)
