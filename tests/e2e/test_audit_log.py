"""The audit log holds access refusals, writes made with a token and every event (applied
or refused), with who, what, object, outcome, UTC time, where from and a correlation id."""

from __future__ import annotations

import json

from tests.helpers import fire, fire_ok, new_assister, new_user_headers
from workflow.tables import AuditEntry


async def entries(action: str) -> list[dict]:
    rows = await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)
    for row in rows:
        if isinstance(row["detail"], str):
            row["detail"] = json.loads(row["detail"])
    return rows


async def test_applied_and_refused_events(client, admin):
    a = await new_assister(client, admin)
    await fire_ok(client, admin, a["id"], "complete_training")
    r = await fire(client, admin, a["id"], "activate", data={})
    assert r.status_code == 409
    events = [e for e in await entries("event") if e["object_id"] == str(a["id"])]
    assert [(e["outcome"], e["detail"]["event"]) for e in events] == [
        ("applied", "create"),
        ("applied", "complete_training"),
        ("refused", "activate"),
    ]
    applied = events[-2]
    assert applied["object_type"] == "assister" and applied["role"] == "admin"
    assert applied["detail"]["from"] == "onboarded" and applied["detail"]["to"] == "trained"
    assert applied["at"].utcoffset().total_seconds() == 0
    assert events[-1]["detail"]["why"] == "EventNotAllowed"


async def test_failed_exam_is_applied_history_and_audited_as_refused(client, admin):
    a = await new_assister(client, admin)
    await fire_ok(client, admin, a["id"], "complete_training")
    r = await fire(client, admin, a["id"], "record_exam", data={"score": 10})
    assert r.status_code == 422 and r.json()["recorded"] is True
    last = (await entries("event"))[-1]
    assert (last["outcome"], last["detail"]["event"]) == ("refused", "record_exam")


async def test_access_refusals(client, admin):
    a = await new_assister(client, admin)
    other = await new_assister(client, admin, email="other@example.org")
    assister = await new_user_headers("assister", assister_id=a["id"])
    assert (await client.get("/assisters")).status_code == 401
    assert (await client.get("/organizations", headers=assister)).status_code == 403
    assert (await client.get(f"/assisters/{other['id']}", headers=assister)).status_code == 404
    refused = await entries("access_refused")
    outcomes = [(e["outcome"], e["object_id"]) for e in refused]
    assert ("401", "GET /assisters") in outcomes
    assert ("403", "GET /organizations") in outcomes
    assert ("hidden", str(other["id"])) in outcomes
    # A long route is clipped in its column and kept whole in the detail.
    long_route = "/assisters/1/validation/history"
    assert (await client.get(long_route)).status_code == 401
    last = (await entries("access_refused"))[-1]
    assert last["detail"]["route"] == "GET /assisters/{assister_id}/validation/history"
    assert len(last["object_id"]) <= 40
    hidden = next(e for e in refused if e["outcome"] == "hidden")
    assert hidden["role"] == "assister" and hidden["object_type"] == "assister"
    assert all(e["correlation_id"] for e in refused)


async def test_token_writes(client, admin):
    r = await client.post(
        "/organizations", json={"name": "Audit Clinic", "kind": "cac_organization"}, headers=admin
    )
    assert r.status_code == 201
    r = await client.post("/organizations", json={"name": ""}, headers=admin)
    assert r.status_code == 400
    writes = await entries("token_write")
    assert [(w["outcome"], w["detail"]["status"]) for w in writes[-2:]] == [
        ("success", 201),
        ("refused", 400),
    ]
    assert writes[-1]["object_id"] == "POST /organizations" and writes[-1]["role"] == "admin"
    # No request body is ever kept: only the route and the outcome.
    assert "Audit Clinic" not in str(writes)


async def test_hidden_records_are_audited_for_events_too(client, admin):
    a = await new_assister(client, admin)
    other = await new_assister(client, admin, email="other@example.org")
    assister = await new_user_headers("assister", assister_id=a["id"])
    r = await fire(client, assister, other["id"], "register", data={"agreements": ["individual"]})
    assert r.status_code == 404
    hidden = [e for e in await entries("access_refused") if e["outcome"] == "hidden"]
    assert [(e["object_id"], e["role"]) for e in hidden] == [(str(other["id"]), "assister")]


async def test_what_the_caller_typed_in_a_path_is_not_kept(client, admin):
    assert (await client.post("/assisters/1/events/123-45-6789")).status_code == 401
    r = await client.post("/assisters/1/events/Maria%20Lopez", json={}, headers=admin)
    assert r.status_code == 404
    everything = str(await AuditEntry.select())
    assert "123-45-6789" not in everything and "Maria" not in everything
