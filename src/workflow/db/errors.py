"""Recognising the database errors that mean "someone else's write got there first"."""

from __future__ import annotations

import sqlite3

from asyncpg import exceptions as pg

_PG_CONFLICTS = (
    pg.UniqueViolationError,
    pg.ExclusionViolationError,
    pg.DeadlockDetectedError,
    pg.SerializationError,
)


def is_write_conflict(exc: BaseException) -> bool:
    """A unique/exclusion violation, a deadlock or a serialization failure: the change
    collided with a concurrent one and may succeed when retried on fresh data."""
    if isinstance(exc, _PG_CONFLICTS):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc)


def constraint_name(exc: BaseException) -> str | None:
    """The index or constraint that refused the write, when the driver says."""
    name = getattr(exc, "constraint_name", None)
    if name:
        return name
    text = str(exc)
    if "UNIQUE constraint failed:" in text:
        return text.split("UNIQUE constraint failed:", 1)[1].strip()
    return None
