"""What an applied event writes, in as few trips to the database as each engine allows:
the compare-and-set of the state on ``version`` (with the columns of the case's own row
the event sets), the state's mirror, the history row, the audit entry and the other
writes its effect asked for.

PostgreSQL gets them as one statement (data-modifying CTEs: all happen or none); SQLite
as one trip to the connection's thread, which also carries the transaction's ``COMMIT``
when the engine owns the transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import asyncpg
from piccolo.columns import JSON, JSONB

from workflow.db import is_sqlite
from workflow.db.raw import atomically, in_one_hop, placeholders, raw, raw_many
from workflow.engine.kinds import CaseKind
from workflow.engine.records import AUDIT_COLUMNS, HISTORY_COLUMNS, PG_TYPES


@dataclass(frozen=True)
class EventWrite:
    """One event's writes."""

    case_id: int
    version: int  # the version the decision was made on
    state: str
    now: Any
    mirror_id: int | None
    history: tuple
    audit: tuple
    sets: Mapping[str, Any] = field(default_factory=dict)  # column -> value, case row
    extra: Sequence[tuple[str, tuple]] = ()  # (statement with {} placeholders, args)


async def write_event(
    kind: CaseKind, write: EventWrite, *, commit: bool = False, all_or_nothing: bool = False
) -> bool:
    """Write the event if the case is still at ``write.version``; False if it is not.
    With ``commit`` (SQLite) the same trip commits the transaction. With
    ``all_or_nothing`` (PostgreSQL) a case found at another version fails the statement,
    so the effect's writes never land without the move; the caller's transaction is then
    spoilt and must be rolled back."""
    sets = tuple(sorted(write.sets))
    values = [_encoded(kind, name, write.sets[name]) for name in sets]
    if is_sqlite():
        return await in_one_hop(_write_sqlite, _sqlite_cas(kind, sets), _sqlite_rest(kind),
                                write, values, commit=commit)  # fmt: skip
    extra = tuple(sql for sql, _ in write.extra)
    statement = _pg_statement(kind, sets, extra, all_or_nothing=all_or_nothing and bool(extra))
    try:
        rows = await raw(statement, *_pg_args(kind, write, values))
    except asyncpg.DivisionByZeroError:  # all_or_nothing: the compare-and-set moved nothing
        return False
    return bool(rows)


async def write_event_atomically(kind: CaseKind, write: EventWrite) -> bool:
    """``write_event`` as a transaction of its own, outside any: on SQLite one trip from
    ``BEGIN IMMEDIATE`` to ``COMMIT``, on PostgreSQL one statement."""
    sets = tuple(sorted(write.sets))
    values = [_encoded(kind, name, write.sets[name]) for name in sets]
    if is_sqlite():
        return await atomically(_write_sqlite, _sqlite_cas(kind, sets), _sqlite_rest(kind),
                                write, values)  # fmt: skip
    extra = tuple(sql for sql, _ in write.extra)
    if not extra:
        statement = _pg_statement(kind, sets, extra)
        return bool(await raw(statement, *_pg_args(kind, write, values)))
    try:
        return bool(await raw(_pg_statement(kind, sets, extra, all_or_nothing=True),
                              *_pg_args(kind, write, values)))  # fmt: skip
    except asyncpg.DivisionByZeroError:  # the compare-and-set found another version
        return False


async def write_events(kind: CaseKind, writes: Sequence[EventWrite]) -> bool:
    """Many events' writes (distinct cases) in the caller's transaction; False if any
    case was not at its version (the transaction is then to be rolled back). On
    PostgreSQL the writes of one shape go as one pipelined statement, each failing when
    its compare-and-set moves nothing."""
    if is_sqlite():
        for write in writes:
            if not await write_event(kind, write):
                return False
        return True
    shapes: dict[str, list[list[Any]]] = {}
    for write in writes:
        sets = tuple(sorted(write.sets))
        values = [_encoded(kind, name, write.sets[name]) for name in sets]
        extra = tuple(sql for sql, _ in write.extra)
        statement = _pg_statement(kind, sets, extra, all_or_nothing=True)
        shapes.setdefault(statement, []).append(_pg_args(kind, write, values))
    try:
        for statement, rows in shapes.items():
            await raw_many(statement, rows)
    except asyncpg.DivisionByZeroError:
        return False
    return True


