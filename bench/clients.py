"""First-page latency of an assister's client list with 100,000 associations.

Seeds a scratch database (SQLite by default, ``--postgres URL`` for an empty PostgreSQL
database) with set-based INSERT ... SELECT statements: assisters, one user + consumer per
association, and the associations (one "big" assister holds ``--big`` of them, the rest
are spread over the other assisters; 80% confirmed, 10% requested, 10% disassociated;
a third of them New). Then asks the real app (in-process, over ASGI, with an admin
token) for the first page sorted by each column in both directions, and prints the
median and p95 latency; then drops the client-list indexes and measures again.

    python bench/clients.py [--associations 100000] [--big 25000] [--runs 30]
                            [--postgres postgresql://...] [--skip-no-index]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

SORTS = [(s, o) for s in ("name", "date_requested", "status") for o in ("asc", "desc")]
LIST_INDEXES = [
    "associations_open_by_requested",
    "associations_open_by_name",
    "associations_open_by_status",
    "associations_state_by_requested",
    "associations_state_by_name",
    "associations_state_by_status",
    "associations_assister",
]
SEQ = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {count})"


def timestamp_sql(sqlite: bool, minutes: str) -> str:
    """A UTC time ``minutes`` before 2026-01-01, stored as each engine stores Timestamptz."""
    if sqlite:
        return (
            f"strftime('%Y-%m-%d %H:%M:%S', '2026-01-01', '-' || ({minutes}) || ' minutes')"
            " || '+00:00'"
        )
    return f"TIMESTAMPTZ '2026-01-01 00:00:00+00' - ({minutes}) * INTERVAL '1 minute'"


def seed_statements(sqlite: bool, associations: int, assisters: int, big: int) -> list[str]:
    scatter = f"((n * 7919) % {associations + 3})"  # names and dates not in id order
    when = timestamp_sql(sqlite, scatter)
    true = "1" if sqlite else "TRUE"
    false = "0" if sqlite else "FALSE"
    return [
        "INSERT INTO organizations (name, kind, created_at) "
        "VALUES ('Bench Navigators', 'navigator_entity', CURRENT_TIMESTAMP)",
        f"""INSERT INTO assisters (kind, name, email, organization, state, version,
               npn_status, reference_number, agreements, created_at, updated_at)
            {SEQ.format(count=assisters)}
            SELECT 'navigator', 'Bench Assister ' || CAST(n AS TEXT),
                   'bench' || CAST(n AS TEXT) || '@example.org', 1, 'active', 5,
                   'not_checked', CAST(1000000 + n AS TEXT), '[]', {when}, {when}
            FROM seq""",
        f"""INSERT INTO piccolo_user (username, password, email, active, admin, first_name,
               last_name, superuser)
            {SEQ.format(count=associations)}
            SELECT 'bench-' || CAST(n AS TEXT), 'no-login', 'c' || CAST(n AS TEXT) || '@x.invalid',
                   {true}, {false}, '', '', {false}
            FROM seq""",
        f"""INSERT INTO consumers (user, name, email, application_status, association_seq,
               created_at, updated_at)
            SELECT u.id, 'Client ' || CAST((u.id * 7919) % {associations + 3} AS TEXT),
                   u.email, 'not_started', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM piccolo_user u WHERE u.username LIKE 'bench-%'""".replace("(user,", '("user",'),
        f"""INSERT INTO associations (consumer, assister, state, version, sort_name,
               client_status, requested_at, updated_at)
            SELECT c.id,
                   CASE WHEN c.id <= {big} THEN 1 ELSE 2 + (c.id % {assisters - 1}) END,
                   CASE c.id % 10 WHEN 0 THEN 'disassociated' WHEN 1 THEN 'requested'
                        ELSE 'confirmed' END,
                   2, lower(c.name),
                   CASE WHEN c.id % 3 = 0 THEN 'new' ELSE 'in_progress' END,
                   {timestamp_sql(sqlite, f"((c.id * 7919) % {associations + 3})")},
                   CURRENT_TIMESTAMP
            FROM consumers c""",
        "ANALYZE",
    ]


async def seed(args, sqlite: bool) -> float:
    from workflow.tables import Association

    started = time.perf_counter()
    for statement in seed_statements(sqlite, args.associations, args.assisters, args.big):
        await Association.raw(statement)
    return time.perf_counter() - started


async def measure(client, headers, assister_id: int, runs: int, query: str) -> tuple[float, float]:
    url = f"/assisters/{assister_id}/clients?limit=50&{query}"
    for _ in range(3):  # warm caches and prepared statements
        r = await client.get(url, headers=headers)
        assert r.status_code == 200, r.text
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        r = await client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200 and len(r.json()["items"]) == 50, r.text
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


async def table(client, headers, args, label: str) -> None:
    print(f"\n{label}")
    print(f"{'assister':<22} {'sort':<22} {'median ms':>10} {'p95 ms':>8}")
    for assister_id, who in ((1, f"big ({args.big:,})"), (2, "typical")):
        for sort, order in SORTS:
            median, p95 = await measure(
                client, headers, assister_id, args.runs, f"sort={sort}&order={order}"
            )
            print(f"{who:<22} {sort + ' ' + order:<22} {median:>10.2f} {p95:>8.2f}")
    median, p95 = await measure(
        client, headers, 1, args.runs, "state=requested&sort=name&order=asc"
    )
    print(f"{'big':<22} {'requested only, name':<22} {median:>10.2f} {p95:>8.2f}")


async def explain(sqlite: bool) -> str:
    from workflow.associations.clients import _list_sql
    from workflow.tables import Association

    select, _ = _list_sql("open", "name", "asc", True)
    if sqlite:
        rows = await Association.raw("EXPLAIN QUERY PLAN " + select, 1, 50, 0)
        return "; ".join(r["detail"] for r in rows)
    rows = await Association.raw("EXPLAIN " + select, 1, 50, 0)
    return " / ".join(r["QUERY PLAN"].strip() for r in rows[:4])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--associations", type=int, default=100_000)
    parser.add_argument("--assisters", type=int, default=200)
    parser.add_argument("--big", type=int, default=25_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", help="a PostgreSQL URL to an empty database")
    parser.add_argument("--skip-no-index", action="store_true")
    args = parser.parse_args()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    scratch = Path(tempfile.mkdtemp(prefix="workflow-bench-clients-"))
    os.environ["WORKFLOW_DATABASE_URL"] = args.postgres or f"sqlite:///{scratch / 'b.sqlite'}"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import httpx

    from workflow.accounts.service import NewUser, create_user
    from workflow.app import create_app
    from workflow.db import connect, disconnect, is_sqlite, migrate
    from workflow.tables import Association

    sqlite = is_sqlite()
    await connect()
    try:
        await migrate()
        seconds = await seed(args, sqlite)
        total = (await Association.raw("SELECT count(*) AS n FROM associations"))[0]["n"]
        print(
            f"database: {'SQLite' if sqlite else 'PostgreSQL'}; {total:,} associations "
            f"({args.assisters} assisters, the big one with {args.big:,}) seeded in "
            f"{seconds:.1f} s; first page = 50 rows + total; {args.runs} runs each"
        )
        print(f"plan (open, sort by name): {await explain(sqlite)}")
        admin = await create_user(NewUser(username="bench-admin", role="admin"))
        headers = {"Authorization": f"Bearer {admin.token}"}
        transport = httpx.ASGITransport(app=create_app(manage_database=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await table(client, headers, args, "with the client-list indexes")
            if not args.skip_no_index:
                for name in LIST_INDEXES:
                    await Association.raw(f"DROP INDEX {name}")
                await Association.raw("ANALYZE")
                args.runs = max(3, args.runs // 10)
                await table(client, headers, args, "without them (for comparison)")
    finally:
        await disconnect()


if __name__ == "__main__":
    asyncio.run(main())
