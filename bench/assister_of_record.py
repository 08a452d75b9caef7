"""Assister of record by date with 1,000,000 association periods.

Seeds a scratch database (SQLite by default, ``--postgres URL`` for an empty PostgreSQL
database) with set-based INSERT ... SELECT statements: assisters, one user + consumer +
association per consumer, and ``--periods`` periods spread over the associations (each
association: a request, then confirmed periods with a different assister after each
transfer, the last one open). Then asks the real app (in-process, over ASGI, with an
admin token) for random consumers' assister of record and random assisters' book of
business on random days, and prints the median and p95 latency of each.

    python bench/assister_of_record.py [--periods 1000000] [--assisters 5000]
                                       [--runs 200] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

SEQ = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count})"
PER_ASSOCIATION = 4  # periods per association: requested, then three confirmed
DAYS_APART = 40  # days between one period's start and the next's
START = date(2023, 1, 1)


def timestamp_sql(sqlite: bool, days: str) -> str:
    """A UTC time ``days`` after START, stored as each engine stores Timestamptz."""
    if sqlite:
        return f"strftime('%Y-%m-%d %H:%M:%S', '{START}', '+' || ({days}) || ' days') || '+00:00'"
    return f"TIMESTAMPTZ '{START} 00:00:00+00' + ({days}) * INTERVAL '1 day'"


def seed_statements(sqlite: bool, consumers: int, assisters: int) -> list[str]:
    true, false = ("1", "0") if sqlite else ("TRUE", "FALSE")
    first_day = "((a.id * 7919) % 365)"  # requests spread over a year, not in id order
    start = f"({first_day} + k.k * {DAYS_APART})"
    end = f"({first_day} + (k.k + 1) * {DAYS_APART})"
    ks = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(PER_ASSOCIATION))
    return [
        "INSERT INTO organizations (name, kind, created_at) "
        "VALUES ('Bench Navigators', 'navigator_entity', CURRENT_TIMESTAMP)",
        f"""INSERT INTO assisters (kind, name, email, organization, state, version,
               npn_status, reference_number, agreements, created_at, updated_at)
            {SEQ.format(count=assisters)}
            SELECT 'navigator', 'Bench Assister ' || CAST(n AS TEXT),
                   'bench' || CAST(n AS TEXT) || '@example.org', 1, 'active', 5,
                   'not_checked', CAST(1000000 + n AS TEXT), '[]', CURRENT_TIMESTAMP,
                   CURRENT_TIMESTAMP
            FROM seq""",
        f"""INSERT INTO piccolo_user (username, password, email, active, admin, first_name,
               last_name, superuser)
            {SEQ.format(count=consumers)}
            SELECT 'bench-' || CAST(n AS TEXT), 'no-login', 'c' || CAST(n AS TEXT) || '@x.invalid',
                   {true}, {false}, '', '', {false}
            FROM seq""",
        """INSERT INTO consumers ("user", name, email, application_status, association_seq,
               created_at, updated_at)
            SELECT u.id, 'Client ' || CAST(u.id AS TEXT), u.email, 'not_started', 0,
                   CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM piccolo_user u WHERE u.username LIKE 'bench-%'""",
        f"""INSERT INTO associations (consumer, assister, state, version, sort_name,
               client_status, requested_at, updated_at)
            SELECT c.id, 1 + ((c.id * 31) % {assisters}), 'confirmed', 2, lower(c.name),
                   'in_progress', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM consumers c""",
        f"""INSERT INTO association_periods (association, consumer, assister, organization,
               stage, started_at, ended_at, ended_how)
            SELECT a.id, a.consumer, 1 + ((a.id * 31 + k.k * 977) % {assisters}), 1,
                   CASE WHEN k.k = 0 THEN 'requested' ELSE 'confirmed' END,
                   {timestamp_sql(sqlite, start)},
                   CASE WHEN k.k = {PER_ASSOCIATION - 1} THEN NULL
                        ELSE {timestamp_sql(sqlite, end)} END,
                   CASE WHEN k.k = 0 THEN 'confirmed'
                        WHEN k.k = {PER_ASSOCIATION - 1} THEN NULL ELSE 'transferred' END
            FROM associations a CROSS JOIN ({ks}) k""",
        "ANALYZE",
    ]


async def seed(args, sqlite: bool) -> float:
    from workflow.db.raw import raw

    started = time.perf_counter()
    consumers = args.periods // PER_ASSOCIATION
    for statement in seed_statements(sqlite, consumers, args.assisters):
        await raw(statement)
    return time.perf_counter() - started


async def measure(client, headers, urls: list[str]) -> tuple[float, float]:
    for url in urls[:5]:  # warm caches and prepared statements
        assert (await client.get(url, headers=headers)).status_code == 200
    times = []
    for url in urls:
        started = time.perf_counter()
        r = await client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, r.text
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def random_day(rng: random.Random) -> date:
    return START + timedelta(days=rng.randrange(365 + PER_ASSOCIATION * DAYS_APART))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--periods", type=int, default=1_000_000)
    parser.add_argument("--assisters", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL URL to an empty database")
    args = parser.parse_args()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    scratch = Path(tempfile.mkdtemp(prefix="workflow-bench-record-"))
    os.environ["WORKFLOW_DATABASE_URL"] = args.postgres or f"sqlite:///{scratch / 'b.sqlite'}"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import httpx

    from workflow.accounts.service import NewUser, create_user
    from workflow.app import create_app
    from workflow.db import connect, disconnect, is_sqlite, migrate
    from workflow.db.raw import raw

    sqlite = is_sqlite()
    await connect()
    try:
        await migrate()
        seconds = await seed(args, sqlite)
        total = (await raw("SELECT count(*) AS n FROM association_periods"))[0]["n"]
        consumers = args.periods // PER_ASSOCIATION
        print(
            f"database: {'SQLite' if sqlite else 'PostgreSQL'}; {total:,} periods of "
            f"{consumers:,} consumers with {args.assisters:,} assisters, seeded in "
            f"{seconds:.1f} s; {args.runs} requests each, random ids and days"
        )
        admin = await create_user(NewUser(username="bench-admin", role="admin"))
        headers = {"Authorization": f"Bearer {admin.token}"}
        rng = random.Random(18)
        transport = httpx.ASGITransport(app=create_app(manage_database=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            urls = [
                f"/consumers/{rng.randrange(1, consumers + 1)}/assister-of-record"
                f"?on={random_day(rng)}"
                for _ in range(args.runs)
            ]
            median, p95 = await measure(client, headers, urls)
            print(f"consumer's assister of record on a day: median {median:.2f} ms, "
                  f"p95 {p95:.2f} ms")  # fmt: skip
            urls = [
                f"/assisters/{rng.randrange(1, args.assisters + 1)}/book?on={random_day(rng)}"
                f"&limit=50"
                for _ in range(args.runs)
            ]
            median, p95 = await measure(client, headers, urls)
            print(f"assister's book on a day (50 rows): median {median:.2f} ms, p95 {p95:.2f} ms")
    finally:
        await disconnect()


if __name__ == "__main__":
    asyncio.run(main())
