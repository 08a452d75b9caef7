"""Publishing sessions and signing up: a seat while there is one, else the waiting list;
the person hears which at once, in their language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workflow.core.errors import Conflict, GuardRefused, NotFound
from workflow.core.principal import SYSTEM, Principal
from workflow.core.roles import Role
from workflow.db import transaction
from workflow.db.raw import raw
from workflow.engine.command import FireEvent
from workflow.engine.fire import conflicts_as_409, fire
from workflow.engine.records import record_creation
from workflow.messaging.mailbox import write_message
from workflow.sessions.binding import (
    LOAD_SQL,
    SIGNUP_CASE,
    lock_session,
    moment,
    recipient,
    session_context,
)
from workflow.sessions.machine import SIGNUP, SignupState
from workflow.tables import Assister, TrainingSession, TrainingSignup

SEATS = """
SELECT s.capacity,
       (SELECT COUNT(*) FROM training_signups g WHERE g.session = s.id
        AND g.state IN ('confirmed', 'attended')) AS taken
FROM training_sessions s WHERE s.id = {}
"""
FIRST_IN_LINE = """
SELECT id FROM training_signups WHERE session = {} AND state = 'waiting'
ORDER BY queued_at, id LIMIT {}
"""
PLACE_IN_LINE = """
SELECT COUNT(*) AS ahead FROM training_signups w, training_signups me
WHERE me.id = {} AND w.session = me.session AND w.state = 'waiting'
  AND (w.queued_at < me.queued_at OR (w.queued_at = me.queued_at AND w.id < me.id))
"""


@dataclass(frozen=True)
class NewSession:
    course: str
    training_year: int
    language: str
    starts_at: datetime
    capacity: int
    online: bool = False
    place: str | None = None


async def publish_session(new: NewSession, actor: Principal, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    place = (new.place or "").strip() or None
    if not new.online and place is None:
        raise GuardRefused("publish", "place: give the address, or mark the session online")
    if moment(new.starts_at) <= now:
        raise GuardRefused("publish", "starts_at: a session is published before it starts")
    rows = await TrainingSession.insert(
        TrainingSession(
            course=new.course,
            training_year=new.training_year,
            language=new.language,
            starts_at=new.starts_at,
            online=new.online,
            place=None if new.online else place,
            capacity=new.capacity,
            published_by=actor.username,
            created_at=now,
            updated_at=now,
        )  # fmt: skip
    ).returning(TrainingSession.id)
    return rows[0]["id"]


async def sign_up(session_id: int, assister_id: int, actor: Principal,
                  now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """Sign ``assister_id`` up (an assister only themselves): a seat if one is free and
    nobody is waiting, else the end of the waiting list. Once per person per session:
    a second sign-up is a 409, a cancelled one signs up again with ``rejoin``."""
    now = now or datetime.now(UTC)
    if actor.role == Role.assister and actor.assister_id != assister_id:
        raise NotFound(f"assister {assister_id} not found")
    async with conflicts_as_409("session sign-up", session_id), transaction():
        if not await lock_session(session_id, now):
            raise NotFound(f"training session {session_id} not found")
        signup_id = await _join(session_id, assister_id, actor, now)
        confirmed = await fill_free_seats(session_id, now)
        if signup_id not in confirmed:
            await _tell_waiting(signup_id, now)
    return await signup_view(signup_id)


async def _join(session_id: int, assister_id: int, actor: Principal, now: datetime) -> int:
    seat_key = f"{session_id}:{assister_id}"
    existing = (
        await TrainingSignup.select(TrainingSignup.id, TrainingSignup.state)
        .where(TrainingSignup.seat_key == seat_key)
        .first()
    )
    if existing and existing["state"] != SignupState.cancelled:
        raise Conflict(
            f"assister {assister_id} is already signed up for session {session_id} "
            f"({existing['state']}, sign-up {existing['id']}); cancel that sign-up to leave"
        )
    if existing:
        reason = f"signed up again by {actor.username}"
        await fire(FireEvent(SIGNUP_CASE, existing["id"], "rejoin", SYSTEM, reason, now=now))
        return existing["id"]
    assister = await Assister.select(Assister.state).where(Assister.id == assister_id).first()
    if assister is None:
        raise NotFound(f"assister {assister_id} not found")
    if assister["state"] == "deactivated":
        raise GuardRefused("sign_up", f"assister {assister_id} has left the program")
    await _check_not_started(session_id, now)
    rows = await TrainingSignup.insert(
        TrainingSignup(
            session=session_id,
            assister=assister_id,
            seat_key=seat_key,
            state=SIGNUP.initial,
            queued_at=now,
            created_at=now,
            updated_at=now,
        )  # fmt: skip
    ).returning(TrainingSignup.id)
    await record_creation(SIGNUP.name, rows[0]["id"], SIGNUP.initial, actor, now)
    return rows[0]["id"]


async def _check_not_started(session_id: int, now: datetime) -> None:
    row = (
        await TrainingSession.select(TrainingSession.starts_at)
        .where(TrainingSession.id == session_id)
        .first()
    )
    if moment(row["starts_at"]) <= now:
        raise GuardRefused("sign_up", f"training session {session_id} has already started")


async def fill_free_seats(session_id: int, now: datetime) -> list[int]:
    """While seats are free, the first in line gets one (inside the caller's
    transaction, after ``lock_session``). Returns the sign-ups confirmed."""
    seats = (await raw(SEATS, session_id))[0]
    free = seats["capacity"] - seats["taken"]
    if free <= 0:
        return []
    confirmed = []
    for row in await raw(FIRST_IN_LINE, session_id, free):
        reason = "a seat was free"
        await fire(FireEvent(SIGNUP_CASE, row["id"], "confirm", SYSTEM, reason, now=now))
        confirmed.append(row["id"])
    return confirmed


async def _tell_waiting(signup_id: int, now: datetime) -> None:
    row = (await raw(LOAD_SQL, signup_id))[0]
    context = {**session_context(row), "place_in_line": await place_in_line(signup_id)}
    await write_message(recipient(row), "session_waitlisted", context, now)


async def place_in_line(signup_id: int) -> int:
    """1 for the first on the waiting list."""
    return (await raw(PLACE_IN_LINE, signup_id))[0]["ahead"] + 1


async def signup_view(signup_id: int) -> dict[str, Any]:
    rows = await raw(LOAD_SQL, signup_id)
    if not rows:
        raise NotFound(f"session sign-up {signup_id} not found")
    row = rows[0]
    waiting = row["state"] == SignupState.waiting
    return {
        "id": row["id"],
        "session_id": row["session"],
        "assister_id": row["assister"],
        "state": row["state"],
        "version": row["version"],
        "place_in_line": await place_in_line(signup_id) if waiting else None,
        "allowed_events": SIGNUP.allowed_events(row["state"]),
    }
