"""A late hire whose 60-day window runs past July 1 keeps it: the new training year does
not forget them (on SQLite and PostgreSQL, time under time-machine, the sweep's as_of)."""

from datetime import UTC, date, datetime

import time_machine

from tests.helpers import fire_ok, new_assister, new_org
from workflow.sweep.runner import sweep
from workflow.tables import History, Message


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def training(client, admin, aid):
    return (await client.get(f"/assisters/{aid}", headers=admin)).json()


async def hire_on_may_15(client, admin, org, name):
    with at(2027, 5, 15):  # TY2027, after October 31, 2026: a late hire
        a = await new_assister(
            client, admin, name=name, email=f"{name.lower()}@x.org", organization_id=org
        )
        await fire_ok(client, admin, a["id"], "complete_training")
        status = (await training(client, admin, a["id"]))["training"]
        assert status["deadline"] == "2027-07-14" and status["late_hire"] is True
    return a


async def test_window_closing_after_july_first_lapses(client, admin):
    org = await new_org(client, admin)
    a = await hire_on_may_15(client, admin, org, "Trained")
    with at(2027, 7, 5):  # TY2028 has begun; the window is still theirs
        status = (await training(client, admin, a["id"]))["training"]
        assert status["training_year"] == "TY2027" and status["deadline"] == "2027-07-14"
        assert status["also_met_by"] == "TY2028" and status["overdue"] is False
        assert status["still_required"][0] == "pass the TY2027 certification exam"
    with at(2027, 7, 14):
        assert (await sweep(date(2027, 7, 14))).count("lapse") == 0  # deadline day
    with at(2027, 7, 20):
        report = await sweep(date(2027, 7, 20))
        assert [c["id"] for c in report.examples("lapse")] == [a["id"]]
        after = await training(client, admin, a["id"])
        assert after["state"] == "lapsed"
        # the way back: this year's course, by October 31
        assert after["training"]["training_year"] == "TY2028"
        assert after["training"]["deadline"] == "2027-10-31"
        lapse = await History.select().where(
            (History.entity_id == a["id"]) & (History.event == "lapse")
        )
        assert len(lapse) == 1 and "TY2027 or TY2028" in lapse[0]["reason"]
        notice = await Message.select(Message.body).where(
            (Message.assister == a["id"]) & (Message.template == "lapse_notice")
        )
        assert "July 14, 2027" in notice[0]["body"]
        assert (await sweep(date(2027, 7, 20))).count("lapse") == 0  # once only


async def test_certified_for_either_year_in_the_window_does_not_lapse(client, admin):
    org = await new_org(client, admin)
    old_year = await hire_on_may_15(client, admin, org, "Old")
    new_year = await hire_on_may_15(client, admin, org, "New")
    with at(2027, 7, 10):
        # finishing TY2027 inside the carried window moves the state
        await fire_ok(
            client, admin, old_year["id"], "record_exam", data={"score": 90, "training_year": 2027}
        )
        # or certifying for TY2028 directly
        await fire_ok(client, admin, new_year["id"], "complete_training")
        await fire_ok(client, admin, new_year["id"], "record_exam", data={"score": 90})
    with at(2027, 7, 20):
        assert (await sweep(date(2027, 7, 20))).count("lapse") == 0
        status = (await training(client, admin, old_year["id"]))["training"]
        assert status["training_year"] == "TY2028" and status["deadline"] == "2027-10-31"
        assert status["certified"] is False  # TY2028 still due by October 31
        assert (await training(client, admin, new_year["id"]))["training"]["certified"]
    with at(2027, 11, 1):
        await sweep(date(2027, 11, 1))
        assert (await training(client, admin, old_year["id"]))["state"] == "lapsed"
        assert (await training(client, admin, new_year["id"]))["state"] == "exam_passed"


async def test_carried_window_gets_its_reminders(client, admin):
    org = await new_org(client, admin)
    a = await hire_on_may_15(client, admin, org, "Reminded")
    with at(2027, 7, 7):  # 7 days before July 14, in TY2028
        report = await sweep(date(2027, 7, 7))
        assert a["id"] in {c["id"] for c in report.examples("reminder:7")}
        rows = await Message.select(Message.subject, Message.dedupe_key, Message.body).where(
            (Message.assister == a["id"]) & (Message.template == "deadline_reminder")
        )
        assert [r["dedupe_key"] for r in rows] == ["deadline-reminder:2027:7"]
        assert "TY2027" in rows[0]["subject"] and "July 14, 2027" in rows[0]["body"]
        assert (await sweep(date(2027, 7, 7))).count("reminder:7") == 0
