"""Importing 100,000 learning-system rows on PostgreSQL (or SQLite).

Creates a scratch PostgreSQL database (dropped after; ``--postgres-admin URL`` for another
server, ``--sqlite`` for a file instead), seeds ``rows / 2`` navigators onboarded on
August 1, 2026 with set-based inserts, writes a CSV with a course row and an exam row
for each (scores 60-99, so about a fifth fail and are kept as refused attempts), then
times ``workflow.training.importer.import_text`` on it, and again (every row already
imported). Prints::

    training_import: rows=N engine=E first=S.Ss (R rows/s) again=S.Ss applied=A refused=F

    python bench/training_import.py [--rows 100000] [--sqlite] [--postgres-admin URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=100_000)
parser.add_argument("--sqlite", action="store_true", help="a scratch SQLite file instead")
parser.add_argument("--postgres-admin", default="postgresql://127.0.0.1:5432/postgres")
ARGS = parser.parse_args()
FOLDER = Path(tempfile.mkdtemp())
SCRATCH = f"workflow_bench_{uuid.uuid4().hex[:8]}"
BASE = ARGS.postgres_admin.rsplit("/", 1)[0]
os.environ["WORKFLOW_DATABASE_URL"] = (
    f"sqlite:///{FOLDER / 'bench.sqlite'}" if ARGS.sqlite else f"{BASE}/{SCRATCH}"
)

from workflow.db import connect, disconnect, migrate  # noqa: E402
from workflow.db.raw import raw  # noqa: E402
from workflow.training.importer import import_text  # noqa: E402

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)  # TY2027; the rows' days are before it
SEED = """
INSERT INTO assisters (kind, name, email, state, version, npn_status, reference_number,
                       agreements, onboarded_on, language, created_at, updated_at)
SELECT 'navigator', 'Assister ' || i, 'a' || i || '@example.org', 'onboarded', 1,
       'not_checked', CAST(1000000 + i AS TEXT), '[]', '2026-08-01', 'en',
       '2026-08-01 00:00:00+00:00', '2026-08-01 00:00:00+00:00'
FROM {numbers}
"""
NUMBERS = {
    "sqlite": "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
    "WHERE i < {n}) SELECT i FROM n)",
    "postgres": "generate_series(1, {n}) AS i",
}


def result_file(people: int) -> str:
    lines = ["attempt_id,assister,course,training_year,language,completed_on,score"]
    for i in range(1, people + 1):
        key = f"a{i}@example.org" if i % 2 else str(1000000 + i)  # e-mail or Reference Number
        lines.append(f"c{i},{key},full,2027,en,2026-09-{1 + i % 28:02d},")
        lines.append(f"e{i},{key},full,2027,en,2026-10-{1 + i % 28:02d},{60 + i % 40}")
    return "\n".join(lines) + "\n"


async def bench(engine: str) -> None:
    people = ARGS.rows // 2
    await raw(SEED.format(numbers=NUMBERS[engine].format(n=people)))
    text = result_file(people)
    started = time.perf_counter()
    first = await import_text(text, "bench.csv", now=NOW)
    took = time.perf_counter() - started
    started = time.perf_counter()
    again = await import_text(text, "bench.csv", now=NOW)
    took_again = time.perf_counter() - started
    counts = Counter(r.result for r in first.results)
    assert Counter(r.result for r in again.results) == {"already imported": 2 * people}
    print(
        f"training_import: rows={2 * people} engine={engine} first={took:.1f}s "
        f"({2 * people / took:,.0f} rows/s) again={took_again:.1f}s "
        f"applied={counts['applied']} refused={counts['refused']}"
    )


async def main() -> None:
    engine = "sqlite" if ARGS.sqlite else "postgres"
    if not ARGS.sqlite:
        admin = await asyncpg.connect(ARGS.postgres_admin)
        await admin.execute(f'CREATE DATABASE "{SCRATCH}"')
        await admin.close()
    try:
        await migrate()
        await connect()
        try:
            await bench(engine)
        finally:
            await disconnect()
    finally:
        shutil.rmtree(FOLDER, ignore_errors=True)
        if not ARGS.sqlite:
            admin = await asyncpg.connect(ARGS.postgres_admin)
            await admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
