"""Reading sessions: seats left, the waiting list, and (for staff) who is on the roster."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow.core.errors import NotFound
from workflow.db.raw import raw
from workflow.sessions.binding import moment

SESSIONS = """
SELECT s.*,
  (SELECT COUNT(*) FROM training_signups g WHERE g.session = s.id
   AND g.state IN ('confirmed', 'attended')) AS taken,
  (SELECT COUNT(*) FROM training_signups g WHERE g.session = s.id
   AND g.state = 'waiting') AS waiting
FROM training_sessions s
"""
ROSTER = """
SELECT g.id, g.assister, g.state, g.version, g.queued_at, a.name, a.email, a.npn,
       a.reference_number
FROM training_signups g JOIN assisters a ON a.id = g.assister
WHERE g.session = {}
ORDER BY CASE g.state WHEN 'confirmed' THEN 0 WHEN 'attended' THEN 1 WHEN 'waiting' THEN 2
         ELSE 3 END, g.queued_at, g.id
"""
MINE = "SELECT session, id, state FROM training_signups WHERE assister = {}"


def _session(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "course": row["course"],
        "training_year": row["training_year"],
        "language": row["language"],
        "starts_at": moment(row["starts_at"]),
        "online": bool(row["online"]),
        "place": row["place"],
        "capacity": row["capacity"],
        "seats_left": max(row["capacity"] - row["taken"], 0),
        "waiting": row["waiting"],
        "published_by": row["published_by"],
    }


async def list_sessions(now: datetime, *, upcoming: bool = True) -> list[dict[str, Any]]:
    """Sessions by start time: those still to start, or every one."""
    if upcoming:
        rows = await raw(SESSIONS + " WHERE s.starts_at > {} ORDER BY s.starts_at, s.id", now)
    else:
        rows = await raw(SESSIONS + " ORDER BY s.starts_at DESC, s.id")
    return [_session(r) for r in rows]


async def get_session(session_id: int) -> dict[str, Any]:
    rows = await raw(SESSIONS + " WHERE s.id = {}", session_id)
    if not rows:
        raise NotFound(f"training session {session_id} not found")
    return _session(rows[0])


async def roster(session_id: int) -> list[dict[str, Any]]:
    """Seats first, then the waiting list in order (with each one's place), then the rest."""
    rows = await raw(ROSTER, session_id)
    place = 0
    for row in rows:
        row["place_in_line"] = None
        if row["state"] == "waiting":
            place += 1
            row["place_in_line"] = place
    return rows


async def my_signups(assister_id: int) -> dict[int, dict[str, Any]]:
    """Session id -> the assister's sign-up for it."""
    return {r["session"]: r for r in await raw(MINE, assister_id)}
