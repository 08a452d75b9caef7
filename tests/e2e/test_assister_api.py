"""The assister lifecycle through the real HTTP app, on SQLite and PostgreSQL."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from tests.helpers import (
    fire,
    fire_ok,
    latest_registration_number,
    new_assister,
    new_org,
    new_user_headers,
    walk_to,
)
from workflow.core.settings import get_settings
from workflow.tables import Assister, History


async def test_onboarding_creates_a_record_with_a_reference_number(client, admin):
    org = await new_org(client, admin)
    r = await client.post(
        "/assisters",
        json={
            "kind": "navigator",
            "name": "Ana Torres",
            "email": "ana@example.org",
            "phone": "503-555-0100",
            "organization_id": org,
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["state"] == "onboarded" and a["version"] == 1
    assert a["npn_status"] == "not_checked"
    assert re.fullmatch(r"[1-9]\d{6}", a["reference_number"])
    assert a["allowed_events"] == ["complete_training", "record_optional_course", "deactivate"]
    assert "registration_number_hash" not in a
    again = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
    assert again["reference_number"] == a["reference_number"]


async def test_reference_numbers_are_unique(client, admin):
    numbers = {
        (await new_assister(client, admin, kind="broker", npn="1234567"))["reference_number"]
        for _ in range(5)
    }
    assert len(numbers) == 5


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "plumber", "name": "A", "email": "a@b.org"}, "kind"),
        ({"kind": "broker", "email": "a@b.org"}, "name"),
        ({"kind": "broker", "name": "A", "email": "not-an-email"}, "email"),
        ({"kind": "broker", "name": "A", "email": "a@b.org", "npn": "12ab"}, "npn"),
        ({"kind": "broker", "name": "A", "email": "a@b.org", "colour": "red"}, "colour"),
        ({"kind": "navigator", "name": "A", "email": "a@b.org", "npn": "123"}, "npn"),
        ({"kind": "navigator", "name": "A", "email": "a@b.org"}, "organization_id"),
        (
            {"kind": "cac", "name": "A", "email": "a@b.org", "organization_id": 999},
            "organization_id",
        ),
    ],
)
async def test_bad_onboarding_input_is_400_naming_the_field(client, admin, body, field):
    r = await client.post("/assisters", json=body, headers=admin)
    assert r.status_code == 400, r.text
    assert field in r.json()["detail"]
    assert await Assister.count() == 0


async def test_malformed_json_is_400_not_500(client, admin):
    r = await client.post(
        "/assisters", content=b"{not json", headers={**admin, "content-type": "application/json"}
    )
    assert r.status_code == 400
    assert "detail" in r.json()


async def test_full_walk_to_active_with_history(client, admin):
    a = await new_assister(client, admin)
    active = await walk_to(client, admin, a, "active")
    assert active["version"] == 5
    assert active["activated_at"] is not None
    history = (await client.get(f"/assisters/{a['id']}/history", headers=admin)).json()
    assert [(h["event"], h["from_state"], h["to_state"]) for h in history] == [
        ("create", "", "onboarded"),
        ("complete_training", "onboarded", "trained"),
        ("record_exam", "trained", "exam_passed"),
        ("register", "exam_passed", "registered"),
        ("activate", "registered", "active"),
    ]
    assert all(h["actor"].startswith("admin-") for h in history)
    assert history[-1]["data"]["registration_number"] == "[redacted]"


def this_year() -> int:
    """Today's training year (only it moves an assister out of onboarded or lapsed)."""
    settings = get_settings()
    return settings.calendar.training_year(settings.today())


async def test_failed_exam_is_recorded_and_refused(client, admin):
    a = await new_assister(client, admin)
    await fire_ok(client, admin, a["id"], "complete_training", data={"training_year": this_year()})
    r = await fire(client, admin, a["id"], "record_exam", data={"score": 65})
    assert r.status_code == 422
    body = r.json()
    assert "score below pass mark 80" in body["detail"]
    assert body["recorded"] is True and body["state"] == "trained"
    history = (await client.get(f"/assisters/{a['id']}/history", headers=admin)).json()
    assert history[-1]["event"] == "record_exam"
    assert history[-1]["to_state"] == "trained"
    assert history[-1]["data"] == {"score": 65}
    retake = await fire_ok(client, admin, a["id"], "record_exam", data={"score": 88})
    assert retake["state"] == "exam_passed"


