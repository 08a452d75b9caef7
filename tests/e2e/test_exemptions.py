"""Organisation exemptions: a small machine of their own, decided by an admin."""

from datetime import UTC, datetime

import time_machine

from tests.helpers import fire_ok, new_assister, new_org, new_user_headers
from workflow.tables import TrainingRecord

JUSTIFICATION = {"justification": "We primarily assist with OHP; staff need only the overview."}


async def test_request_approve_and_overview_course(client, admin):
    org = await new_org(client, admin)
    agency = await new_user_headers("agency_admin", organization_id=org)
    r = await client.post(f"/organizations/{org}/exemptions", json=JUSTIFICATION, headers=agency)
    assert r.status_code == 201, r.text
    ex = r.json()
    assert ex["state"] == "requested" and ex["allowed_events"] == ["approve", "deny"]
    dup = await client.post(f"/organizations/{org}/exemptions", json=JUSTIFICATION, headers=agency)
    assert dup.status_code == 409 and "already has a request" in dup.json()["detail"]

    r = await client.post(
        f"/exemptions/{ex['id']}/events/approve", headers=agency, json={"reason": "self-approval"}
    )
    assert r.status_code == 403
    r = await client.post(f"/exemptions/{ex['id']}/events/approve", headers=admin, json={})
    assert r.status_code == 400 and "reason" in r.json()["detail"]
    done = await client.post(
        f"/exemptions/{ex['id']}/events/approve",
        headers=admin,
        json={"reason": "OHP-focused organisation"},
    )
    assert done.status_code == 200 and done.json()["state"] == "approved"
    row = (await client.get(f"/exemptions/{ex['id']}", headers=agency)).json()
    assert row["decided_by"].startswith("admin-")

    with time_machine.travel(datetime(2026, 8, 3, tzinfo=UTC), tick=False):
        a = await new_assister(client, admin, organization_id=org)
        status = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()["training"]
        assert "Overview" in status["still_required"][0]
        await fire_ok(client, admin, a["id"], "complete_training")
        record = await TrainingRecord.select().where(TrainingRecord.assister == a["id"]).first()
        assert record["course"] == "overview"

    history = (await client.get(f"/exemptions/{ex['id']}/history", headers=admin)).json()
    assert [h["event"] for h in history] == ["create", "approve"]
    assert history[-1]["reason"] == "OHP-focused organisation"


async def test_agency_admins_see_only_their_own(client, admin):
    mine, theirs = await new_org(client, admin), await new_org(client, admin)
    agency = await new_user_headers("agency_admin", organization_id=mine)
    r = await client.post(f"/organizations/{theirs}/exemptions", json=JUSTIFICATION, headers=agency)
    assert r.status_code == 404
    other = await client.post(
        f"/organizations/{theirs}/exemptions", json=JUSTIFICATION, headers=admin
    )
    assert (
        await client.get(f"/exemptions/{other.json()['id']}", headers=agency)
    ).status_code == 404
    listed = (await client.get("/exemptions", headers=agency)).json()
    assert listed["total"] == 0
    assert (await client.get("/exemptions?state=requested", headers=admin)).json()["total"] == 1


async def test_denied_then_a_new_request_may_follow(client, admin):
    org = await new_org(client, admin)
    first = (
        await client.post(f"/organizations/{org}/exemptions", json=JUSTIFICATION, headers=admin)
    ).json()
    await client.post(
        f"/exemptions/{first['id']}/events/deny",
        headers=admin,
        json={"reason": "serves Marketplace consumers"},
    )
    again = await client.post(f"/organizations/{org}/exemptions", json=JUSTIFICATION, headers=admin)
    assert again.status_code == 201
    r = await client.post(
        f"/exemptions/{first['id']}/events/approve", headers=admin, json={"reason": "late"}
    )
    assert r.status_code == 409 and r.json()["allowed_events"] == []
