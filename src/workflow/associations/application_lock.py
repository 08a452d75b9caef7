"""Only one person at a time works on a consumer's application: the consumer or their
assister takes a lock that others see; it lapses after ``application_lock_minutes``
without activity and can be released. Taking, refreshing and releasing are single
conditional UPDATEs, so two people racing for it cannot both win."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from workflow.associations.clients import client_association, require_may_act
from workflow.consumers.service import get_consumer
from workflow.core.errors import Conflict, Forbidden, NotFound
from workflow.core.principal import Principal
from workflow.core.roles import Role, a_role
from workflow.core.settings import get_settings
from workflow.tables import ApplicationStatus, Consumer

TAKE = """
UPDATE consumers SET
    lock_acquired_at = CASE WHEN lock_user = {} AND lock_active_at >= {}
                            THEN lock_acquired_at ELSE {} END,
    lock_user = {}, lock_holder = {}, lock_role = {}, lock_active_at = {}
WHERE id = {} AND (lock_user IS NULL OR lock_user = {} OR lock_active_at < {})
RETURNING id
"""
CLEAR = """
UPDATE consumers SET lock_user = NULL, lock_holder = NULL, lock_role = NULL,
       lock_acquired_at = NULL, lock_active_at = NULL
WHERE id = {} AND lock_user = {}
RETURNING id
"""
SET_STATUS = """
UPDATE consumers SET application_status = {}, lock_active_at = {}, updated_at = {}
WHERE id = {} AND lock_user = {} AND lock_active_at >= {}
RETURNING id
"""


def lock_window() -> timedelta:
    return timedelta(minutes=get_settings().application_lock_minutes)


async def _lock_row(consumer_id: int) -> dict[str, Any]:
    row = (
        await Consumer.select(
            Consumer.id,
            Consumer.application_status,
            Consumer.lock_user,
            Consumer.lock_holder,
            Consumer.lock_role,
            Consumer.lock_acquired_at,
            Consumer.lock_active_at,
        )
        .where(Consumer.id == consumer_id)
        .first()
    )
    if row is None:
        raise NotFound(f"consumer {consumer_id} not found")
    return row


def _live(row: dict[str, Any], now: datetime) -> bool:
    active = row["lock_active_at"]
    return row["lock_user"] is not None and active is not None and active + lock_window() > now


def _present(row: dict[str, Any], actor: Principal, now: datetime) -> dict[str, Any]:
    if not _live(row, now):
        return {"held": False, "application_status": row["application_status"]}
    return {
        "held": True,
        "holder": row["lock_holder"],
        "holder_role": row["lock_role"],
        "acquired_at": row["lock_acquired_at"],
        "last_activity_at": row["lock_active_at"],
        "expires_at": row["lock_active_at"] + lock_window(),
        "yours": row["lock_user"] == actor.user_id,
        "application_status": row["application_status"],
    }


def _held_by_other(row: dict[str, Any]) -> Conflict:
    expires = row["lock_active_at"] + lock_window()
    return Conflict(
        f"{row['lock_holder']} is working on this application (since "
        f"{row['lock_acquired_at']:%Y-%m-%d %H:%M} UTC, last activity "
        f"{row['lock_active_at']:%H:%M} UTC); only one person at a time may work on it. "
        f"It frees up at {expires:%H:%M} UTC unless they keep working, or ask them to release it"
    )


async def _may_see(consumer_id: int, actor: Principal) -> None:
    if actor.is_staff:
        return
    if actor.role == Role.consumer and actor.consumer_id == consumer_id:
        return
    if actor.role == Role.assister and actor.assister_id is not None:
        row = await client_association(actor.assister_id, consumer_id)
        if row is not None and row["state"] == "confirmed":
            return
    raise NotFound(f"consumer {consumer_id} not found")


async def _worker_label(consumer_id: int, actor: Principal) -> str:
    """Who would hold the lock: the consumer themselves or their assister, who must be
    active and have acknowledged the authorization. Staff may look and release only."""
    await _may_see(consumer_id, actor)
    if actor.role == Role.consumer:
        return f"the consumer {(await get_consumer(consumer_id))['name']}"
    if actor.role == Role.assister:
        row = await require_may_act(actor.assister_id, consumer_id)
        return f"their assister {row['assister_name']}"
    raise Forbidden(
        f"{a_role(actor.role)} may see and release the application lock but not take it: only "
        "the consumer or their assister works on the application"
    )


async def lock_status(consumer_id: int, actor: Principal, now: datetime | None = None) -> dict:
    """Who holds the application lock now, if anyone."""
    await _may_see(consumer_id, actor)
    return _present(await _lock_row(consumer_id), actor, now or datetime.now(UTC))


async def take_lock(consumer_id: int, actor: Principal, now: datetime | None = None) -> dict:
    """Take the lock, or refresh it if the caller holds it; 409 naming whoever holds it."""
    now = now or datetime.now(UTC)
    label = await _worker_label(consumer_id, actor)
    cutoff = now - lock_window()
    u, role = actor.user_id, actor.role
    won = await Consumer.raw(TAKE, u, cutoff, now, u, label, role, now, consumer_id, u, cutoff)
    row = await _lock_row(consumer_id)
    if not won:
        raise _held_by_other(row)
    return _present(row, actor, now)


async def release_lock(consumer_id: int, actor: Principal, now: datetime | None = None) -> dict:
    """The holder (or staff) releases the lock; releasing a lock nobody holds is a no-op."""
    now = now or datetime.now(UTC)
    await _may_see(consumer_id, actor)
    row = await _lock_row(consumer_id)
    mine = row["lock_user"] == actor.user_id
    if _live(row, now) and not mine and not actor.is_staff:
        raise _held_by_other(row)
    if row["lock_user"] is not None:
        await Consumer.raw(CLEAR, consumer_id, row["lock_user"])
    return _present(await _lock_row(consumer_id), actor, now)


async def set_application_status(
    consumer_id: int, status: str, actor: Principal, now: datetime | None = None
) -> dict:
    """Record the application's progress; only the lock's holder may, and it counts as
    activity (the lock's clock restarts)."""
    now = now or datetime.now(UTC)
    await _worker_label(consumer_id, actor)
    status = ApplicationStatus(status).value
    done = await Consumer.raw(
        SET_STATUS, status, now, now, consumer_id, actor.user_id, now - lock_window()
    )
    row = await _lock_row(consumer_id)
    if not done:
        if _live(row, now):
            raise _held_by_other(row)
        raise Conflict(
            "take the application lock first (POST /consumers/"
            f"{consumer_id}/application/lock): only its holder may change the application"
        )
    return _present(row, actor, now)
