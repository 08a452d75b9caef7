"""What brokers and consumers are told about a referral, in their own language: the
broker when it is offered to them and when they accept it (with the consumer's contact
details), the consumer when a broker accepts and when nobody could (staff will call)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.db.raw import raw
from workflow.engine.kinds import EffectContext
from workflow.messaging.mailbox import message_insert

BROKER = "SELECT id, name, email, phone, language, reference_number FROM assisters WHERE id = {}"


async def broker(broker_id: int) -> dict[str, Any]:
    return (await raw(BROKER, broker_id))[0]


def consumer_of(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The referral's consumer as a message recipient: their mailbox if signed in, else
    the e-mail address they gave (None if they gave only a phone number)."""
    if not row["email"]:
        return None
    return {"id": row["consumer"], "name": row["name"], "email": row["email"],
            "language": row["language"]}  # fmt: skip


def offered(ctx: EffectContext, to: Mapping[str, Any], expires_at) -> None:
    context = {"referral": ctx.row, "expires_at": expires_at}
    ctx.add(message_insert(to, "referral_offered", context, ctx.now))


def accepted(ctx: EffectContext, by: Mapping[str, Any]) -> None:
    row = ctx.row
    ctx.add(message_insert(by, "referral_accepted", {"referral": row}, ctx.now))
    consumer = consumer_of(row)
    if consumer is not None:
        context = {"broker": by, "signed_in": row["consumer"] is not None}
        ctx.add(message_insert(consumer, "referral_found", context, ctx.now, to="consumer"))


def unmatched(ctx: EffectContext) -> None:
    consumer = consumer_of(ctx.row)
    if consumer is not None:
        ctx.add(message_insert(consumer, "referral_unmatched", {}, ctx.now, to="consumer"))
