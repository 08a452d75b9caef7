"""How long the whole-machine counts take with a million assisters.

Migrates a scratch database (SQLite by default, ``--postgres URL`` for an empty
PostgreSQL database), seeds ``--rows`` assisters in one set-based INSERT (a recursive CTE
on SQLite, ``generate_series`` on PostgreSQL), then prints:

- the counts query itself (``SELECT state, count(*) ... GROUP BY state``, the service's
  ``state_counts``), in process, and its query plan;
- the whole request ``GET /diagrams/assister.svg?counts=1`` (query + DOT + Graphviz
  ``dot`` + HTTP) against ``workflow serve``, and ``.mmd?counts=1`` (no Graphviz).

    python bench/diagram_counts.py [--rows 1000000] [--repeat 7] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from events import free_port, start_server, wait_ready  # noqa: E402

# Seven states, weighted the way a live program looks: most people active.
STATE_OF = """CASE WHEN {i} % 20 < 2 THEN 'onboarded' WHEN {i} % 20 < 4 THEN 'trained'
    WHEN {i} % 20 < 5 THEN 'exam_passed' WHEN {i} % 20 < 6 THEN 'registered'
    WHEN {i} % 20 < 16 THEN 'active' WHEN {i} % 20 < 18 THEN 'lapsed'
    ELSE 'deactivated' END"""
COLUMNS = """(kind, name, email, state, version, npn_status, reference_number, agreements,
    created_at, updated_at)"""
VALUES = """CASE {i} % 3 WHEN 0 THEN 'broker' WHEN 1 THEN 'navigator' ELSE 'cac' END,
    'Bench ' || {i}, 'bench' || {i} || '@example.org', {state}, 1, 'not_checked',
    'B' || {i}, '[]', {now}, {now}"""

SQLITE_SEED = f"""INSERT INTO assisters {COLUMNS}
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
SELECT {VALUES.format(i="i", state=STATE_OF.format(i="i"), now="'2026-01-05T09:00:00+00:00'")}
FROM n"""
PG_SEED = f"""INSERT INTO assisters {COLUMNS}
SELECT {VALUES.format(i="i", state=STATE_OF.format(i="i"), now="now()")}
FROM generate_series(1, $1) AS i"""
COUNTS_SQL = "SELECT state, count(*) FROM assisters GROUP BY state"


def migrate(url: str) -> None:
    env = {**os.environ, "WORKFLOW_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "workflow.cli.main", "migrate"], env=env, check=True)


async def seed(url: str, rows: int) -> tuple[float, list[str]]:
    """Insert ``rows`` assisters set-based; return seconds taken and the counts' plan."""
    started = time.perf_counter()
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        with db:
            db.execute(SQLITE_SEED, (rows,))
        db.execute("ANALYZE")
        plan = [r[-1] for r in db.execute(f"EXPLAIN QUERY PLAN {COUNTS_SQL}")]
        db.close()
        return time.perf_counter() - started, plan
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(PG_SEED, rows)
        await conn.execute("VACUUM ANALYZE assisters")  # what autovacuum does in production
        plan = [r[0] for r in await conn.fetch(f"EXPLAIN ANALYZE {COUNTS_SQL}")]
    finally:
        await conn.close()
    return time.perf_counter() - started, plan


def figures(name: str, seconds: list[float]) -> None:
    print(
        f"{name:<46} median {statistics.median(seconds) * 1000:8.1f} ms"
        f"   min {min(seconds) * 1000:8.1f} ms   ({len(seconds)} runs)"
    )


async def time_counts_query(repeat: int) -> dict[str, int]:
    from workflow.db import connect, disconnect
    from workflow.diagrams.service import state_counts

    await connect()
    try:
        seconds, counts = [], {}
        for _ in range(repeat):
            started = time.perf_counter()
            counts = await state_counts("assister")
            seconds.append(time.perf_counter() - started)
    finally:
        await disconnect()
    figures("counts query (state_counts, in process)", seconds)
    return counts


async def time_requests(url: str, repeat: int) -> None:
    port = free_port()
    proc, token = start_server(url, port)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120
        ) as client:
            await wait_ready(client)
            for path in [
                "/diagrams/assister.svg?counts=1",
                "/diagrams/assister.mmd?counts=1",
                "/diagrams/assister.svg",
            ]:
                seconds = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    r = await client.get(path)
                    seconds.append(time.perf_counter() - started)
                    if r.status_code != 200:
                        raise SystemExit(f"{path} -> {r.status_code}: {r.text[:300]}")
                figures(f"GET {path}", seconds)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", help="a PostgreSQL URL to an empty database")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="workflow-bench-"))
    url = args.postgres or f"sqlite:///{scratch / 'bench.sqlite'}"
    os.environ["WORKFLOW_DATABASE_URL"] = url
    try:
        await run(url, args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


async def run(url: str, args: argparse.Namespace) -> None:
    migrate(url)
    took, plan = await seed(url, args.rows)
    print(
        f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; seeded {args.rows:,} "
        f"assisters in {took:.1f} s (one INSERT ... SELECT, then ANALYZE)"
    )
    print("plan of the counts query:\n  " + "\n  ".join(plan))
    counts = await time_counts_query(args.repeat)
    print("cases by state: " + ", ".join(f"{s} {n:,}" for s, n in sorted(counts.items())))
    if sum(counts.values()) != args.rows:
        raise SystemExit(f"expected {args.rows:,} assisters, counted {sum(counts.values()):,}")
    await time_requests(url, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