async def test_broker_cannot_register_before_npn_is_valid(client, admin):
    a = await new_assister(client, admin, kind="broker", npn="1234567")
    await fire_ok(client, admin, a["id"], "complete_training")
    await fire_ok(client, admin, a["id"], "record_exam", data={"score": 95})
    r = await fire(client, admin, a["id"], "register", data={"agreements": ["individual"]})
    assert r.status_code == 422
    assert "NPN not validated" in r.json()["detail"]
    after = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
    assert after["state"] == "exam_passed" and after["version"] == 3  # nothing half-applied


async def test_activation_message_and_hashed_registration_number(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "registered")
    messages = (await client.get(f"/assisters/{a['id']}/messages", headers=admin)).json()
    assert messages["total"] == 1
    body = messages["items"][0]["body"]
    lines = body.strip().splitlines()
    top = "\n".join(lines[:4])
    assert a["reference_number"] in top
    number = await latest_registration_number(client, admin, a["id"])
    assert number not in body and lines[-1].startswith("Registration Number: ••••")  # staff
    row = await Assister.select().where(Assister.id == a["id"]).first()
    stored = row["registration_number_hash"]
    assert stored and number not in stored and number.replace("-", "") not in stored
    assert a["agreements"] == ["individual"]


async def test_activation_refuses_wrong_number_or_email(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "registered")
    number = await latest_registration_number(client, admin, a["id"])
    wrong_number = {"registration_number": "AAAA-BBBB-CCCC", "email": a["email"]}
    r = await fire(client, admin, a["id"], "activate", data=wrong_number)
    assert r.status_code == 422 and "Registration Number does not match" in r.json()["detail"]
    wrong_email = {"registration_number": number, "email": "someone@else.org"}
    r = await fire(client, admin, a["id"], "activate", data=wrong_email)
    assert r.status_code == 422 and "email does not match" in r.json()["detail"]
    ok = {"registration_number": number, "email": a["email"]}
    assert (await fire(client, admin, a["id"], "activate", data=ok)).status_code == 200
    # one-time: the number is consumed
    row = await Assister.select().where(Assister.id == a["id"]).first()
    assert row["registration_number_hash"] is None


async def test_registration_complete_message_names_the_training_year(client, admin):
    """Registered in November 2026: the Registration Completion List and the certificate
    say TY2027, and so does the message (not the calendar year 2026)."""
    with time_machine.travel(datetime(2026, 11, 10, 15, tzinfo=UTC), tick=False):
        a = await walk_to(client, admin, await new_assister(client, admin), "registered")
        number = await latest_registration_number(client, admin, a["id"])
        data = {"registration_number": number, "email": a["email"]}
        await fire_ok(client, admin, a["id"], "activate", data=data)
    messages = (await client.get(f"/assisters/{a['id']}/messages", headers=admin)).json()
    done = [m for m in messages["items"] if "registration is complete" in m["subject"]]
    assert len(done) == 1, [m["subject"] for m in messages["items"]]
    body = done[0]["body"]
    assert "complete for training year TY2027." in body and "Training year: TY2027" in body
    assert "2026" not in body


async def test_event_not_allowed_is_409_with_allowed_events(client, admin):
    a = await new_assister(client, admin)
    r = await fire(client, admin, a["id"], "activate")
    assert r.status_code == 409
    assert r.json()["allowed_events"] == [
        "complete_training",
        "record_optional_course",
        "deactivate",
    ]
    assert r.json()["state"] == "onboarded"


async def test_unknown_event_and_unknown_assister_are_404(client, admin):
    a = await new_assister(client, admin)
    r = await fire(client, admin, a["id"], "teleport")
    assert r.status_code == 404 and "complete_training" in r.json()["detail"]
    assert (await fire(client, admin, 99999, "complete_training")).status_code == 404
    assert (await client.get("/assisters/99999", headers=admin)).status_code == 404


async def test_bad_event_data_is_400_naming_the_field(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "trained")
    r = await fire(client, admin, a["id"], "record_exam", data={"score": "ninety"})
    assert r.status_code == 400 and "score" in r.json()["detail"]
    r = await fire(client, admin, a["id"], "record_exam", data={"score": 150})
    assert r.status_code == 400 and "score" in r.json()["detail"]
    r = await client.post(
        f"/assisters/{a['id']}/events/record_exam", json={"dataa": {}}, headers=admin
    )
    assert r.status_code == 400 and "dataa" in r.json()["detail"]


