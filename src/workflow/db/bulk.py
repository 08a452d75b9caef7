"""Set-based writes for large batches, on the current transaction's own connection.

Piccolo builds a statement's parameters one by one in Python, which for thousands of
rows costs more than the database spends on them. These helpers hand the driver one
prepared statement and all rows at once (``executemany``), and pass a list of ids as a
single parameter (``= ANY($1)`` on PostgreSQL, ``json_each(?)`` on SQLite).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    table: str, ids: Sequence[int], source: str, dest: str, now: datetime
) -> list[int]:
    """Set ``state`` to ``dest`` (version + 1) for ``ids`` still in ``source``; returns
    the ids that moved (a compare-and-set on the state the decision was made for)."""
    connection = _connection()
    if is_sqlite():
        rows = await connection.execute_fetchall(
            f'UPDATE "{table}" SET state = ?, version = version + 1, updated_at = ? '
            "WHERE id IN (SELECT value FROM json_each(?)) AND state = ? RETURNING id",
            [dest, now, json.dumps(list(ids)), source],
        )
    else:
        rows = await connection.fetch(
            f'UPDATE "{table}" SET state = $1, version = version + 1, updated_at = $2 '
            "WHERE id = ANY($3::bigint[]) AND state = $4 RETURNING id",
            dest,
            now,
            list(ids),
            source,
        )
    return [r["id"] for r in rows]


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
    """``id`` and ``state`` of the given rows."""
    if not ids:
        return []
    connection = _connection()
    if is_sqlite():
        return await connection.execute_fetchall(
            f'SELECT id, state FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))',
            [json.dumps(list(ids))],
        )
    rows = await connection.fetch(
        f'SELECT id, state FROM "{table}" WHERE id = ANY($1::bigint[])', list(ids)
    )
    return [dict(r) for r in rows]
