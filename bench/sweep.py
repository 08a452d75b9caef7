"""The sweep on a large roster, beside one raw SQL statement doing the same writes.

Seeds N assisters (default 1,000,000) with set-based inserts: 70% active, 10% each
trained, registered and onboarded, all onboarded years ago; 20% are certified for the
training year (a course and a passed exam). Then, for November 1:

1. times one raw statement (PostgreSQL: data-modifying CTEs) lapsing the same assisters
   with the same four writes the sweep makes per case: state and version, a history row,
   an audit entry and a lapse notice of the real template's length; counts what it wrote
   inside its transaction, then rolls it back (on SQLite, which cannot write in a CTE:
   the same writes as five statements in one transaction);
2. vacuums what the rollback left (PostgreSQL; not timed) and times
   ``workflow.sweep.runner.sweep``, the service path, including the VACUUM/ANALYZE it
   runs after churning many rows;
3. times the counts by state right after, and a second sweep (nothing more to do).

The last line is the summary (peak RSS: this process's, ``getrusage``)::

    sweep: rows=N lapsed=N sweep=S.Ss raw_same_writes=S.Ss ratio=R.R peak_rss_mib=M

    python bench/sweep.py [--rows 1000000] [--postgres postgresql://127.0.0.1:5432/db]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=1_000_000)
parser.add_argument("--postgres", help="URL of an empty PostgreSQL database")
ARGS = parser.parse_args()
FOLDER = None if ARGS.postgres else Path(tempfile.mkdtemp())
# Before workflow is imported: its database is the one named in the environment.
os.environ["WORKFLOW_DATABASE_URL"] = ARGS.postgres or f"sqlite:///{FOLDER / 'bench.sqlite'}"

from piccolo.querystring import QueryString  # noqa: E402

from workflow.assisters.binding import ASSISTER_CASE  # noqa: E402
from workflow.assisters.machine import ASSISTER, AssisterState  # noqa: E402
from workflow.core.settings import get_settings  # noqa: E402
from workflow.db import (  # noqa: E402
    connect,
    current_engine,
    disconnect,
    is_sqlite,
    migrate,
    transaction,
)
from workflow.engine.bulk import decide_by_source  # noqa: E402
from workflow.messaging.mailbox import render_message  # noqa: E402
from workflow.sweep import runner  # noqa: E402
from workflow.sweep.deadlines import LAPSABLE, lapse_context, lapse_groups  # noqa: E402

AS_OF = date(2026, 11, 1)  # TY2027, the day after its October 31 deadline
NOW = datetime(2026, 11, 1, 6, tzinfo=UTC)
TY = 2027
MARK = "\ue000name\ue000"

SEED = """
INSERT INTO assisters (kind, name, email, state, version, npn_status, reference_number,
                       agreements, onboarded_on, language, created_at, updated_at)
SELECT 'navigator', 'Assister ' || i, 'a' || i || '@example.org',
       CASE WHEN i % 10 < 7 THEN '{active}' WHEN i % 10 = 7 THEN '{trained}'
            WHEN i % 10 = 8 THEN '{registered}' ELSE '{initial}' END,
       1, 'not_checked', CAST(1000000 + i AS TEXT), '[]', '2020-01-15', 'en',
       '2020-01-15 00:00:00+00:00', '2020-01-15 00:00:00+00:00'
FROM {numbers}
"""
NUMBERS_SQLITE = "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) SELECT i FROM n)"  # noqa: E501
NUMBERS_POSTGRES = "generate_series(1, {rows}) AS i"

# Every fifth assister is certified for TY2027: a full course and a passed exam.
SEED_RECORDS = """
INSERT INTO training_records (assister, training_year, kind, course, language, score, passed,
                              recorded_at)
SELECT id, {ty}, k.kind, 'full', 'en', k.score, {passed}, '2026-09-01 00:00:00+00:00'
FROM assisters, (SELECT 'training' AS kind, NULL AS score UNION ALL
                 SELECT 'exam', 90) AS k
WHERE id % 5 = 0
"""

DUE = """
SELECT a.id, a.state, a.name, a.email, a.language FROM assisters a
WHERE a.state IN ({sources}) AND a.onboarded_on <= '{deadline}'
  AND NOT (EXISTS (SELECT 1 FROM training_records t WHERE t.assister = a.id
                   AND t.training_year = {ty} AND t.kind = 'training')
       AND EXISTS (SELECT 1 FROM training_records t WHERE t.assister = a.id
                   AND t.training_year = {ty} AND t.kind = 'exam' AND t.passed))
