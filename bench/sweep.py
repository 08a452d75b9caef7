"""The sweep on a large roster, beside one raw SQL statement doing the same update.

Seeds N assisters (default 1,000,000) with set-based inserts: 70% active, 10% trained,
10% registered, 10% onboarded, all onboarded years ago; 20% are certified for the
training year (a course and a passed exam). Then, for November 1:

1. times one raw ``UPDATE`` that lapses the same assisters (state and version only: no
   history, no messages), inside a transaction that is rolled back;
2. times ``workflow.sweep.runner.sweep`` (the service path: batches through the bulk
   event function, one history row and one lapse notice per assister).

    python bench/sweep.py [--rows 1000000] [--postgres postgresql://127.0.0.1:5432/db]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

AS_OF = date(2026, 11, 1)  # TY2027, the day after its October 31 deadline
TY = 2027

SEED_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
INSERT INTO assisters (kind, name, email, state, version, npn_status, reference_number,
                       agreements, onboarded_on, language, created_at, updated_at)
SELECT 'navigator', 'Assister ' || i, 'a' || i || '@example.org',
       CASE WHEN i % 10 < 7 THEN 'active' WHEN i % 10 = 7 THEN 'trained'
            WHEN i % 10 = 8 THEN 'registered' ELSE 'onboarded' END,
       1, 'not_checked', CAST(1000000 + i AS TEXT), '[]', '2020-01-15', 'en',
       '2020-01-15 00:00:00+00:00', '2020-01-15 00:00:00+00:00'
FROM n
"""

SEED_POSTGRES = """
INSERT INTO assisters (kind, name, email, state, version, npn_status, reference_number,
                       agreements, onboarded_on, language, created_at, updated_at)
SELECT 'navigator', 'Assister ' || i, 'a' || i || '@example.org',
       CASE WHEN i % 10 < 7 THEN 'active' WHEN i % 10 = 7 THEN 'trained'
            WHEN i % 10 = 8 THEN 'registered' ELSE 'onboarded' END,
       1, 'not_checked', (1000000 + i)::text, '[]', '2020-01-15', 'en',
       '2020-01-15', '2020-01-15'
FROM generate_series(1, {rows}) AS i
"""

# Every fifth assister is certified for TY2027: a full course and a passed exam.
SEED_RECORDS = """
INSERT INTO training_records (assister, training_year, kind, course, language, score, passed,
                              recorded_at)
SELECT id, {ty}, k.kind, 'full', 'en', k.score, {passed}, {at}
FROM assisters, (SELECT 'training' AS kind, NULL AS score UNION ALL
                 SELECT 'exam', 90) AS k
WHERE id % 5 = 0
"""

RAW_LAPSE = """
UPDATE assisters SET state = 'lapsed', version = version + 1
WHERE state IN ('trained', 'exam_passed', 'registered', 'active')
  AND onboarded_on <= '2026-10-31'
  AND NOT (EXISTS (SELECT 1 FROM training_records t WHERE t.assister = assisters.id
                   AND t.training_year = 2027 AND t.kind = 'training')
       AND EXISTS (SELECT 1 FROM training_records t WHERE t.assister = assisters.id
                   AND t.training_year = 2027 AND t.kind = 'exam' AND t.passed))
"""


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database")
    args = parser.parse_args()
    url = args.postgres or f"sqlite:///{Path(tempfile.mkdtemp()) / 'sweep-bench.sqlite'}"
    os.environ["WORKFLOW_DATABASE_URL"] = url

    import workflow  # noqa: F401  (sets PICCOLO_CONF)
    from workflow.db import connect, current_engine, disconnect, is_sqlite, migrate, transaction
    from workflow.sweep.runner import sweep
    from workflow.tables import Assister, History, Message

    await migrate()
    await connect()
    sqlite = is_sqlite()
    try:
        started = time.perf_counter()
        seed = SEED_SQLITE if sqlite else SEED_POSTGRES
        await current_engine().run_ddl(seed.format(rows=args.rows))
        await current_engine().run_ddl(
            SEED_RECORDS.format(
                ty=TY,
                passed="1" if sqlite else "true",
                at="'2026-09-01 00:00:00+00:00'" if sqlite else "'2026-09-01'",
            )
        )
        if not sqlite:
            await current_engine().run_ddl("ANALYZE")
        print(
            f"{'SQLite' if sqlite else 'PostgreSQL'}: seeded {args.rows:,} assisters "
            f"in {time.perf_counter() - started:.1f} s"
        )

        class Rollback(Exception):
            pass

        started = time.perf_counter()
        try:
            async with transaction():
                await current_engine().run_ddl(RAW_LAPSE)
                raw_seconds = time.perf_counter() - started
                raw_count = await Assister.count().where(Assister.state == "lapsed")
                raise Rollback
        except Rollback:
            pass
        print(
            f"one raw UPDATE (state and version only, rolled back): {raw_count:,} lapsed "
            f"in {raw_seconds:.1f} s"
        )

        started = time.perf_counter()
        report = await sweep(AS_OF, now=datetime(2026, 11, 1, 6, tzinfo=UTC))
        seconds = time.perf_counter() - started
        lapsed = report.count("lapse")
        history = await History.count().where(History.event == "lapse")
        notices = await Message.count().where(Message.template == "lapse_notice")
        print(
            f"workflow sweep: {lapsed:,} lapsed in {seconds:.1f} s "
            f"({lapsed / seconds:,.0f}/s), with {history:,} history rows and "
            f"{notices:,} lapse notices"
        )
        again = time.perf_counter()
        second = await sweep(AS_OF)
        print(
            f"second run: {second.count('lapse')} more lapsed ({time.perf_counter() - again:.1f} s)"
        )
    finally:
        await disconnect()


if __name__ == "__main__":
    asyncio.run(main())
