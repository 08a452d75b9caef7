"""A whole training year, late hire included, with time under control (time-machine),
through the HTTP API and the sweep, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from tests.helpers import fire, fire_ok, latest_registration_number, new_assister, new_org
from workflow.sweep.run_lock import AlreadyRunning, exclusive
from workflow.sweep.runner import sweep
from workflow.tables import History, Message, TrainingRecord


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def state(client, admin, aid):
    return (await client.get(f"/assisters/{aid}", headers=admin)).json()


async def certify(client, admin, aid, **course):
    await fire_ok(client, admin, aid, "complete_training", data=course)
    await fire_ok(client, admin, aid, "record_exam", data={"score": 90})


async def activate(client, admin, a):
    await fire_ok(client, admin, a["id"], "register", data={"agreements": ["individual"]})
    number = await latest_registration_number(client, admin, a["id"])
    data = {"registration_number": number, "email": a["email"]}
    await fire_ok(client, admin, a["id"], "activate", data=data)


async def reminders(aid, days=None):
    query = Message.select(Message.subject, Message.dedupe_key).where(
        (Message.assister == aid) & (Message.template == "deadline_reminder")
    )
    rows = await query
    return [r for r in rows if days is None or r["dedupe_key"].endswith(f":{days}")]


async def test_a_whole_training_year(client, admin):
    org = await new_org(client, admin)
    with at(2026, 3, 10):  # TY2026: a returning assister certified last year
        returning = await new_assister(
            client, admin, name="Returning", email="r@x.org", organization_id=org
        )
        await certify(client, admin, returning["id"])
        await activate(client, admin, returning)

    with at(2026, 7, 15):  # TY2027 begins July 1, 2026
        keen = await new_assister(client, admin, name="Keen", email="k@x.org", organization_id=org)
        failing = await new_assister(
            client, admin, name="Failing", email="f@x.org", organization_id=org
        )
        idle = await new_assister(client, admin, name="Idle", email="i@x.org", organization_id=org)
        status = (await state(client, admin, returning["id"]))["training"]
        assert status["training_year"] == "TY2027"
        assert status["deadline"] == "2026-10-31" and status["certified"] is False
        assert len(status["still_required"]) == 2

    with at(2026, 8, 20):
        await certify(client, admin, keen["id"])
        await activate(client, admin, keen)
        await fire_ok(client, admin, failing["id"], "complete_training")
        r = await fire(client, admin, failing["id"], "record_exam", data={"score": 60})
        assert r.status_code == 422
        assert (await state(client, admin, keen["id"]))["training"]["certified"] is True

    with at(2026, 10, 1):  # 30 days before the deadline
        report = await sweep(date(2026, 10, 1))
        assert report.count("lapse") == 0
        reminded = {c["id"] for c in report.examples("reminder:30")}
        assert reminded == {returning["id"], failing["id"], idle["id"]}
        again = await sweep(date(2026, 10, 1))
        assert again.count("reminder:30") == 0  # idempotent: nobody reminded twice
        assert len(await reminders(failing["id"], 30)) == 1
        assert "30 days left" in (await reminders(failing["id"], 30))[0]["subject"]

    with at(2026, 10, 17):
        await sweep(date(2026, 10, 17))
        assert len(await reminders(idle["id"], 14)) == 1
        assert await reminders(keen["id"]) == []

    with at(2026, 10, 31):  # the deadline day itself: still in time
        assert (await sweep(date(2026, 10, 31))).count("lapse") == 0

    with at(2026, 11, 1):  # the day after October 31
        dry = await sweep(date(2026, 11, 1), dry_run=True)
        assert {c["id"] for c in dry.examples("lapse")} == {returning["id"], failing["id"]}
        assert (await state(client, admin, returning["id"]))["state"] == "active"
        report = await sweep(date(2026, 11, 1))
        assert report.count("lapse") == 2
        assert (await state(client, admin, returning["id"]))["state"] == "lapsed"
        assert (await state(client, admin, failing["id"]))["state"] == "lapsed"
        assert (await state(client, admin, keen["id"]))["state"] == "active"
        assert (await state(client, admin, idle["id"]))["state"] == "onboarded"
        last = (await client.get(f"/assisters/{returning['id']}/history", headers=admin)).json()
        assert last[-1]["event"] == "lapse" and last[-1]["actor"] == "system"
        assert "2026-10-31" in last[-1]["reason"] and "TY2027" in last[-1]["reason"]
        notices = await Message.count().where(
            (Message.assister == returning["id"]) & (Message.template == "lapse_notice")
        )
        assert notices == 1
        assert (await sweep(date(2026, 11, 1))).count("lapse") == 0

    with at(2026, 11, 20):  # a late hire: 60 days from onboarding
        late = await new_assister(client, admin, name="Late", email="l@x.org", organization_id=org)
        status = (await state(client, admin, late["id"]))["training"]
        assert status["deadline"] == "2027-01-19"

    with at(2026, 12, 20):
        await sweep(date(2026, 12, 20))
        assert len(await reminders(late["id"], 30)) == 1

    with at(2027, 1, 5):
        await fire_ok(client, admin, late["id"], "complete_training")

    with at(2027, 1, 19):
        assert (await sweep(date(2027, 1, 19))).count("lapse") == 0  # deadline day: not yet
    with at(2027, 1, 20):
        report = await sweep(date(2027, 1, 20))
        lapsed = [
            (c["id"], r.reason) for r in report.results if r.rule == "lapse" for c in r.examples
        ]
        assert [case_id for case_id, _ in lapsed] == [late["id"]]
        assert "late-hire window (60 days from onboarding)" in lapsed[0][1]

    with at(2027, 2, 10):  # the way back from lapsed
        await certify(client, admin, returning["id"])
        await activate(client, admin, returning)

    with at(2027, 9, 15):  # TY2028: keen recertifies without leaving active
        await certify(client, admin, keen["id"])
        assert (await state(client, admin, keen["id"]))["state"] == "active"

    with at(2027, 11, 1):
        await sweep(date(2027, 11, 1))
        assert (await state(client, admin, keen["id"]))["state"] == "active"
        assert (await state(client, admin, returning["id"]))["state"] == "lapsed"

    years = {
        r["training_year"]
        for r in await TrainingRecord.select().where(TrainingRecord.assister == keen["id"])
    }
    assert years == {2027, 2028}


async def test_course_rules_and_records(client, admin):
    org = await new_org(client, admin)
    with at(2026, 8, 1):
        a = await new_assister(client, admin, organization_id=org, language="es")
        r = await fire(client, admin, a["id"], "complete_training", data={"course": "overview"})
        assert r.status_code == 422 and "exempt" in r.json()["detail"]
        r = await fire(client, admin, a["id"], "complete_training", data={"course": "refresher"})
        assert r.status_code == 422 and "past two training years" in r.json()["detail"]
        r = await fire(client, admin, a["id"], "complete_training", data={"training_year": 2030})
        assert r.status_code == 422 and "future" in r.json()["detail"]
        await fire_ok(client, admin, a["id"], "complete_training")
        record = await TrainingRecord.select().where(TrainingRecord.assister == a["id"]).first()
        assert record["training_year"] == 2027 and record["course"] == "full"
        assert record["language"] == "es"  # the assister's preferred language


async def test_refresher_after_two_full_years(client, admin):
    org = await new_org(client, admin)
    with at(2025, 8, 1):
        a = await new_assister(client, admin, organization_id=org)
        await certify(client, admin, a["id"])
        await activate(client, admin, a)
    with at(2026, 8, 1):  # TY2027: one full year behind them (TY2026) is not enough
        r = await fire(client, admin, a["id"], "complete_training", data={"course": "refresher"})
        assert r.status_code == 422
        await certify(client, admin, a["id"])
    with at(2027, 8, 1):  # TY2028: full course and exam in TY2026 and TY2027
        await fire_ok(client, admin, a["id"], "complete_training", data={"course": "refresher"})


async def test_two_sweeps_never_both_act(db):
    async with exclusive("sweep"):
        with pytest.raises(AlreadyRunning):
            await sweep(date(2026, 11, 1))
    assert (await sweep(date(2026, 11, 1))).as_of == date(2026, 11, 1)


async def test_sweep_resumes_after_a_kill(client, admin, monkeypatch):
    from workflow.core.settings import get_settings
    from workflow.sweep import lapses as sweep_module

    org = await new_org(client, admin)
    with at(2026, 8, 1):
        people = [
            await new_assister(client, admin, email=f"p{i}@x.org", organization_id=org)
            for i in range(5)
        ]
        for p in people:
            await fire_ok(client, admin, p["id"], "complete_training")
    real = sweep_module.fire_bulk
    calls = {"n": 0}

    async def killed_after_first_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")
        return await real(*args, **kwargs)

    settings = get_settings()
    monkeypatch.setattr(sweep_module, "get_settings", lambda: _with_batch(settings, 2))
    monkeypatch.setattr(sweep_module, "fire_bulk", killed_after_first_batch)
    with at(2026, 11, 1), pytest.raises(KeyboardInterrupt):
        await sweep(date(2026, 11, 1))
    assert await History.count().where(History.event == "lapse") == 2  # batch 1 committed
    monkeypatch.setattr(sweep_module, "fire_bulk", real)
    with at(2026, 11, 1):
        report = await sweep(date(2026, 11, 1))
    assert report.count("lapse") == 3
    assert await History.count().where(History.event == "lapse") == 5  # each exactly once


def _with_batch(settings, size):
    from dataclasses import replace

    return replace(settings, sweep_batch_size=size)