"""
HISTORY = """INSERT INTO history (machine, entity_id, event, from_state, to_state, actor,
    actor_user_id, reason, data, at)
SELECT 'assister', id, 'lapse', state, $1, 'system', NULL, $2, {data}, $3
FROM {source}"""
AUDIT = """INSERT INTO audit_log (at, actor, actor_user_id, role, action, object_type,
    object_id, outcome, detail, source, correlation_id)
SELECT $3, 'system', NULL, 'system', 'event', 'assister', CAST(id AS varchar), 'applied',
       {detail}, '', ''
FROM {source}"""
NOTICE = """INSERT INTO messages (assister, recipient_email, template, language, subject,
    body, dedupe_key, created_at, delivery, attempts)
SELECT id, email, 'lapse_notice', language, $4, replace($5, $6, name), NULL, $3, 'pending', 0
FROM {source}"""

RAW_POSTGRES = """
WITH due AS ({due}),
moved AS (UPDATE assisters t SET state = $1, version = t.version + 1, updated_at = $3
          FROM due WHERE t.id = due.id
          RETURNING t.id, due.state, t.name, t.email, t.language),
h AS ({history}),
au AS ({audit}),
n AS ({notice})
SELECT count(*) AS n FROM moved
"""
PG_DETAIL = "json_build_object('event', 'lapse', 'from', state, 'to', $1, 'bulk', true)"
SQLITE_DETAIL = "json_object('event', 'lapse', 'from', state, 'to', $1, 'bulk', json('true'))"

COUNTS = "SELECT state, count(*) AS n FROM assisters GROUP BY state"


async def main() -> None:
    await migrate()
    await connect()
    try:
        await _bench(ARGS.rows, is_sqlite(), current_engine())
    finally:
        await disconnect()
        if FOLDER is not None:
            shutil.rmtree(FOLDER, ignore_errors=True)


async def _bench(rows: int, sqlite: bool, engine) -> None:
    started = time.perf_counter()
    numbers = (NUMBERS_SQLITE if sqlite else NUMBERS_POSTGRES).format(rows=rows)
    await engine.run_ddl(
        SEED.format(
            numbers=numbers,
            active=AssisterState.active,
            trained=AssisterState.trained,
            registered=AssisterState.registered,
            initial=ASSISTER.initial,
        )  # fmt: skip
    )
    await engine.run_ddl(SEED_RECORDS.format(ty=TY, passed="1" if sqlite else "true"))
    await _vacuum(engine, sqlite)
    print(f"{'SQLite' if sqlite else 'PostgreSQL'}: seeded {rows:,} assisters "
          f"in {time.perf_counter() - started:.1f} s; counts by state on the fresh table: "
          f"{await _counts_ms(engine):.0f} ms (median of 5)")  # fmt: skip

    raw_seconds, wrote = await _raw_same_writes(engine, sqlite)
    print(f"raw same writes (rolled back): {wrote} in {raw_seconds:.1f} s")
    await _vacuum(engine, sqlite)  # what the rollback left is not the sweep's to clean

    tidy_seconds = []
    refresh = runner.refresh_statistics

    async def timed_refresh(*a, **kw):
        begun = time.perf_counter()
        await refresh(*a, **kw)
        tidy_seconds.append(time.perf_counter() - begun)

    runner.refresh_statistics = timed_refresh
    cpu, started = time.process_time(), time.perf_counter()
    report = await runner.sweep(AS_OF, now=NOW)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    lapsed = report.count("lapse")
    print(f"workflow sweep: {lapsed:,} lapsed in {seconds:.1f} s ({lapsed / seconds:,.0f}/s), "
          f"of which VACUUM/ANALYZE {sum(tidy_seconds):.1f} s; this process's CPU "
          f"{cpu:.1f} s (SQLite's work included); written: "
          f"{await _written(engine, sqlite)}")  # fmt: skip
    print(f"counts by state right after: {await _counts_ms(engine):.0f} ms (median of 5)")
    again = time.perf_counter()
    second = await runner.sweep(AS_OF, now=NOW)
    print(f"second run: {second.count('lapse')} more lapsed "
          f"({time.perf_counter() - again:.1f} s)")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sweep: rows={rows} lapsed={lapsed} sweep={seconds:.1f}s "
          f"raw_same_writes={raw_seconds:.1f}s ratio={seconds / raw_seconds:.1f} "
          f"peak_rss_mib={peak:.0f}")  # fmt: skip


def _notice_shape() -> tuple[str, str]:
    """The lapse notice as the sweep words it for this group, the name left as a mark."""
    calendar = get_settings().calendar
    group = lapse_groups(calendar, AS_OF)[1][0]
    context = lapse_context(group, {"onboarded_on": date(2020, 1, 15)}, calendar)
    subject, body = render_message("lapse_notice", "en", {"assister": {"name": MARK}, **context})
    return subject, body


def _raw_parts() -> tuple[str, list]:
    [dest] = {d.to_state for d in decide_by_source(ASSISTER_CASE, "lapse", None).values()}
    group = lapse_groups(get_settings().calendar, AS_OF)[1][0]
    sources = ", ".join(f"'{s}'" for s in LAPSABLE)
    due = DUE.format(sources=sources, deadline=group.until.isoformat(), ty=group.ty)
    subject, body = _notice_shape()
    return due, [dest, group.reason, NOW, subject, body, MARK]


class Rollback(Exception):
    pass


async def _raw_same_writes(engine, sqlite: bool) -> tuple[float, str]:
    """The four writes as one statement (SQLite: five, one transaction), rolled back."""
    due, args = _raw_parts()
    started = time.perf_counter()
    wrote = ""
    try:
        async with transaction():
            connection = engine.current_transaction.get().connection
            if sqlite:
                await _raw_sqlite(connection, due, args)
            else:
                statement = RAW_POSTGRES.format(
                    due=due,
                    history=HISTORY.format(source="moved", data="'{}'::json"),
                    audit=AUDIT.format(source="moved", detail=PG_DETAIL),
                    notice=NOTICE.format(source="moved"),
                )
                await connection.fetch(statement, *args)
            seconds = time.perf_counter() - started
            wrote = await _written(engine, sqlite)
            raise Rollback
    except Rollback:
        pass
    return seconds, wrote


async def _raw_sqlite(connection, due: str, args: list) -> None:
    await connection.execute(f"CREATE TEMP TABLE due AS {due}")
    await connection.execute(
        "UPDATE assisters SET state = ?, version = version + 1, updated_at = ? "
        "WHERE id IN (SELECT id FROM due)",
        [args[0], args[2]],
    )
    for template in (HISTORY, AUDIT, NOTICE):
        sql = template.format(source="due", detail=SQLITE_DETAIL, data="'{}'")
        order = [int(n) for n in re.findall(r"\$(\d)", sql)]
        await connection.execute(re.sub(r"\$\d", "?", sql), [args[n - 1] for n in order])
    await connection.execute("DROP TABLE due")


async def _written(engine, sqlite: bool) -> str:
    """What the lapse wrote, counted: lapsed assisters, history rows, audit entries,
    lapse notices (and their mean length)."""
    rows = await engine.run_querystring(
        QueryString(
            "SELECT (SELECT count(*) FROM assisters WHERE state = {}) AS lapsed, "
            "(SELECT count(*) FROM history WHERE event = 'lapse') AS history, "
            "(SELECT count(*) FROM audit_log WHERE action = 'event' "
            " AND object_type = 'assister') AS audit, "
            "(SELECT count(*) FROM messages WHERE template = 'lapse_notice') AS notices, "
            "(SELECT avg(length(body)) FROM messages WHERE template = 'lapse_notice') AS body",
            AssisterState.lapsed,
        )
    )
    r = dict(rows[0])
    return (f"{r['lapsed']:,} lapsed, {r['history']:,} history rows, {r['audit']:,} audit "
            f"entries, {r['notices']:,} notices of {float(r['body'] or 0):.0f} chars")  # fmt: skip


async def _vacuum(engine, sqlite: bool) -> None:
    if sqlite:
        return
    connection = await engine.get_new_connection()
    try:
        await connection.execute("VACUUM ANALYZE")
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


async def _counts_ms(engine) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        await engine.run_ddl(COUNTS)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    asyncio.run(main())
