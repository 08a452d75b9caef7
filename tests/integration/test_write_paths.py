"""The engine's write paths: on SQLite an event writes on the loop's thread when the
database is free, and waits on a worker thread when another process holds the write lock
(never stalling the loop); on both engines a refused compare-and-set writes nothing."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.helpers import new_assister
from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.errors import StaleVersion
from workflow.core.principal import Principal
from workflow.db import current_engine
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.tables import AuditEntry, History, Message

ADMIN = Principal(user_id=None, username="admin-test", role="admin")


async def test_an_event_waits_for_another_process_writing_then_applies(client, admin, db):
    if not db.is_sqlite:
        pytest.skip("SQLite's write lock is per file; PostgreSQL locks rows (test_concurrency)")
    a = await new_assister(client, admin)
    engine = current_engine()
    other = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    waiting = asyncio.Event()
    real = engine.get_connection

    async def noted():  # the event went to a worker thread to wait for the lock
        waiting.set()
        return await real()

    engine.get_connection = noted
    try:
        task = asyncio.create_task(
            fire(FireEvent(ASSISTER_CASE, a["id"], "deactivate", ADMIN, reason="left"))
        )
        await waiting.wait()
        assert not task.done()
        other.execute("COMMIT")
        outcome = await task
    finally:
        engine.get_connection = real
        other.close()
    assert outcome.state == "deactivated"
    row = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
    assert (row["state"], row["version"]) == ("deactivated", 2)


async def test_a_stale_event_writes_no_history_audit_or_message(client, admin):
    a = await new_assister(client, admin)
    before = [await t.count() for t in (History, AuditEntry, Message)]
    command = FireEvent(ASSISTER_CASE, a["id"], "complete_training", ADMIN, expected_version=7)
    with pytest.raises(StaleVersion):
        await fire(command)
    after = [await t.count() for t in (History, AuditEntry, Message)]
    # Only the refusal's own audit entry: no history row, no event audit, no message.
    assert after[0] == before[0] and after[2] == before[2] and after[1] == before[1] + 1
    refused = await AuditEntry.select().order_by(AuditEntry.id, ascending=False).first()
    assert (refused["outcome"], refused["action"]) == ("refused", "event")
