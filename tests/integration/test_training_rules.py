"""Which course and year an event may use, and what it records: past years are records
only, the refresher is not for anyone who lapsed, exams keep their course and its pass
mark (on SQLite and PostgreSQL, through the HTTP API)."""

from dataclasses import replace
from datetime import UTC, datetime

import time_machine

from tests.helpers import fire, fire_ok, latest_registration_number, new_assister, new_org
from workflow.tables import TrainingRecord

JUSTIFICATION = {"justification": "We primarily assist with OHP; staff need only the overview."}


def at(y, m, d):
    return time_machine.travel(datetime(y, m, d, 12, tzinfo=UTC), tick=False)


async def get(client, admin, aid):
    return (await client.get(f"/assisters/{aid}", headers=admin)).json()


async def records(aid, year):
    return await TrainingRecord.select().where(
        (TrainingRecord.assister == aid) & (TrainingRecord.training_year == year)
    )


async def certify(client, admin, aid, **course):
    await fire_ok(client, admin, aid, "complete_training", data=course)
    await fire_ok(client, admin, aid, "record_exam", data={"score": 90})


async def activate(client, admin, a):
    await fire_ok(client, admin, a["id"], "register", data={"agreements": ["individual"]})
    number = await latest_registration_number(client, admin, a["id"])
    data = {"registration_number": number, "email": a["email"]}
    await fire_ok(client, admin, a["id"], "activate", data=data)


async def test_an_old_years_course_is_recorded_but_does_not_end_a_lapse(client, admin):
    org = await new_org(client, admin)
    with at(2024, 8, 1):  # TY2025: onboarded, so TY2025's records may be kept
        a = await new_assister(client, admin, organization_id=org)
    with at(2026, 8, 1):
        await fire_ok(client, admin, a["id"], "complete_training")
        await fire_ok(client, admin, a["id"], "lapse", reason="missed the deadline")
        r = await fire(client, admin, a["id"], "complete_training", data={"training_year": 2025})
        assert r.status_code == 422
        assert "TY2025 is a past training year" in r.json()["detail"]
        assert "stays lapsed" in r.json()["detail"] and "TY2027 course" in r.json()["detail"]
        assert (await get(client, admin, a["id"]))["state"] == "lapsed"
        assert len(await records(a["id"], 2025)) == 1  # the backfilled record is kept
        history = (await client.get(f"/assisters/{a['id']}/history", headers=admin)).json()
        assert history[-1]["event"] == "complete_training"
        assert history[-1]["from_state"] == history[-1]["to_state"] == "lapsed"

        await fire_ok(client, admin, a["id"], "complete_training")  # this year's: way back
        assert (await get(client, admin, a["id"]))["state"] == "trained"
        data = {"training_year": 2025, "score": 95}
        r = await fire(client, admin, a["id"], "record_exam", data=data)
        assert r.status_code == 422 and "TY2027 exam" in r.json()["detail"]
        assert (await get(client, admin, a["id"]))["state"] == "trained"
        exam = [x for x in await records(a["id"], 2025) if x["kind"] == "exam"]
        assert exam[0]["passed"] is True and exam[0]["score"] == 95
        await fire_ok(client, admin, a["id"], "record_exam", data={"score": 90})
        assert (await get(client, admin, a["id"]))["state"] == "exam_passed"


async def test_onboarded_with_an_old_year_stays_onboarded(client, admin):
    org = await new_org(client, admin)
    with at(2026, 6, 1):  # TY2026
        a = await new_assister(client, admin, organization_id=org)
    with at(2026, 8, 1):
        r = await fire(client, admin, a["id"], "complete_training", data={"training_year": 2026})
        assert r.status_code == 422 and "stays onboarded" in r.json()["detail"]
        assert (await get(client, admin, a["id"]))["state"] == "onboarded"


async def test_a_new_hire_cannot_backfill_years_before_onboarding(client, admin):
    """Two past years recorded for a new hire would make them eligible for the
    refresher: years and days before onboarding, and days to come, are refused."""
    org = await new_org(client, admin)
    with at(2026, 8, 1):  # TY2027
        a = await new_assister(client, admin, organization_id=org)
    with at(2026, 9, 15):
        for year in (2025, 2026):
            r = await fire(
                client, admin, a["id"], "complete_training", data={"training_year": year}
            )
            assert r.status_code == 422, r.text
            assert (
                f"TY{year} ended before the assister was onboarded (2026-08-01)"
                in r.json()["detail"]
            )
        for day, words in [("2026-07-31", "before the assister was onboarded"),
                           ("2026-09-16", "is in the future (today is 2026-09-15)")]:  # fmt: skip
            r = await fire(client, admin, a["id"], "complete_training", data={"completed_on": day})
            assert r.status_code == 422 and words in r.json()["detail"], r.text
        assert await records(a["id"], 2025) == [] and await records(a["id"], 2026) == []
        assert (await get(client, admin, a["id"]))["state"] == "onboarded"
        await fire_ok(
            client, admin, a["id"], "complete_training", data={"completed_on": "2026-09-15"}
        )
        r = await fire(client, admin, a["id"], "record_exam",
                       data={"score": 95, "completed_on": "2026-09-16"})  # fmt: skip
        assert r.status_code == 422 and "in the future" in r.json()["detail"]
        await fire_ok(
            client, admin, a["id"], "record_exam", data={"score": 95, "completed_on": "2026-09-14"}
        )
        days = sorted(str(x["completed_on"]) for x in await records(a["id"], 2027))
        assert days == ["2026-09-14", "2026-09-15"]
    with at(2028, 8, 1):  # TY2029: TY2027 and TY2028 only, the refresher is still not theirs
        r = await fire(client, admin, a["id"], "complete_training", data={"course": "refresher"})
        assert r.status_code == 422 and "refresher" in r.json()["detail"]


