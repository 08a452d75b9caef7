"""Directory search latency with 20,000 active assisters.

Seeds a scratch database (SQLite by default, ``--postgres URL`` for an empty PostgreSQL
database) with ``--assisters`` active assisters at real ZIP codes (half of them in ten
metro areas, so some searches find hundreds within 25 miles, the rest spread over the
country), a tenth not listed, a third all-but-street, a quarter speaking Spanish. Then
asks the real app (in-process, over ASGI, no sign-in: the directory is public) for the
first page of random searches: by ZIP code (25 miles; some with a language, kind or
"accepting" filter) and by state, and prints the median and p95 latency of each.

    python bench/find_help.py [--assisters 20000] [--runs 300] [--postgres postgresql://...]
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
from datetime import UTC, datetime
from pathlib import Path

METROS = ("100", "606", "900", "770", "191", "331", "941", "981", "551", "972")  # ZIP3


def sample_zips(rng: random.Random, centroids: dict, n: int, states) -> list:
    everywhere = [c for c in centroids.values() if c.state in states]
    metro = [c for c in everywhere if c.zip[:3] in METROS]
    return [rng.choice(metro if i % 2 else everywhere) for i in range(n)]


async def seed(args, rng: random.Random) -> tuple[float, list]:
    from workflow.assisters.address import US_STATES
    from workflow.core.zips import centroids
    from workflow.db import transaction
    from workflow.db.bulk import insert_rows
    from workflow.db.raw import raw

    started = time.perf_counter()
    await raw("INSERT INTO organizations (name, kind, created_at) VALUES "
              "('Bench Navigators', 'navigator_entity', {})", datetime.now(UTC))  # fmt: skip
    now = datetime.now(UTC)
    places = sample_zips(rng, centroids(), args.assisters, US_STATES)
    kinds = ("navigator", "cac", "broker")
    rows = []
    for n, place in enumerate(places, 1):
        display = "not_listed" if n % 10 == 0 else "all_but_street" if n % 3 == 0 else "all"
        rows.append(("navigator" if n % 5 else kinds[n % 3], f"Bench Assister {n}",
                     f"bench{n}@example.org", 1, "active", 5, "not_checked", str(1000000 + n),
                     "[]", "en", f"{n} Main St", place.city, place.state, place.zip,
                     place.latitude, place.longitude, display, now, now))  # fmt: skip
    columns = ("kind", "name", "email", "organization", "state", "version", "npn_status",
               "reference_number", "agreements", "language", "address_street", "address_city",
               "address_state", "address_zip", "latitude", "longitude", "directory_display",
               "created_at", "updated_at")  # fmt: skip
    listings = [(n, " en es " if n % 4 == 0 else " en ", n % 7 != 0, False, now)
                for n in range(1, args.assisters + 1)]  # fmt: skip
    listing_columns = ("assister", "languages", "accepting_new_clients", "accepts_referrals",
                       "updated_at")  # fmt: skip
    async with transaction():
        await insert_rows("assisters", columns, rows)
        await insert_rows("directory_listings", listing_columns, listings)
    await raw("ANALYZE")
    return time.perf_counter() - started, places


async def measure(client, urls: list[str]) -> tuple[float, float, float]:
    for url in urls[:5]:
        assert (await client.get(url)).status_code == 200
    times, found = [], []
    for url in urls:
        started = time.perf_counter()
        r = await client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, r.text
        found.append(r.json()["total"])
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], statistics.mean(found)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assisters", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--postgres", help="a PostgreSQL URL to an empty database")
    args = parser.parse_args()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    scratch = Path(tempfile.mkdtemp(prefix="workflow-bench-find-help-"))
    os.environ["WORKFLOW_DATABASE_URL"] = args.postgres or f"sqlite:///{scratch / 'b.sqlite'}"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import httpx

    from workflow.app import create_app
    from workflow.db import connect, disconnect, is_sqlite, migrate

    rng = random.Random(18)
    await connect()
    try:
        await migrate()
        seconds, places = await seed(args, rng)
        print(f"database: {'SQLite' if is_sqlite() else 'PostgreSQL'}; {args.assisters:,} "
              f"active assisters seeded in {seconds:.1f} s; {args.runs} searches each, "
              "first page of 20")  # fmt: skip
        filters = ["", "&language=es", "&kind=navigator", "&accepting_new_clients=true"]
        transport = httpx.ASGITransport(app=create_app(manage_database=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for label, make in [
                ("by ZIP code, 25 miles", lambda: f"/find-help?zip={rng.choice(places).zip}"),
                (
                    "by ZIP code + a filter",
                    lambda: f"/find-help?zip={rng.choice(places).zip}{rng.choice(filters)}",
                ),  # fmt: skip
                (
                    "by ZIP code, 100 miles",
                    lambda: f"/find-help?zip={rng.choice(places).zip}&radius_miles=100",
                ),  # fmt: skip
                ("by state", lambda: f"/find-help?state={rng.choice(places).state}"),
            ]:
                median, p95, found = await measure(client, [make() for _ in range(args.runs)])
                print(f"{label:<24} median {median:6.2f} ms  p95 {p95:6.2f} ms  "
                      f"(mean total found {found:,.0f})")  # fmt: skip
    finally:
        await disconnect()


if __name__ == "__main__":
    asyncio.run(main())
