"""Consumers: their own record, and the lock on their application."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.params import JSONBody

from workflow.associations import application_lock as lock
from workflow.associations.schemas import (
    ApplicationLockOut,
    ApplicationStatusBody,
    ConsumerOut,
)
from workflow.associations.service import consumer_overview
from workflow.messaging.mailbox import mailbox
from workflow.web.auth import allow
from workflow.web.params import DEFAULT_LIMIT, Actor, Id, Limit, Offset
from workflow.web.schemas import MessagePage, convert

LOCK_USERS = allow("consumer", "assister", "admin", "support")


class ConsumerController(Controller):
    path = "/consumers"
    tags = ["consumers"]

    @get("/me", opt=allow("consumer"))
    async def me(self, actor: Actor) -> ConsumerOut:
        """The caller's consumer record, their current assister (with whether that
        assister can act now), pending requests and who holds the application lock."""
        return convert(await consumer_overview(actor), ConsumerOut)

    @get("/me/messages", opt=allow("consumer"))
    async def my_messages(
        self, actor: Actor, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
    ) -> MessagePage:
        """The consumer's notices about their assister (newest first)."""
        items, total = await mailbox(
            None, limit, offset, consumer_id=actor.consumer_id, reader_is_recipient=True
        )
        return MessagePage(convert(items, list), total, limit, offset)

    @get("/{consumer_id:int}/application/lock", opt=LOCK_USERS)
    async def lock_status(self, consumer_id: Id, actor: Actor) -> ApplicationLockOut:
        """Who is working on the consumer's application now, if anyone (the consumer,
        their assister, staff)."""
        return convert(await lock.lock_status(consumer_id, actor), ApplicationLockOut)

    @post("/{consumer_id:int}/application/lock", opt=allow("consumer", "assister"), status_code=200)
    async def take_lock(self, consumer_id: Id, actor: Actor) -> ApplicationLockOut:
        """Start (or keep) working on the application: the consumer or their assister
        (active, acknowledged) takes the lock; 409 naming whoever holds it. Calling it
        again while holding it counts as activity. It lapses after
        WORKFLOW_APPLICATION_LOCK_MINUTES without activity."""
        return convert(await lock.take_lock(consumer_id, actor), ApplicationLockOut)

    @delete("/{consumer_id:int}/application/lock", opt=LOCK_USERS, status_code=200)
    async def release_lock(self, consumer_id: Id, actor: Actor) -> ApplicationLockOut:
        """Stop working on it: the holder releases the lock (staff may release anyone's)."""
        return convert(await lock.release_lock(consumer_id, actor), ApplicationLockOut)

    @put("/{consumer_id:int}/application", opt=allow("consumer", "assister"))
    async def set_status(
        self, consumer_id: Id, actor: Actor, data: JSONBody[ApplicationStatusBody]
    ) -> ApplicationLockOut:
        """Record the application's status (``not_started``, ``in_progress``,
        ``submitted``); only the lock's holder may, and it counts as activity."""
        result = await lock.set_application_status(consumer_id, data.application_status, actor)
        return convert(result, ApplicationLockOut)
