"""Optional courses (on SQLite and PostgreSQL): recorded in any state and shown with the
training year, never counted for certification; the portal course's own 70% assessment."""

from datetime import UTC, datetime

import time_machine

from tests.helpers import fire, fire_ok, new_assister, new_org
from workflow.tables import OptionalCourseRecord, TrainingRecord
from workflow.training.importer import import_text


def at(y, m, d):
    return time_machine.travel(datetime(y, m, d, 12, tzinfo=UTC), tick=False)


async def test_optional_courses_are_shown_and_never_certify(client, admin):
    org = await new_org(client, admin)
    with at(2026, 8, 1):
        a = await new_assister(client, admin, organization_id=org)
    with at(2026, 9, 15):
        for course in ("enrichment", "supplemental", "help_on_demand"):
            out = await fire_ok(client, admin, a["id"], "record_optional_course",
                                data={"course": course, "completed_on": "2026-09-10"})  # fmt: skip
            assert out["state"] == "onboarded"
        await fire_ok(client, admin, a["id"], "record_optional_course",
                      data={"course": "portal", "score": 72})  # fmt: skip
        await fire_ok(client, admin, a["id"], "record_optional_course",
                      data={"course": "portal", "score": 65})  # fmt: skip
        r = await fire(client, admin, a["id"], "record_optional_course",
                       data={"course": "enrichment", "score": 90})  # fmt: skip
        assert r.status_code == 422 and "has no assessment" in r.json()["detail"]
        r = await fire(client, admin, a["id"], "record_optional_course",
                       data={"course": "enrichment", "completed_on": "2026-07-01"})  # fmt: skip
        assert r.status_code == 422 and "before the assister was onboarded" in r.json()["detail"]
        r = await fire(client, admin, a["id"], "record_optional_course", data={"course": "full"})
        assert r.status_code == 400

        record = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
        training = record["training"]
        assert record["state"] == "onboarded" and training["certified"] is False
        assert training["courses_completed"] == [] and training["exam_passed"] is False
        shown = [(c["label"], c["score"], c["passed"]) for c in training["optional_courses"]]
        assert shown == [
            ("Enrichment", None, None),
            ("Supplemental", None, None),
            ("Help On Demand", None, None),
            ("Assister portal access", 72, True),
            ("Assister portal access", 65, False),
        ]
        assert await TrainingRecord.count() == 0
        # The required course and its 80% exam are as before.
        await fire_ok(client, admin, a["id"], "complete_training")
        r = await fire(client, admin, a["id"], "record_exam", data={"score": 75})
        assert r.status_code == 422 and "pass mark 80" in r.json()["detail"]


async def test_the_import_records_optional_courses_too(client, admin):
    org = await new_org(client, admin)
    with at(2026, 8, 1):
        a = await new_assister(client, admin, email="ana@example.org", organization_id=org)
    text = (
        "assister,course,training_year,language,completed_on,score,attempt_id\n"
        "ana@example.org,portal,2027,en,2026-09-01,70,p-1\n"
        "ana@example.org,enrichment,2027,es,2026-09-02,,p-2\n"
    )
    with at(2026, 9, 15):
        summary = await import_text(text, "optional.csv")
    assert [r.result for r in summary.results] == ["applied", "applied"]
    rows = await OptionalCourseRecord.select().order_by(OptionalCourseRecord.id)
    assert [(r["course"], r["passed"]) for r in rows] == [("portal", True), ("enrichment", None)]
    r = await client.get(f"/assisters/{a['id']}", headers=admin)
    assert r.json()["state"] == "onboarded"
