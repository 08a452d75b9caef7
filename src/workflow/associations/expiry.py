"""The bulk form of ``disassociate``'s effect (the sweep's expiry of unconfirmed
requests, staff's bulk form): for a whole batch, what ending one association records,
as the per-case effect does (``binding.record_end``)."""

from __future__ import annotations

import json

from workflow.associations.notices import told_to_consumer
from workflow.associations.periods import close_periods, how_it_ended
from workflow.core.roles import Role
from workflow.db.raw import ids_in, raw
from workflow.engine.kinds import BulkContext
from workflow.messaging.mailbox import write_messages_bulk
from workflow.tables import Association

RELEASE_ASSISTER_LOCKS = """
UPDATE consumers SET lock_user = NULL, lock_holder = NULL, lock_role = NULL,
       lock_acquired_at = NULL, lock_active_at = NULL
WHERE lock_role = 'assister' AND EXISTS (
    SELECT 1 FROM associations a JOIN accounts u ON u.assister = a.assister
    WHERE a.id IN ({ids}) AND a.consumer = consumers.id AND u."user" = consumers.lock_user)
"""


async def record_ends(ctx: BulkContext) -> None:
    ids = json.dumps(ctx.ids)
    reason = ctx.reason or f"ended by the {ctx.actor.role}"
    message = ctx.context.get("message_to_consumer")
    told = told_to_consumer(ctx.actor.role, ctx.reason, message)
    ended = {Association.ended_at: ctx.now, Association.end_reason: reason}
    await Association.update({**ended, Association.end_message: told}).where(
        Association.id.is_in(ctx.ids)
    )
    await raw(RELEASE_ASSISTER_LOCKS.format(ids=ids_in()), ids)
    await close_periods(ctx.ids, how_it_ended(ctx.actor, ctx.reason), ctx.now)
    if ctx.actor.role == Role.consumer:  # they did it themselves, and the page said so
        return
    consumers = await Association.select(
        Association.consumer.id.as_alias("id"),
        Association.consumer.name.as_alias("name"),
        Association.consumer.email.as_alias("email"),
        Association.consumer.language.as_alias("language"),
        Association.assister.name.as_alias("assister_name"),
    ).where(Association.id.is_in(ctx.ids))
    expired = ctx.actor.role == Role.system
    await write_messages_bulk(
        consumers,
        "association_ended",
        lambda c: {"assister_name": c["assister_name"], "message": message, "expired": expired},
        ctx.now,
        to="consumer",
    )
