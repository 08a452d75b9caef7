"""What an applied event writes, as few trips to the database as each engine allows:
the compare-and-set of the state on ``version``, the state's mirror, the history row and
the audit entry.

PostgreSQL gets them as one statement (data-modifying CTEs: either all happen or none);
SQLite as one trip to the connection's thread, inside the event's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from workflow.db import is_sqlite
from workflow.db.raw import in_one_hop, placeholders, raw
from workflow.engine.kinds import CaseKind
from workflow.engine.records import AUDIT_COLUMNS, HISTORY_COLUMNS, PG_TYPES


@dataclass(frozen=True)
class EventWrite:
    """One event's writes: the new state and version, and the two rows it leaves."""

    case_id: int
    version: int  # the version the decision was made on
    state: str
    now: Any
    mirror_id: int | None
    history: tuple
    audit: tuple


async def write_event(kind: CaseKind, write: EventWrite) -> bool:
    """Write the event if the case is still at ``write.version``; False if it is not."""
    if is_sqlite():
        return await in_one_hop(_write_sqlite, _sqlite_statements(kind), write)
    rows = await raw(_pg_statement(kind), *_pg_args(kind, write))
    return bool(rows)


def _cas(kind: CaseKind) -> str:
    table = kind.table._meta.tablename
    pk = kind.table._meta.primary_key._meta.db_column_name
    return (
        f'UPDATE "{table}" SET state = {{}}, version = {{}}, updated_at = {{}} '
        f'WHERE "{pk}" = {{}} AND version = {{}} RETURNING "{pk}"'
    )


def _mirror(kind: CaseKind) -> str | None:
    mirror = kind.mirror
    if mirror is None:
        return None
    pk = mirror.table._meta.primary_key._meta.db_column_name
    return (
        f'UPDATE "{mirror.table._meta.tablename}" SET "{mirror.column}" = {{}} WHERE "{pk}" = {{}}'
    )


def _insert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("{}" for _ in columns)})'


@cache
def _sqlite_statements(kind: CaseKind) -> tuple[str, str | None, str, str]:
    mirror = _mirror(kind)
    return (
        placeholders(_cas(kind), sqlite=True),
        placeholders(mirror, sqlite=True) if mirror else None,
        placeholders(_insert("history", HISTORY_COLUMNS), sqlite=True),
        placeholders(_insert("audit_log", AUDIT_COLUMNS), sqlite=True),
    )


def _write_sqlite(conn: sqlite3.Connection, statements, write: EventWrite) -> bool:
    cas, mirror, history, audit = statements
    moved = conn.execute(cas, (write.state, write.version + 1, write.now, write.case_id,
                               write.version)).fetchall()  # fmt: skip
    if not moved:
        return False
    if mirror:
        conn.execute(mirror, (write.state, write.mirror_id))
    conn.execute(history, write.history)
    conn.execute(audit, write.audit)
    return True


@cache
def _pg_statement(kind: CaseKind) -> str:
    """CAS, mirror, history and audit as one statement: the inserts select from the
    CAS's RETURNING, so they happen exactly when it moved the case."""

    def values(columns: tuple[str, ...]) -> str:
        return ", ".join(f"{{}}::{PG_TYPES[c]}" for c in columns)

    parts = [f"moved AS ({_cas(kind)})"]
    if kind.mirror is not None:
        mirror = _mirror(kind).replace("WHERE", "WHERE EXISTS (SELECT 1 FROM moved) AND")
        parts.append(f"mirrored AS ({mirror})")
    names = ", ".join(f'"{c}"' for c in HISTORY_COLUMNS)
    parts.append(
        f"history_row AS (INSERT INTO history ({names}) "
        f"SELECT {values(HISTORY_COLUMNS)} FROM moved)"
    )
    names = ", ".join(f'"{c}"' for c in AUDIT_COLUMNS)
    parts.append(
        f"audit_row AS (INSERT INTO audit_log ({names}) SELECT {values(AUDIT_COLUMNS)} FROM moved)"
    )
    return "WITH " + ",\n".join(parts) + "\nSELECT 1 AS moved FROM moved"


def _pg_args(kind: CaseKind, write: EventWrite) -> list[Any]:
    args: list[Any] = [write.state, write.version + 1, write.now, write.case_id, write.version]
    if kind.mirror is not None:
        args += [write.state, write.mirror_id]
    return args + list(write.history) + list(write.audit)


def mirror_id(kind: CaseKind, row: Mapping[str, Any]) -> int | None:
    return row[kind.mirror.key] if kind.mirror is not None else None
