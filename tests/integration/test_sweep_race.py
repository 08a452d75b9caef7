"""The sweep picks its batch outside the transaction that lapses it: a case changed in
between (even without a change of state) must be left for the next run, on SQLite and
PostgreSQL."""

from datetime import UTC, date, datetime

import time_machine

from tests.helpers import fire_ok, new_assister, walk_to
from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.principal import SYSTEM
from workflow.engine.bulk import fire_bulk
from workflow.engine.command import FireBulk
from workflow.sweep import runner as sweep_module
from workflow.tables import Assister, History, Message


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def lapse_history(aid: int) -> int:
    return await History.count().where((History.entity_id == aid) & (History.event == "lapse"))


async def lapse_notices(aid: int) -> int:
    return await Message.count().where(
        (Message.assister == aid) & (Message.template == "lapse_notice")
    )


async def test_certified_between_selection_and_lapse_is_not_lapsed(client, admin, monkeypatch):
    with at(2026, 3, 10):  # TY2026: active, but nothing yet for TY2027
        racer = await walk_to(client, admin, await new_assister(client, admin), "active")
        idle = await walk_to(client, admin, await new_assister(client, admin), "active")
    real_batch = sweep_module._batch
    raced = []

    async def batch_then_admin_certifies(states, *args, **kwargs):
        batch = await real_batch(states, *args, **kwargs)
        if states == sweep_module.LAPSABLE and not raced and batch:
            assert racer["id"] in {r["id"] for r in batch}
            # The admin records this year's course and a passed exam: the state stays
            # active, only the version moves.
            await fire_ok(client, admin, racer["id"], "complete_training")
            await fire_ok(client, admin, racer["id"], "record_exam", data={"score": 90})
            raced.append(racer["id"])
        return batch

    monkeypatch.setattr(sweep_module, "_batch", batch_then_admin_certifies)
    with at(2026, 11, 1):
        report = await sweep_module.sweep(date(2026, 11, 1))
    assert raced == [racer["id"]]
    lapsed = {c["id"] for r in report.results if r.rule == "lapse" for c in r.cases}
    assert lapsed == {idle["id"]}

    row = await Assister.select().where(Assister.id == racer["id"]).first()
    assert row["state"] == "active" and row["version"] == racer["version"] + 2
    assert await lapse_history(racer["id"]) == 0 and await lapse_notices(racer["id"]) == 0
    assert await lapse_history(idle["id"]) == 1 and await lapse_notices(idle["id"]) == 1

    monkeypatch.setattr(sweep_module, "_batch", real_batch)
    with at(2026, 11, 1):  # the next run re-evaluates them: certified, so not selected
        assert (await sweep_module.sweep(date(2026, 11, 1))).count("lapse") == 0
    assert await lapse_history(racer["id"]) == 0


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
