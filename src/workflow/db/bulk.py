"""Set-based writes for large batches, on the current transaction's own connection.

Piccolo builds a statement's parameters one by one in Python, which for thousands of
rows costs more than the database spends on them. These helpers hand the driver one
prepared statement and all rows at once (``executemany``), and pass a list of ids (or
of (id, version) pairs) as one or two parameters (``= ANY($1)`` / ``unnest($1, $2)`` on
PostgreSQL, ``json_each(?)`` on SQLite).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from workflow.db.engine import current_engine, is_sqlite


def _connection():
    engine = current_engine()
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk writes must run inside workflow.db.transaction()")
    return transaction.connection


def _placeholders(count: int, sqlite: bool) -> str:
    return ", ".join("?" if sqlite else f"${i}" for i in range(1, count + 1))


async def move_states(
    table: str,
    cases: Mapping[int, int],
    source: str,
    dest: str,
    now: datetime,
    returning: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Set ``state`` to ``dest`` and bump ``version`` for the rows of ``cases`` (id ->
    the version the decision was made on) that are still in ``source`` at that version:
    the set-based form of the engine's compare-and-set. Returns the rows that moved (``id``
    and the ``returning`` columns); the others changed meanwhile and are left alone."""
    if not cases:
        return []
    connection = _connection()
    extra = "".join(f', "{c}"' for c in returning)
    pg_extra = "".join(f', t."{c}"' for c in returning)
    # Both forms look the rows up by primary key from the list, whatever the planner
    # thinks of the list's size (a join on it alone may scan the table).
    if is_sqlite():
        rows = await connection.execute_fetchall(
            f'UPDATE "{table}" SET state = ?, version = version + 1, updated_at = ? '
            "WHERE (id, version) IN (SELECT json_extract(value, '$[0]'), "
            f"json_extract(value, '$[1]') FROM json_each(?)) AND state = ? RETURNING id{extra}",
            [dest, now, json.dumps(list(cases.items())), source],
        )
    else:
        rows = await connection.fetch(
            f'UPDATE "{table}" AS t SET state = $1, version = t.version + 1, updated_at = $2 '
            "FROM unnest($3::bigint[], $4::integer[]) AS cas(id, version) "
            "WHERE t.id = ANY($3::bigint[]) AND t.id = cas.id AND t.version = cas.version "
            f"AND t.state = $5 RETURNING t.id{pg_extra}",
            dest,
            now,
            list(cases.keys()),
            list(cases.values()),
            source,
        )
    return sorted((dict(r) for r in rows), key=lambda r: r["id"])


async def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    ignore_conflicts: bool = False,
) -> None:
    """Insert many rows: ``COPY`` on PostgreSQL (unless conflicts must be ignored, which
    COPY cannot do), one prepared statement for all rows otherwise."""
    if not rows:
        return
    sqlite = is_sqlite()
    if not sqlite and not ignore_conflicts:
        await _connection().copy_records_to_table(
            table, records=[tuple(r) for r in rows], columns=list(columns)
        )
        return
    names = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({_placeholders(len(columns), sqlite)})'
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    await _connection().executemany(sql, [tuple(r) for r in rows])


async def select_states(table: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """``id``, ``state`` and ``version`` of the given rows."""
    if not ids:
        return []
    connection = _connection()
    if is_sqlite():
        return await connection.execute_fetchall(
            f'SELECT id, state, version FROM "{table}" '
            "WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(ids))],
        )
    rows = await connection.fetch(
        f'SELECT id, state, version FROM "{table}" WHERE id = ANY($1::bigint[])', list(ids)
    )
    return [dict(r) for r in rows]


async def set_column(table: str, column: str, value: Any, ids: Sequence[int]) -> None:
    """``UPDATE table SET column = value`` for the rows ``ids``, in one statement."""
    if not ids:
        return
    connection = _connection()
    if is_sqlite():
        await connection.execute(
            f'UPDATE "{table}" SET "{column}" = ? WHERE id IN (SELECT value FROM json_each(?))',
            [value, json.dumps(list(ids))],
        )
    else:
        await connection.execute(
            f'UPDATE "{table}" SET "{column}" = $1 WHERE id = ANY($2::bigint[])', value, list(ids)
        )
