"""The bulk effect of the sweep's expiry rule: what ending an unconfirmed request
records, for a whole batch (the per-case effect of ``disassociate`` does the same)."""

from __future__ import annotations

from datetime import datetime

from workflow.services.mailbox import write_messages_bulk
from workflow.tables import Association


async def end_expired_requests(moved: list[int], reason: str, now: datetime) -> None:
    await Association.update({Association.ended_at: now, Association.end_reason: reason}).where(
        Association.id.is_in(moved)
    )
    consumers = await Association.select(
        Association.consumer.id.as_alias("id"),
        Association.consumer.name.as_alias("name"),
        Association.consumer.email.as_alias("email"),
        Association.consumer.language.as_alias("language"),
        Association.assister.name.as_alias("assister_name"),
    ).where(Association.id.is_in(moved))
    await write_messages_bulk(
        consumers,
        "association_ended",
        lambda c: {"assister_name": c["assister_name"], "reason": reason, "expired": True},
        now,
        to="consumer",
    )
