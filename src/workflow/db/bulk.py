"""Set-based writes for large batches, on the current transaction's own connection.

:func:`move_selected` moves a batch of cases chosen by a SELECT and does every write that
goes with the move in one pass: on PostgreSQL one statement (the selection, the
compare-and-set and each write as data-modifying CTEs: all happen or none); on SQLite,
where a CTE cannot write, the same statements one after another in one trip to the
connection's thread, inside the caller's (IMMEDIATE) transaction. Lists travel as one
parameter (``unnest`` of arrays on PostgreSQL, ``json_each`` on SQLite), so a batch costs
the same few statements whatever its size.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflow.db.engine import current_engine, is_sqlite
from workflow.db.raw import in_one_hop, placeholders


@dataclass(frozen=True)
class BulkWrite:
    """A set-based write over the cases a bulk event moves, done by the moving statement.

    ``sql`` is one INSERT or UPDATE, without a WITH or a RETURNING of its own, that reads
    the relation ``moved``: ``id``, ``from_state``, ``to_state`` and the event's
    ``bulk_columns`` of every case the batch moved. On PostgreSQL it becomes a
    data-modifying CTE of the statement that moves the cases (so it sees the tables as
    they were before that statement, and must not write the case rows themselves); on
    SQLite it runs right after the move, in the same transaction and the same trip to
    the connection's thread. ``{}`` placeholders take ``args`` (no other braces).
    With ``per_case`` it must write exactly one row per moved case, or the batch is
    rolled back (:class:`BulkWriteMismatch`)."""

    sql: str
    args: tuple[Any, ...] = ()
    per_case: bool = False


@dataclass(frozen=True)
class Relation:
    """A named relation (a CTE) the writes of a move may read besides ``moved``."""

    name: str
    sql: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Move:
    """One batch: the cases ``selection`` yields (``id``, ``version``: the version each
    was chosen at) leave ``table``'s ``state`` for ``moves[state]`` if they are still at
    that version, then ``writes`` run over the moved ones."""

    table: str
    selection: str  # SELECT id, version ..., ``{}`` placeholders
    selection_args: tuple[Any, ...]
    moves: Mapping[str, str]  # from state -> to state
    now: datetime
    columns: tuple[str, ...] = ()  # case columns ``moved`` carries besides the states
    relations: tuple[Relation, ...] = ()
    writes: tuple[BulkWrite, ...] = ()


@dataclass
class Moved:
    """Every case the selection yielded: ``id``, ``moved``, ``state`` (the one it left if
    moved, else the one it is in), ``version`` (``None`` if moved, or if there is no such
    case) and ``wanted`` (the version it was chosen at)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(1 for r in self.rows if r["moved"])


class BulkWriteMismatch(RuntimeError):
    """A per-case write did not write one row per moved case (the batch is undone)."""


def param(pg_type: str) -> str:
    """A ``{}`` placeholder, typed on PostgreSQL (which cannot always infer a parameter's
    type inside ``INSERT ... SELECT``)."""
    return "{}" if is_sqlite() else f"{{}}::{pg_type}"


def listed_cases(cases: Mapping[int, int]) -> tuple[str, tuple[Any, ...]]:
    """A selection (``id``, ``version``) of the given pairs, as one or two parameters."""
    if is_sqlite():
        sql = ("SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS version "
               "FROM json_each({})")  # fmt: skip
        return sql, (json.dumps(list(cases.items())),)
    sql = "SELECT * FROM unnest({}::bigint[], {}::integer[]) AS c(id, version)"
    return sql, (list(cases.keys()), list(cases.values()))


def json_rows(alias: str, columns: Mapping[str, str]) -> str:
    """A relation ``alias`` over a JSON array of objects passed as one ``{}`` parameter;
    ``columns`` maps each key to its PostgreSQL type."""
    if is_sqlite():
        picks = ", ".join(f"json_extract(value, '$.{c}') AS \"{c}\"" for c in columns)
        return f"(SELECT {picks} FROM json_each({{}})) AS {alias}"
    names = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    return f"json_to_recordset({{}}::json) AS {alias}({names})"


async def move_selected(move: Move) -> Moved:
    """Run one batch (inside a transaction); see the module's docstring."""
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk moves must run inside workflow.db.transaction()")
    if is_sqlite():
        return await in_one_hop(_sqlite_move, _sqlite_plan(move), move)
    sql, args, counted = _pg_statement(move)
    rows = await transaction.connection.fetch(sql, *args)
    if rows:
        _check_written(sum(1 for r in rows if r["moved"]), [rows[0][f"w{i}"] for i in counted])
    return await _pg_outcome(transaction.connection, move.table, rows)


