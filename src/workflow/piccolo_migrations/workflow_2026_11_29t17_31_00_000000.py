"""Association periods: the indexes the by-date reads use, and the periods of the
associations that existed before periods were kept, rebuilt from each association's
history (request, confirm, transfers, end).

Where the history cannot say something, the nearest fact stands in: a transfer recorded
without ``from_assister_id`` starts from the association's current assister, and the
organisation is the assister's current one.
"""

from __future__ import annotations

import json
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-29T17:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "association_periods: by-date indexes; periods of existing associations"

INDEXES = [
    # A consumer's assister of record on a date.
    "CREATE INDEX IF NOT EXISTS association_periods_consumer "
    "ON association_periods (consumer, started_at)",
    # An assister's book of business on a date.
    "CREATE INDEX IF NOT EXISTS association_periods_assister "
    "ON association_periods (assister, started_at)",
    # The report for one organisation over a range of dates.
    "CREATE INDEX IF NOT EXISTS association_periods_organization "
    "ON association_periods (organization, started_at)",
    # Closing an association's open period.
    "CREATE INDEX IF NOT EXISTS association_periods_open "
    "ON association_periods (association) WHERE ended_at IS NULL",
]

ASSOCIATIONS = """
SELECT a.id, a.consumer, a.assister, a.state, a.requested_at, c."user" AS consumer_user,
       s.organization
FROM associations a JOIN consumers c ON c.id = a.consumer JOIN assisters s ON s.id = a.assister
WHERE NOT EXISTS (SELECT 1 FROM association_periods p WHERE p.association = a.id)
ORDER BY a.id
"""
HISTORY = """
SELECT entity_id, event, actor, actor_user_id, reason, data, at FROM history
WHERE machine = 'association' AND event IN ('confirm', 'transfer', 'disassociate')
ORDER BY entity_id, id
"""
INSERT = """
INSERT INTO association_periods (association, consumer, assister, organization, stage,
                                 started_at, ended_at, ended_how)
VALUES ({}, {}, {}, {}, {}, {}, {}, {})
"""


async def _run(sql: str, *args: Any) -> list[dict]:
    return await engine_finder().run_querystring(QueryString(sql, *args)) or []


def _data(value: Any) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _how(event: dict, consumer_user: int | None) -> str:
    reason = event["reason"] or ""
    if reason.startswith(("replaced:", "withdrawn:")):
        return "replaced"
    if event["actor"] == "system":
        return "expired"
    if consumer_user is not None and event["actor_user_id"] == consumer_user:
        return "consumer"
    return "support"


def periods_of(association: dict, events: list[dict]) -> list[list[Any]]:
    """The periods of one association, from its history in order: rows of
    (assister, stage, started_at, ended_at, ended_how)."""
    transfers = [_data(e["data"]) for e in events if e["event"] == "transfer"]
    assister = association["assister"]
    if transfers:
        assister = transfers[0].get("from_assister_id") or assister
    periods = [[assister, "requested", association["requested_at"], None, None]]
    for event in events:
        current = periods[-1]
        if current[3] is not None:
            break  # ended: nothing after an end opens a period
        if event["event"] == "confirm":
            current[3:] = [event["at"], "confirmed"]
            periods.append([current[0], "confirmed", event["at"], None, None])
        elif event["event"] == "transfer":
            current[3:] = [event["at"], "transferred"]
            to = _data(event["data"]).get("to_assister_id", association["assister"])
            periods.append([to, "confirmed", event["at"], None, None])
        elif event["event"] == "disassociate":
            current[3:] = [event["at"], _how(event, association["consumer_user"])]
    return periods


async def backfill() -> None:
    by_case: dict[int, list[dict]] = {}
    for event in await _run(HISTORY):
        by_case.setdefault(event["entity_id"], []).append(event)
    for association in await _run(ASSOCIATIONS):
        for assister, stage, start, end, how in periods_of(
            association, by_case.get(association["id"], [])
        ):
            organization = association["organization"]
            await _run(INSERT, association["id"], association["consumer"], assister,
                           organization, stage, start, end, how)  # fmt: skip


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)
        await backfill()

    manager.add_raw(run)
    return manager
