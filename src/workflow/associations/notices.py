"""What consumers are told when their association changes.

Consumers hear about changes they did not make themselves (support ended it, a Book of
Business transfer, an unconfirmed request expired), and get a record of the
authorization they confirmed. Assisters hear about their book of business once a day,
in the daily summary (``services/summaries.py``), not once per change.
"""

from __future__ import annotations

from typing import Any

from workflow.core.roles import STAFF, Role
from workflow.engine.kinds import EffectContext
from workflow.messaging.mailbox import message_insert
from workflow.tables import Assister


def _consumer(ctx: EffectContext) -> dict[str, Any]:
    """The consumer of the association, as the binding's load statement read them."""
    row = ctx.row
    return {"id": row["consumer"], "name": row["consumer_name"], "email": row["consumer_email"],
            "language": row["consumer_language"]}  # fmt: skip


async def _assister_name(assister_id: int) -> str:
    row = await Assister.select(Assister.name).where(Assister.id == assister_id).first()
    return row["name"] if row else f"assister {assister_id}"


def confirmed(ctx: EffectContext) -> None:
    context = {"assister_name": ctx.row["assister_name"], "confirmed_at": ctx.now}
    notice = message_insert(_consumer(ctx), "association_confirmed", context, ctx.now,
                            to="consumer")  # fmt: skip
    ctx.add(notice)


# What a consumer reads when staff ended their association without a message for them.
NEUTRAL_END = "ended by the assister program"


def told_to_consumer(role: str, reason: str | None, message: str | None) -> str:
    """What the consumer is told about an end: staff's reason is internal (it stays in
    the history and the audit log), so from staff only their message, or a neutral
    sentence; the consumer's own words and the service's expiry are theirs to read."""
    if role in STAFF:
        return message or NEUTRAL_END
    return reason or f"ended by the {role}"


def ended(ctx: EffectContext) -> None:
    if ctx.actor.role == Role.consumer:  # they did it themselves, and the page said so
        return
    context = {
        "assister_name": ctx.row["assister_name"],
        "message": ctx.decision.data.get("message_to_consumer") or "",
        "expired": ctx.actor.role == Role.system,
    }
    ctx.add(message_insert(_consumer(ctx), "association_ended", context, ctx.now, to="consumer"))


async def transferred(ctx: EffectContext) -> None:
    context = {
        "old_assister_name": ctx.row["assister_name"],
        "new_assister_name": await _assister_name(ctx.decision.data["to_assister_id"]),
    }
    notice = message_insert(_consumer(ctx), "association_transferred", context, ctx.now,
                            to="consumer")  # fmt: skip
    ctx.add(notice)