async def _two_full_years(client, admin, org):
    with at(2025, 8, 1):  # TY2026
        a = await new_assister(client, admin, organization_id=org)
        await certify(client, admin, a["id"])
        await activate(client, admin, a)
    with at(2026, 8, 1):  # TY2027
        await certify(client, admin, a["id"])
    return a


async def test_no_refresher_for_a_lapsed_assister(client, admin):
    org = await new_org(client, admin)
    a = await _two_full_years(client, admin, org)
    with at(2027, 8, 1):  # TY2028: full course and exam in TY2026 and TY2027, but lapsed
        await fire_ok(client, admin, a["id"], "lapse", reason="roster review")
        r = await fire(client, admin, a["id"], "complete_training", data={"course": "refresher"})
        assert r.status_code == 422 and "lapse" in r.json()["detail"]
        await fire_ok(client, admin, a["id"], "complete_training")  # the full course


async def test_no_refresher_after_a_lapse_in_the_past_two_years(client, admin):
    org = await new_org(client, admin)
    with at(2025, 8, 1):  # TY2026
        a = await new_assister(client, admin, organization_id=org)
        await certify(client, admin, a["id"])
        await activate(client, admin, a)
    with at(2025, 11, 1):  # lapsed in TY2026 (say by an admin), back with the full course
        await fire_ok(client, admin, a["id"], "lapse", reason="missed the deadline")
        await certify(client, admin, a["id"])
    with at(2026, 8, 1):  # TY2027
        await certify(client, admin, a["id"])
    with at(2027, 8, 1):  # TY2028: full course and exam in both years, but lapsed in TY2026
        assert (await get(client, admin, a["id"]))["state"] == "exam_passed"
        r = await fire(client, admin, a["id"], "complete_training", data={"course": "refresher"})
        assert r.status_code == 422 and "did not lapse" in r.json()["detail"]
        await certify(client, admin, a["id"])  # the full course for TY2028
    with at(2028, 8, 1):  # TY2029: full in TY2027 and TY2028, the lapse before both
        await fire_ok(client, admin, a["id"], "complete_training", data={"course": "refresher"})


async def test_exams_keep_their_course_and_its_pass_mark(client, admin, monkeypatch):
    from workflow.training import records as training

    settings = training.get_settings()
    marks = (("full", 80), ("refresher", 80), ("overview", 70))
    monkeypatch.setattr(training, "get_settings", lambda: replace(settings, exam_pass_marks=marks))
    org = await new_org(client, admin)
    ex = await client.post(f"/organizations/{org}/exemptions", json=JUSTIFICATION, headers=admin)
    await client.post(
        f"/exemptions/{ex.json()['id']}/events/approve", headers=admin, json={"reason": "OHP"}
    )
    plain = await new_org(client, admin)
    with at(2026, 8, 3):
        exempt = await new_assister(client, admin, organization_id=org, email="o@x.org")
        await fire_ok(client, admin, exempt["id"], "complete_training")
        await fire_ok(client, admin, exempt["id"], "record_exam", data={"score": 75})
        exam = [x for x in await records(exempt["id"], 2027) if x["kind"] == "exam"][0]
        assert exam["course"] == "overview" and exam["passed"] is True

        full = await new_assister(client, admin, organization_id=plain, email="f@x.org")
        await fire_ok(client, admin, full["id"], "complete_training")
        r = await fire(client, admin, full["id"], "record_exam", data={"score": 75})
        assert r.status_code == 422 and "pass mark 80 (full course)" in r.json()["detail"]
        exam = [x for x in await records(full["id"], 2027) if x["kind"] == "exam"][0]
        assert exam["course"] == "full" and exam["passed"] is False

        data = {"score": 90, "course": "refresher"}
        r = await fire(client, admin, full["id"], "record_exam", data=data)
        assert r.status_code == 422 and "no refresher course recorded" in r.json()["detail"]
