"""Open Enrollment readiness (on SQLite and PostgreSQL, time under time-machine): the
report of brokers who will not be ready by the next November 1, grouped by the missing
step, its CSV, and the sweep's reminders 30 and 7 days before, each once."""

import csv
import io
from datetime import UTC, date, datetime

import time_machine

from tests.helpers import (
    MISSING_SSN,
    UNKNOWN_NPN,
    VALID,
    fire_ok,
    latest_registration_number,
    load_sample_registry,
    new_assister,
    new_broker,
    registered_broker,
)
from workflow.readiness.reminders import stage
from workflow.sweep.runner import sweep
from workflow.tables import Message


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def brokers(client, admin):
    await load_sample_registry()
    with at(2026, 9, 1):  # TY2027; Open Enrollment on November 1, 2026
        ready = await registered_broker(client, admin, VALID)
        number = await latest_registration_number(client, admin, ready["id"])
        await fire_ok(client, admin, ready["id"], "activate",
                      data={"registration_number": number, "email": ready["email"]})  # fmt: skip
        pending = await registered_broker(client, admin, MISSING_SSN, role="shop")
        nowhere = await new_broker(client, admin, UNKNOWN_NPN, language="es")
        await new_assister(client, admin)  # a navigator: not in a broker report
    return ready, pending, nowhere


async def test_the_report_groups_brokers_by_missing_step(client, admin):
    ready, pending, nowhere = await brokers(client, admin)
    with at(2026, 9, 2):
        r = await client.get("/reports/open-enrollment-readiness", headers=admin)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["as_of"], report["open_enrollment"], report["training_year"]) == (
        "2026-09-02", "2026-11-01", "TY2027"
    )  # fmt: skip
    assert report["days_left"] == 60 and report["not_ready"] == 2
    groups = {g["step"]: [b["id"] for b in g["brokers"]] for g in report["groups"]}
    assert groups == {
        "npn_not_valid": [nowhere["id"]],
        "no_marketplace_role": [nowhere["id"]],
        "not_certified": [nowhere["id"]],
        "not_registered": [nowhere["id"]],
        "not_active": [pending["id"], nowhere["id"]] if pending["name"] < nowhere["name"]
        else [nowhere["id"], pending["id"]],
    }  # fmt: skip
    assert ready["id"] not in {b for ids in groups.values() for b in ids}

    # After November 1 the next one counts, with the next training year's certification.
    r = await client.get("/reports/open-enrollment-readiness", params={"as_of": "2026-11-02"},
                         headers=admin)  # fmt: skip
    later = r.json()
    assert later["open_enrollment"] == "2027-11-01" and later["training_year"] == "TY2028"
    assert later["not_ready"] == 3  # nobody is certified for TY2028 yet

    r = await client.get("/reports/open-enrollment-readiness.csv", params={"as_of": "2026-09-02"},
                         headers=admin)  # fmt: skip
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 6 and {r["missing_step"] for r in rows} == set(groups)
    bad = await client.get("/reports/open-enrollment-readiness", params={"as_of": "soon"},
                           headers=admin)  # fmt: skip
    assert bad.status_code == 400


def test_the_reminder_stages():
    assert [stage(d) for d in (31, 30, 8, 7, 0, -1)] == [None, 30, 30, 7, 7, None]


async def reminders(assister_id):
    return (
        await Message.select(Message.subject, Message.body, Message.dedupe_key)
        .where((Message.assister == assister_id) & (Message.template == "oe_readiness_reminder"))
        .order_by(Message.id)
    )


async def test_reminders_30_and_7_days_before_each_once(client, admin):
    ready, pending, nowhere = await brokers(client, admin)
    for day in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 2), date(2026, 10, 10),
                date(2026, 10, 25), date(2026, 10, 26)):  # fmt: skip
        with at(day.year, day.month, day.day, 6):
            await sweep(day)
    assert await reminders(ready["id"]) == []
    sent = await reminders(pending["id"])
    assert [m["dedupe_key"] for m in sent] == ["oe-readiness:2026:30", "oe-readiness:2026:7"]
    assert sent[0]["subject"] == "30 days to Open Enrollment: finish your TY2027 steps"
    assert "activate your account" in sent[0]["body"] and "valid NPN" not in sent[0]["body"]
    spanish = await reminders(nowhere["id"])
    assert spanish[1]["subject"].startswith("Faltan 7 días para la Inscripción Abierta")
    assert "tener un NPN válido" in spanish[1]["body"]


async def test_the_staff_page_lists_each_group(web, client, admin):
    from tests.admin.helpers import signed_in

    ready, pending, nowhere = await brokers(client, admin)
    await signed_in(web, "support")
    page = await web.get("/staff/reports/open-enrollment-readiness", params={"as_of": "2026-09-02"})
    assert page.status_code == 200, page.text
    text = page.text
    assert "Open Enrollment starts on <strong>November 01, 2026</strong>" in text
    assert "2 brokers are not ready." in text
    assert "Not active: 2" in text and "NPN not valid: 1" in text
    assert pending["name"] in text and nowhere["name"] in text and ready["name"] not in text
    bad = await web.get("/staff/reports/open-enrollment-readiness", params={"as_of": "nope"})
    assert bad.status_code == 400 and "is not a day as YYYY-MM-DD" in bad.text