def _encoded(kind: CaseKind, name: str, value: Any) -> Any:
    """A value as the driver takes it for that column (JSON columns as text)."""
    if isinstance(kind.table._meta.get_column_by_name(name), JSON | JSONB):
        return json.dumps(value)
    return value


def _cas(kind: CaseKind, sets: tuple[str, ...]) -> str:
    table = kind.table._meta.tablename
    pk = kind.table._meta.primary_key._meta.db_column_name
    extra = "".join(f', "{name}" = {{}}' for name in sets)
    return (
        f'UPDATE "{table}" SET state = {{}}, version = {{}}, updated_at = {{}}{extra} '
        f'WHERE "{pk}" = {{}} AND version = {{}} RETURNING "{pk}"'
    )


def _mirror(kind: CaseKind) -> str | None:
    mirror = kind.mirror
    if mirror is None:
        return None
    pk = mirror.table._meta.primary_key._meta.db_column_name
    table = mirror.table._meta.tablename
    return f'UPDATE "{table}" SET "{mirror.column}" = {{}} WHERE "{pk}" = {{}}'


def _insert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("{}" for _ in columns)})'


@cache
def _sqlite_cas(kind: CaseKind, sets: tuple[str, ...]) -> str:
    return placeholders(_cas(kind, sets), sqlite=True)


@cache
def _sqlite_rest(kind: CaseKind) -> tuple[str | None, str, str]:
    mirror = _mirror(kind)
    return (
        placeholders(mirror, sqlite=True) if mirror else None,
        placeholders(_insert("history", HISTORY_COLUMNS), sqlite=True),
        placeholders(_insert("audit_log", AUDIT_COLUMNS), sqlite=True),
    )


def _write_sqlite(
    conn: sqlite3.Connection, cas: str, rest, write: EventWrite, values: list[Any]
) -> bool:
    mirror, history, audit = rest
    args = (write.state, write.version + 1, write.now, *values, write.case_id, write.version)
    if not conn.execute(cas, args).fetchall():
        return False
    if mirror:
        conn.execute(mirror, (write.state, write.mirror_id))
    conn.execute(history, write.history)
    conn.execute(audit, write.audit)
    for sql, extra in write.extra:
        conn.execute(_sqlite_sql(sql), extra)
    return True


@cache
def _sqlite_sql(sql: str) -> str:
    return placeholders(sql, sqlite=True)


@cache
def _pg_statement(
    kind: CaseKind, sets: tuple[str, ...], extra: tuple[str, ...], all_or_nothing: bool = False
) -> str:
    """All of it as one statement: the inserts select from the CAS's RETURNING, so they
    happen exactly when it moved the case; the effect's writes run beside them (and the
    transaction rolls back if the CAS found another version). A statement that is its own
    transaction (``all_or_nothing``) fails when the CAS moved nothing, so the effect's
    writes (a training record, an import's claim) are undone with it."""

    def values(columns: tuple[str, ...]) -> str:
        return ", ".join(f"{{}}::{PG_TYPES[c]}" for c in columns)

    parts = [f"moved AS ({_cas(kind, sets)})"]
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
    parts += [f"effect_{i} AS ({sql})" for i, sql in enumerate(extra)]
    if all_or_nothing:  # 1/0 when nothing moved: the statement, and all it wrote, fails
        return "WITH " + ",\n".join(parts) + "\nSELECT 1 / (SELECT COUNT(*) FROM moved) AS moved"
    return "WITH " + ",\n".join(parts) + "\nSELECT 1 AS moved FROM moved"


def _pg_args(kind: CaseKind, write: EventWrite, values: list[Any]) -> list[Any]:
    args: list[Any] = [write.state, write.version + 1, write.now, *values, write.case_id,
                       write.version]  # fmt: skip
    if kind.mirror is not None:
        args += [write.state, write.mirror_id]
    args += [*write.history, *write.audit]
    for _, extra in write.extra:
        args += extra
    return args


def mirror_id(kind: CaseKind, row: Mapping[str, Any]) -> int | None:
    return row[kind.mirror.key] if kind.mirror is not None else None
