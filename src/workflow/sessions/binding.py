"""The sign-up machine bound to ``training_signups``. Every event queues on its session's
row first (so seats and the waiting list change one sign-up at a time per session);
``cancel`` hands a freed seat to the first in line, and ``attend`` records the course
through the assister's own machine, in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.principal import SYSTEM, Principal
from workflow.core.roles import SEES_EVERYTHING, Role
from workflow.core.settings import get_settings
from workflow.db.raw import raw
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.engine.kinds import CaseKind, EffectContext, On
from workflow.messaging.mailbox import message_insert
from workflow.sessions.machine import SIGNUP, SignupState
from workflow.tables import TrainingSignup

LOAD_SQL = """
SELECT g.*, s.course, s.training_year, s.language AS session_language, s.starts_at,
       s.online, s.place, s.capacity,
       a.name AS assister_name, a.email AS assister_email, a.language AS assister_language
FROM training_signups g JOIN training_sessions s ON s.id = g.session
JOIN assisters a ON a.id = g.assister
WHERE g.id = {}
"""
LOCK_SESSION = "UPDATE training_sessions SET updated_at = {} WHERE id = {} RETURNING id"
NEXT_IN_LINE = """
SELECT id FROM training_signups WHERE session = {} AND state = 'waiting' AND id <> {}
ORDER BY queued_at, id LIMIT 1
"""


def moment(value: Any) -> datetime:
    """A timestamp as read back from either engine."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def signup_facts(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"starts_at": moment(row["starts_at"])}


async def signup_time_facts(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    return {"started": moment(row["starts_at"]) <= now}


def signup_visible_to(principal: Principal, row: Mapping[str, Any]) -> bool:
    """Staff see every sign-up, an assister their own."""
    if principal.role in SEES_EVERYTHING:
        return True
    return principal.role == Role.assister and row["assister"] == principal.assister_id


async def lock_session(session_id: int, now: datetime) -> bool:
    """Queue behind every other change to this session's seats (PostgreSQL's row lock;
    SQLite's IMMEDIATE transactions already queue writers). False: no such session."""
    return bool(await raw(LOCK_SESSION, now, session_id))


def recipient(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["assister"], "name": row["assister_name"],
            "email": row["assister_email"], "language": row["assister_language"]}  # fmt: skip


def session_context(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the messages say about the session (its time in the program's time zone)."""
    zone = get_settings().program_timezone
    return {
        "course": row["course"],
        "training_year": f"TY{row['training_year']}",
        "session_language": row["session_language"],
        "starts_at": moment(row["starts_at"]).astimezone(ZoneInfo(zone)),
        "time_zone": zone,
        "online": bool(row["online"]),
        "place": row["place"],
    }


async def queue(ctx: EffectContext) -> None:
    await lock_session(ctx.row["session"], ctx.now)


async def queue_then_free_seat(ctx: EffectContext) -> None:
    """A confirmed person cancelling frees a seat: the first in line gets it, now."""
    await lock_session(ctx.row["session"], ctx.now)
    if ctx.decision.from_state != SignupState.confirmed:
        return
    rows = await raw(NEXT_IN_LINE, ctx.row["session"], ctx.row["id"])
    if rows:
        reason = f"a seat freed: sign-up {ctx.row['id']} was cancelled"
        await fire(FireEvent(SIGNUP_CASE, rows[0]["id"], "confirm", SYSTEM, reason, now=ctx.now))


async def queue_then_record_course(ctx: EffectContext) -> None:
    """Attendance is the course completed on the session's day: the assister's
    ``complete_training`` (its guards' refusal refuses the attendance too)."""
    await lock_session(ctx.row["session"], ctx.now)
    day = get_settings().today(moment(ctx.row["starts_at"]))
    data = {"course": ctx.row["course"], "training_year": ctx.row["training_year"],
            "language": ctx.row["session_language"], "completed_on": day.isoformat()}  # fmt: skip
    reason = f"attended training session {ctx.row['session']}"
    await fire(FireEvent(ASSISTER_CASE, ctx.row["assister"], "complete_training", ctx.actor,
                         reason, data, now=ctx.now))  # fmt: skip


async def confirmation(ctx: EffectContext) -> None:
    context = {**session_context(ctx.row), "signup_id": ctx.row["id"]}
    ctx.add(message_insert(recipient(ctx.row), "session_confirmed", context, ctx.now))


async def back_in_line(ctx: EffectContext) -> None:
    ctx.set(queued_at=ctx.now)


SIGNUP_CASE = CaseKind(
    spec=SIGNUP,
    table=TrainingSignup,
    facts=signup_facts,
    visible_to=signup_visible_to,
    load_facts=signup_time_facts,
    events={
        "confirm": On(before=queue, effect=confirmation, reads_facts=True),
        "cancel": On(before=queue_then_free_seat, reads_facts=True),
        "rejoin": On(before=queue, effect=back_in_line, reads_facts=True),
        "attend": On(before=queue_then_record_course, reads_facts=True),
    },
    load_sql=LOAD_SQL,
    label="session sign-up",
    path="/training/signups/{signup_id}",
    roles=("admin", "support", "assister"),
)
