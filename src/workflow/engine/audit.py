"""The audit log: logins, lockouts, refusals, writes with tokens, every event and every
admin change, with who, what, object, outcome and UTC time. Append-only in the database.

Entries never carry request bodies or consumers' personal fields: only ids, names of
actions and outcomes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from workflow.core.logs import CORRELATION_ID
from workflow.core.principal import Principal
from workflow.db.raw import raw

log = logging.getLogger("workflow.audit")

# Set per request by the API, so entries written deep inside carry where they came from.
REQUEST_SOURCE: ContextVar[str] = ContextVar("request_source", default="")
# CORRELATION_ID (imported above) is the request's correlation id, also in every log line.
__all__ = ["CORRELATION_ID", "REQUEST_SOURCE", "record", "record_outside", "row"]

AUDIT_INSERT = """
INSERT INTO audit_log
    (at, actor, actor_user_id, role, action, object_type, object_id, outcome, detail,
     source, correlation_id)
VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})
"""


def row(
    action: str,
    outcome: str,
    *,
    actor: Principal | None = None,
    username: str | None = None,
    object_type: str = "",
    object_id: Any = "",
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> tuple:
    """One audit entry as a row of values, in the order of ``AUDIT_INSERT``'s columns."""
    # Clipped to the columns: an audit entry must never fail for being long (the detail
    # keeps the whole of anything clipped here).
    return (
        at or datetime.now(UTC),
        (actor.username if actor else (username or "anonymous"))[:150],
        actor.user_id if actor else None,
        (actor.role if actor else "")[:20],
        action[:80],
        object_type[:40],
        (str(object_id) if object_id is not None else "")[:40],
        outcome[:20],
        json.dumps(dict(detail or {}), default=str),
        REQUEST_SOURCE.get()[:64],
        CORRELATION_ID.get()[:40],
    )


async def record(action: str, outcome: str, **fields: Any) -> None:
    """Append one audit entry (a fixed statement: it runs on every write)."""
    await raw(AUDIT_INSERT, *row(action, outcome, **fields))


async def record_outside(action: str, outcome: str, **fields: Any) -> None:
    """An entry about a refusal, written outside any change: if it cannot be written the
    refusal still stands (and the failure is logged), it never becomes a 500."""
    try:
        await record(action, outcome, **fields)
    except Exception:
        log.exception("could not write the audit entry %s/%s", action, outcome)
