"""Statements the hot paths send as they are, on whatever engine is in use.

``raw`` runs one statement with ``{}`` placeholders (piccolo's), on the current
transaction's connection if there is one. ``in_one_hop`` runs a plain function with the
SQLite connection on that connection's own thread: several statements for the price of
one trip between threads (each trip costs more CPU than SQLite spends on a small
statement). ``atomically`` does the same for a whole write transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from workflow.db.engine import current_engine, is_sqlite
from workflow.db.sqlite_pool import PooledSQLiteEngine

T = TypeVar("T")


async def raw(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one statement (``{}`` placeholders) and return its rows as dicts: straight to
    the driver, on the current transaction's connection if there is one (piccolo's query
    building costs more CPU than a small statement does in the database)."""
    engine = current_engine()
    transaction = engine.current_transaction.get()
    if isinstance(engine, PooledSQLiteEngine):
        query = placeholders(sql, sqlite=True)
        if transaction is not None:
            return await transaction.connection.execute_fetchall(query, args)
        return await engine._run_in_new_connection(query, args)
    query = placeholders(sql, sqlite=False)
    if transaction is not None:
        rows = await transaction.connection.fetch(query, *args)
    else:
        rows = await engine.pool.fetch(query, *args)
    return [dict(r) for r in rows]


async def raw_many(sql: str, rows: list[tuple]) -> None:
    """One PostgreSQL statement run for many rows of arguments in the current
    transaction, sent together (asyncpg's ``executemany``: one trip, not one per row)."""
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("raw_many runs inside workflow.db.transaction()")
    await transaction.connection.executemany(placeholders(sql, sqlite=False), rows)


async def read(sql: str, *args: Any) -> list[dict[str, Any]]:
    """A small read (a row by its key): like ``raw``, but on SQLite outside a transaction
    it runs at once on this thread (``PooledSQLiteEngine.read_now``)."""
    engine = current_engine()
    if isinstance(engine, PooledSQLiteEngine) and engine.current_transaction.get() is None:
        return engine.read_now(placeholders(sql, sqlite=True), args)
    return await raw(sql, *args)


@cache
def placeholders(sql: str, sqlite: bool | None = None) -> str:
    """``{}`` placeholders as the driver spells them: ``?`` or ``$1, $2, ...``."""
    if sqlite if sqlite is not None else is_sqlite():
        return sql.replace("{}", "?")
    parts = sql.split("{}")
    return "".join(p + (f"${i}" if i < len(parts) else "") for i, p in enumerate(parts, 1))


async def in_one_hop(fn: Callable[..., T], *args: Any, commit: bool = False) -> T:
    """``fn(connection, *args)`` on the current SQLite transaction's thread, in one trip
    (with the transaction's ``BEGIN`` if nothing ran yet). With ``commit``, the same trip
    ends the transaction when ``fn`` returns a true value (a false one leaves it open, for
    the caller to roll back)."""
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("in_one_hop runs inside workflow.db.transaction()")
    connection = transaction.connection
    if not commit:
        return await connection._execute(fn, connection._conn, *args)
    result = await connection._execute(_then_commit, connection._conn, fn, args)
    if result:
        transaction._committed = True
    return result


def _then_commit(conn: sqlite3.Connection, fn: Callable[..., T], args: tuple) -> T:
    result = fn(conn, *args)
    if result:
        conn.execute("COMMIT")
    return result


async def atomically(fn: Callable[..., T], *args: Any) -> T:
    """``fn(connection, *args)`` as one write transaction of its own (SQLite), the whole
    of it in one trip to the connection's thread: BEGIN IMMEDIATE, the work, COMMIT (or
    ROLLBACK when ``fn`` returns a false value)."""
    engine = current_engine()
    if not isinstance(engine, PooledSQLiteEngine):
        raise RuntimeError("atomically is for the SQLite engine")
    async with engine.write_lock:
        done, result = engine.write_now(_in_transaction, fn, args)
        if done:
            return result
        connection = await engine.get_connection()
        try:
            return await connection._execute(_in_transaction, connection._conn, fn, args)
        finally:
            await engine.release(connection)


def _in_transaction(conn: sqlite3.Connection, fn: Callable[..., T], args: tuple) -> T:
    """``fn`` between ``BEGIN IMMEDIATE`` and ``COMMIT``; a false result (nothing to keep)
    or an exception rolls back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT" if result else "ROLLBACK")
    return result


def in_list(column: str, pg_type: str = "bigint") -> str:
    """``column`` is one of a list passed as one parameter (``list_arg``), by the column's
    index on both engines (PostgreSQL's ``= ANY(array)``; an ``IN`` over a set-returning
    function may read the whole table instead)."""
    if is_sqlite():
        return f"{column} IN (SELECT value FROM json_each({{}}))"
    return f"{column} = ANY({{}}::{pg_type}[])"


def list_arg(values) -> Any:
    """The parameter ``in_list`` takes."""
    return json.dumps(list(values)) if is_sqlite() else list(values)


def ids_in(placeholder: str = "{}") -> str:
    """A subquery yielding the ids of a JSON list passed as one parameter (``[1, 2]``):
    ``WHERE id IN (<this>)`` takes any number of ids with one parameter on both engines."""
    if is_sqlite():
        return f"SELECT value FROM json_each({placeholder})"
    return f"SELECT value::bigint FROM json_array_elements_text({placeholder}::json)"
