"""What consumers are told when their association changes.

Consumers hear about changes they did not make themselves (support ended it, a Book of
Business transfer, an unconfirmed request expired), and get a record of the
authorization they confirmed. Assisters hear about their book of business once a day,
in the daily summary (``services/summaries.py``), not once per change.
"""

from __future__ import annotations

from typing import Any

from workflow.core.roles import Role
from workflow.engine.kinds import EffectContext
from workflow.messaging.mailbox import write_message
from workflow.tables import Assister, Consumer


async def _consumer(consumer_id: int) -> dict[str, Any]:
    return (
        await Consumer.select(Consumer.id, Consumer.name, Consumer.email, Consumer.language)
        .where(Consumer.id == consumer_id)
        .first()
    )


async def _assister_name(assister_id: int) -> str:
    row = await Assister.select(Assister.name).where(Assister.id == assister_id).first()
    return row["name"] if row else f"assister {assister_id}"


async def confirmed(ctx: EffectContext) -> None:
    consumer = await _consumer(ctx.row["consumer"])
    context = {"assister_name": ctx.row["assister_name"], "confirmed_at": ctx.now}
    await write_message(consumer, "association_confirmed", context, ctx.now, to="consumer")


async def ended(ctx: EffectContext) -> None:
    if ctx.actor.role == Role.consumer:  # they did it themselves, and the page said so
        return
    consumer = await _consumer(ctx.row["consumer"])
    context = {
        "assister_name": ctx.row["assister_name"],
        "reason": ctx.reason or "",
        "expired": ctx.actor.role == Role.system,
    }
    await write_message(consumer, "association_ended", context, ctx.now, to="consumer")


async def transferred(ctx: EffectContext) -> None:
    consumer = await _consumer(ctx.row["consumer"])
    context = {
        "old_assister_name": ctx.row["assister_name"],
        "new_assister_name": await _assister_name(ctx.decision.data["to_assister_id"]),
    }
    await write_message(consumer, "association_transferred", context, ctx.now, to="consumer")
