"""A case changed while the sweep is at work is left for the next run, on SQLite and
PostgreSQL: changed after the sweep cut its windows (the batch's own selection no longer
finds it), or changed while the batch's statement runs (its compare-and-set on the
version refuses it: stale)."""

import asyncio
from datetime import UTC, date, datetime

import asyncpg
import pytest
import time_machine

from tests.helpers import fire_ok, new_assister, walk_to
from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.principal import SYSTEM
from workflow.engine.bulk import fire_bulk
from workflow.engine.command import FireBulk, Selection
from workflow.sweep import lapses
from workflow.sweep.runner import sweep
from workflow.tables import Assister, AuditEntry, History, Message


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def lapse_history(aid: int) -> int:
    return await History.count().where((History.entity_id == aid) & (History.event == "lapse"))


async def lapse_notices(aid: int) -> int:
    return await Message.count().where(
        (Message.assister == aid) & (Message.template == "lapse_notice")
    )


async def two_active(client, admin):
    with at(2026, 3, 10):  # TY2026: active, but nothing yet for TY2027
        racer = await walk_to(client, admin, await new_assister(client, admin), "active")
        idle = await walk_to(client, admin, await new_assister(client, admin), "active")
    return racer, idle


async def test_certified_between_selection_and_lapse_is_not_lapsed(client, admin, monkeypatch):
    racer, idle = await two_active(client, admin)
    raced = []

    async def admin_certifies_then_batch(cmd):
        if not raced:  # the windows are cut; the batch has not run yet
            # The admin records this year's course and a passed exam: the state stays
            # active, only the version moves.
            await fire_ok(client, admin, racer["id"], "complete_training")
            await fire_ok(client, admin, racer["id"], "record_exam", data={"score": 90})
            raced.append(racer["id"])
        return await fire_bulk(cmd)

    monkeypatch.setattr(lapses, "fire_bulk", admin_certifies_then_batch)
    with at(2026, 11, 1):
        report = await sweep(date(2026, 11, 1))
    assert raced == [racer["id"]]
    assert {c["id"] for c in report.examples("lapse")} == {idle["id"]}

    row = await Assister.select().where(Assister.id == racer["id"]).first()
    assert row["state"] == "active" and row["version"] == racer["version"] + 2
    assert await lapse_history(racer["id"]) == 0 and await lapse_notices(racer["id"]) == 0
    assert await lapse_history(idle["id"]) == 1 and await lapse_notices(idle["id"]) == 1

    monkeypatch.setattr(lapses, "fire_bulk", fire_bulk)
    with at(2026, 11, 1):  # the next run re-evaluates them: certified, so not selected
        assert (await sweep(date(2026, 11, 1))).count("lapse") == 0
    assert await lapse_history(racer["id"]) == 0


async def test_changed_while_the_batch_statement_runs_is_left_stale(client, admin, db):
    """PostgreSQL: another transaction holds the racer's row when the sweep's statement
    reaches it, and commits a new version; the statement must leave the racer alone.
    (SQLite runs one write transaction at a time: no other writer can come between a
    batch's selection and its move there.)"""
    if db.is_sqlite:
        pytest.skip("SQLite serializes write transactions: nothing can interleave")
    racer, idle = await two_active(client, admin)
    other = await asyncpg.connect(db.url)
    try:
        await other.execute("BEGIN")
        # As an event would: a compare-and-set that moves the version, state unchanged.
        await other.execute("UPDATE assisters SET version = version + 1 WHERE id = $1", racer["id"])
        with at(2026, 11, 1):
            running = asyncio.create_task(sweep(date(2026, 11, 1)))
            await _until_waiting_for_a_lock(other, running)
            await other.execute("COMMIT")
            report = await running
    finally:
        await other.close()
    lapse = [r for r in report.results if r.rule == "lapse"]
    assert (sum(r.count for r in lapse), sum(r.stale for r in lapse)) == (1, 1)
    assert {c["id"] for c in report.examples("lapse")} == {idle["id"]}
    row = await Assister.select().where(Assister.id == racer["id"]).first()
    assert (row["state"], row["version"]) == ("active", racer["version"] + 1)
    assert await lapse_history(racer["id"]) == 0 and await lapse_notices(racer["id"]) == 0
    audited = await AuditEntry.count().where(AuditEntry.object_id == str(racer["id"]))
    assert await lapse_history(idle["id"]) == 1 and await lapse_notices(idle["id"]) == 1
    with at(2026, 11, 1):  # the next run decides on it afresh: still due, so it lapses
        assert (await sweep(date(2026, 11, 1))).count("lapse") == 1
    assert await lapse_history(racer["id"]) == 1
    assert await AuditEntry.count().where(AuditEntry.object_id == str(racer["id"])) == audited + 1


async def _until_waiting_for_a_lock(conn, task, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        if waiting:
            return
        if task.done():
            raise AssertionError(f"the sweep finished without waiting: {task.result()}")
        await asyncio.sleep(0.02)
    raise AssertionError("the sweep never reached the locked row")


async def test_a_selection_at_another_version_moves_nothing(client, admin):
    """The compare-and-set holds for selected cases too: a selection that yields a version
    the case is no longer at leaves it alone, with nothing written."""
    a = await walk_to(client, admin, await new_assister(client, admin), "active")
    now = datetime(2026, 11, 1, 6, tzinfo=UTC)
    behind = Selection("SELECT id, version - 1 AS version FROM assisters WHERE id = {}", (a["id"],))
    outcome = await fire_bulk(FireBulk(ASSISTER_CASE, "lapse", SYSTEM, "rule: test", now, behind))
    assert (outcome.count, outcome.stale, outcome.refused) == (0, [a["id"]], {})
    row = await Assister.select().where(Assister.id == a["id"]).first()
    assert (row["state"], row["version"]) == ("active", a["version"])
    assert await lapse_history(a["id"]) == 0 and await lapse_notices(a["id"]) == 0


async def test_bulk_skips_cases_whose_version_moved(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "active")
    b = await walk_to(client, admin, await new_assister(client, admin), "active")
    now = datetime(2026, 11, 1, 6, tzinfo=UTC)
    cases = {a["id"]: a["version"] - 1, b["id"]: b["version"]}
    outcome = await fire_bulk(FireBulk(ASSISTER_CASE, "lapse", SYSTEM, "rule: test", now, cases))
    assert outcome.applied == {"active": [b["id"]]}
    assert outcome.stale == [a["id"]]
    row = await Assister.select().where(Assister.id == a["id"]).first()
    assert (row["state"], row["version"]) == ("active", a["version"])
    row = await Assister.select().where(Assister.id == b["id"]).first()
    assert (row["state"], row["version"]) == ("lapsed", b["version"] + 1)
    assert await lapse_history(a["id"]) == 0 and await lapse_history(b["id"]) == 1