async def _pg_outcome(connection, table: str, rows) -> Moved:
    """The statement returns the moved cases and the selected ones; those selected but
    not moved (usually none) are looked up afterwards, to tell why."""
    moved = {r["id"]: r["state"] for r in rows if r["moved"]}
    wanted = {r["id"]: r["version"] for r in rows if not r["moved"] and r["id"] not in moved}
    now = {}
    if wanted:
        found = await connection.fetch(
            f'SELECT id, state, version FROM "{table}" WHERE id = ANY($1::bigint[])', list(wanted)
        )
        now = {r["id"]: r for r in found}
    result = [{"id": i, "moved": True, "state": s, "version": None, "wanted": None}
              for i, s in moved.items()]  # fmt: skip
    for case_id, version in wanted.items():
        row = now.get(case_id)
        result.append({"id": case_id, "moved": False, "wanted": version,
                       "state": row["state"] if row else None,
                       "version": row["version"] if row else None})  # fmt: skip
    return Moved(result)


def _check_written(moved: int, written: Sequence[int]) -> None:
    for count in written:
        if count != moved:
            raise BulkWriteMismatch(f"a per-case write wrote {count} rows for {moved} cases")


def literal_rows(rows: Sequence[Sequence[Any]], columns: Mapping[str, str]):
    """A relation of the given rows as typed placeholders (``columns``: name -> its
    PostgreSQL type), and their args: for a few rows, such as one per source state."""
    if not rows:
        nulls = ", ".join(f"NULL AS {n}" for n in columns)
        return f"SELECT {nulls} WHERE 1 = 0", ()
    one = ", ".join(f"{param(t)} AS {n}" for n, t in columns.items())
    return " UNION ALL ".join(f"SELECT {one}" for _ in rows), tuple(v for r in rows for v in r)


def _pg_statement(move: Move) -> tuple[str, list[Any], list[int]]:
    """The whole batch as one statement, and which ``w<i>`` columns count written rows."""
    table = f'"{move.table}"'
    states = {"from_state": "varchar", "to_state": "varchar"}
    moves_sql, moves_args = literal_rows(list(move.moves.items()), states)
    parts = [f"sel AS MATERIALIZED ({move.selection})", f"moves AS ({moves_sql})"]
    args: list[Any] = [*move.selection_args, *moves_args]
    for relation in move.relations:
        parts.append(f"{relation.name} AS ({relation.sql})")
        args += relation.args
    returning = "".join(f', t."{c}"' for c in move.columns)
    # ``= ANY(ARRAY(...))``: the rows are found by primary key, whatever the planner
    # guesses of the selection's size (a join alone may scan the whole table).
    parts.append(
        f"moved AS (UPDATE {table} AS t SET state = d.to_state, version = t.version + 1, "
        "updated_at = {} FROM sel AS s, moves AS d "
        "WHERE t.id = ANY(ARRAY(SELECT id FROM sel)) AND t.id = s.id "
        "AND t.version = s.version AND t.state = d.from_state "
        f"RETURNING t.id, d.from_state, d.to_state{returning})"
    )
    args.append(move.now)
    counted = []
    for i, write in enumerate(move.writes):
        parts.append(f"w{i} AS ({write.sql}{' RETURNING 1' if write.per_case else ''})")
        args += write.args
        if write.per_case:
            counted.append(i)
    counts = "".join(f", (SELECT count(*) FROM w{i}) AS w{i}" for i in counted)
    # No join of ``sel`` with ``moved``: the planner, blind to a CTE's size, may pick a
    # nested loop over both (quadratic in the batch). Python tells them apart.
    sql = (
        "WITH " + ",\n".join(parts) + "\n"
        f"SELECT m.id, TRUE AS moved, m.from_state AS state, NULL::integer AS version{counts} "
        "FROM moved AS m\nUNION ALL\n"
        f"SELECT s.id, FALSE, NULL, s.version{counts} FROM sel AS s"
    )
    return placeholders(sql, sqlite=False), args, counted