async def test_if_match(client, admin):
    a = await new_assister(client, admin)
    stale = {**admin, "If-Match": "7"}
    r = await client.post(f"/assisters/{a['id']}/events/complete_training", headers=stale)
    assert r.status_code == 409 and r.json()["version"] == 1
    assert r.json()["state"] == "onboarded" and "complete_training" in r.json()["allowed_events"]
    bad = {**admin, "If-Match": "soon"}
    r = await client.post(f"/assisters/{a['id']}/events/complete_training", headers=bad)
    assert r.status_code == 400 and "If-Match" in r.json()["detail"]
    good = {**admin, "If-Match": '"1"'}
    r = await client.post(f"/assisters/{a['id']}/events/complete_training", headers=good)
    assert r.status_code == 200 and r.json()["version"] == 2


async def test_deactivate_needs_reason_and_revokes_the_assisters_tokens(client, admin):
    a = await new_assister(client, admin)
    own = await new_user_headers("assister", assister_id=a["id"])
    assert (await client.get(f"/assisters/{a['id']}", headers=own)).status_code == 200
    r = await fire(client, admin, a["id"], "deactivate")
    assert r.status_code == 400 and "reason" in r.json()["detail"]
    done = await fire_ok(client, admin, a["id"], "deactivate", reason="left the agency")
    assert done["state"] == "deactivated" and done["allowed_events"] == ["reinstate"]
    assert (await client.get(f"/assisters/{a['id']}", headers=own)).status_code == 401
    back = await fire_ok(client, admin, a["id"], "reinstate", reason="deactivated by mistake")
    assert back["state"] == "onboarded"


async def test_lapse_and_the_way_back(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "active")
    lapsed = await fire_ok(client, admin, a["id"], "lapse", reason="missed October 31")
    assert lapsed["allowed_events"] == ["complete_training", "record_optional_course", "deactivate"]
    await fire_ok(client, admin, a["id"], "complete_training", data={"training_year": this_year()})
    await fire_ok(client, admin, a["id"], "record_exam", data={"score": 81})
    await fire_ok(client, admin, a["id"], "register", data={"agreements": ["shop"]})
    number = await latest_registration_number(client, admin, a["id"])
    data = {"registration_number": number, "email": a["email"]}
    assert (await fire_ok(client, admin, a["id"], "activate", data=data))["state"] == "active"


async def test_list_filters_search_and_pages(client, admin):
    org = await new_org(client, admin)
    for i in range(7):
        await new_assister(
            client, admin, name=f"Navi {i}", email=f"n{i}@example.org", organization_id=org
        )
    broker = await new_assister(client, admin, kind="broker", name="Zed Broker", npn="7654321")
    await fire_ok(client, admin, broker["id"], "complete_training")

    page = (await client.get("/assisters?limit=3&offset=0", headers=admin)).json()
    assert page["total"] == 8 and len(page["items"]) == 3 and page["limit"] == 3
    ids = [i["id"] for i in page["items"]]
    assert ids == sorted(ids, reverse=True)
    last = (await client.get("/assisters?limit=3&offset=6", headers=admin)).json()
    assert len(last["items"]) == 2

    trained = (await client.get("/assisters?state=trained", headers=admin)).json()
    assert [i["name"] for i in trained["items"]] == ["Zed Broker"]
    brokers = (await client.get("/assisters?kind=broker", headers=admin)).json()
    assert brokers["total"] == 1
    found = (await client.get("/assisters?q=navi 3", headers=admin)).json()
    assert [i["name"] for i in found["items"]] == ["Navi 3"]
    by_ref = await client.get(f"/assisters?q={broker['reference_number']}", headers=admin)
    assert by_ref.json()["total"] == 1

    r = await client.get("/assisters?state=flying", headers=admin)
    assert r.status_code == 400 and "state" in r.json()["detail"]
    r = await client.get("/assisters?limit=0", headers=admin)
    assert r.status_code == 400 and "limit" in r.json()["detail"]


async def test_history_rows_match_applied_events(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "exam_passed")
    assert await History.count().where(History.entity_id == a["id"]) == 3


async def test_a_read_says_which_events_the_caller_may_fire(client, admin):
    from tests.helpers import new_user_headers

    a = await walk_to(client, admin, await new_assister(client, admin), "exam_passed")
    mine = await new_user_headers("assister", assister_id=a["id"])
    theirs = (await client.get(f"/assisters/{a['id']}", headers=mine)).json()
    assert set(theirs["allowed_events"]) > {"register"}
    assert theirs["your_events"] == ["register"]
    full = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()["your_events"]
    assert "register" in full and "lapse" in full and "reinstate" not in full