@dataclass(frozen=True)
class _SqlitePlan:
    select: str
    update: str
    prefix: str  # WITH moved AS (...), <relations>
    prefix_args: tuple[Any, ...]
    writes: tuple[str, ...]


def _sqlite_plan(move: Move) -> _SqlitePlan:
    table = f'"{move.table}"'
    select = (
        "SELECT s.id AS id, s.version AS wanted, c.version AS version, c.state AS state "
        f"FROM ({move.selection}) AS s LEFT JOIN {table} AS c ON c.id = s.id"
    )
    update = (
        f"UPDATE {table} AS t SET state = j.to_state, version = t.version + 1, updated_at = ? "
        "FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS version, "
        "json_extract(value, '$[2]') AS from_state, json_extract(value, '$[3]') AS to_state "
        "FROM json_each(?)) AS j "
        "WHERE t.id = j.id AND t.version = j.version AND t.state = j.from_state RETURNING id"
    )
    columns = "".join(f', t."{c}" AS "{c}"' for c in move.columns)
    moved = (
        f"SELECT j.id AS id, j.from_state AS from_state, j.to_state AS to_state{columns} "
        "FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS "
        "from_state, json_extract(value, '$[2]') AS to_state FROM json_each(?)) AS j "
        f"JOIN {table} AS t ON t.id = j.id"
    )
    relations = "".join(f", {r.name} AS ({r.sql})" for r in move.relations)
    return _SqlitePlan(
        select=placeholders(select, sqlite=True),
        update=update,
        prefix=placeholders(f"WITH moved AS ({moved}){relations} ", sqlite=True),
        prefix_args=tuple(a for r in move.relations for a in r.args),
        writes=tuple(placeholders(w.sql, sqlite=True) for w in move.writes),
    )


def _sqlite_move(conn: sqlite3.Connection, plan: _SqlitePlan, move: Move) -> Moved:
    """On the connection's thread, inside the caller's IMMEDIATE transaction: no other
    writer can come between the selection and the move."""
    rows = [dict(r) for r in conn.execute(plan.select, move.selection_args).fetchall()]
    movable = {
        r["id"]: [r["id"], r["version"], r["state"], move.moves[r["state"]]]
        for r in rows
        if r["version"] is not None and r["version"] == r["wanted"] and r["state"] in move.moves
    }
    moved: set[int] = set()
    if movable:
        found = conn.execute(plan.update, (move.now, json.dumps(list(movable.values()))))
        moved = {r["id"] for r in found.fetchall()}
    for r in rows:
        r["moved"] = r["id"] in moved
        if r["moved"]:
            r["version"] = r["wanted"] = None
    if moved:
        cases = json.dumps([[i, movable[i][2], movable[i][3]] for i in sorted(moved)])
        written = []
        for sql, write in zip(plan.writes, move.writes, strict=True):
            conn.execute(plan.prefix + sql, (cases, *plan.prefix_args, *write.args))
            if write.per_case:  # (the cursor's rowcount ignores statements opening WITH)
                written.append(conn.execute("SELECT changes() AS n").fetchone()["n"])
        _check_written(len(moved), written)
    return Moved(rows)


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
    connection = _connection()
    if not sqlite and not ignore_conflicts:
        await connection.copy_records_to_table(
            table, records=[tuple(r) for r in rows], columns=list(columns)
        )
        return
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" if sqlite else f"${i}" for i in range(1, len(columns) + 1))
    sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    await connection.executemany(sql, [tuple(r) for r in rows])


def _connection():
    transaction = current_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk writes must run inside workflow.db.transaction()")
    return transaction.connection


async def refresh_statistics(vacuum: Sequence[str], analyze: Sequence[str] = ()) -> None:
    """After a large batch job (outside any transaction): on PostgreSQL, ``VACUUM
    (ANALYZE)`` the tables it updated (dead rows out, visibility map back for index-only
    scans) and ``ANALYZE`` those it appended to. SQLite keeps neither dead rows nor a
    visibility map to refresh: nothing to do there."""
    engine = current_engine()
    if is_sqlite(engine):
        return
    if engine.current_transaction.get() is not None:
        raise RuntimeError("VACUUM cannot run inside a transaction")
    connection = await engine.get_new_connection()
    try:
        for table in vacuum:
            await connection.execute(f'VACUUM (ANALYZE) "{table}"')
        if analyze:
            await connection.execute("ANALYZE " + ", ".join(f'"{t}"' for t in analyze))
    finally:
        await connection.close()
