"""Agency admins in the portal: their roster, onboarding staff of their own organisation
(and the API's refusal for another's), marking someone inactive, the organisation's book
of business; and support resetting a portal user's MFA."""

from __future__ import annotations

from tests.helpers import active_assister, associate, new_consumer, new_org
from tests.portal_helpers import (
    activate,
    agency_admin,
    csrf,
    enrol_totp,
    registered_assister,
    sign_in_password,
)
from workflow.tables import Assister, AuditEntry, PortalLogin, PortalSession


async def test_onboard_own_staff_and_be_refused_for_another_organisation(web, client, admin):
    org, other = await new_org(client, admin), await new_org(client, admin)
    headers, _ = await agency_admin(web, org)
    page = await web.get("/agency/onboard")
    r = await web.post(
        "/agency/onboard",
        data={
            "kind": "cac",
            "name": "Carla Ruiz",
            "email": "carla@example.org",
            "language": "es",
            "csrf_token": csrf(page.text),
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/agency/?done=onboarded"
    row = await Assister.select().where(Assister.name == "Carla Ruiz").first()
    assert row["organization"] == org and row["kind"] == "cac" and row["state"] == "onboarded"
    roster = await web.get("/agency/")
    assert "Carla Ruiz" in roster.text and row["reference_number"] in roster.text
    body = {"kind": "navigator", "name": "Nico Park", "email": "nico@example.org"}
    r = await client.post("/assisters", json={**body, "organization_id": other}, headers=headers)
    assert r.status_code == 403 and "own organisation" in r.json()["detail"]
    r = await client.post("/assisters", json={**body, "organization_id": org}, headers=headers)
    assert r.status_code == 201 and r.json()["organization_id"] == org
    r = await client.post("/assisters", json={**body, "kind": "broker"}, headers=headers)
    assert r.status_code == 403
    assert await Assister.count().where(Assister.organization == other) == 0


async def test_the_page_cannot_onboard_into_another_organisation(web, client, admin):
    org, other = await new_org(client, admin), await new_org(client, admin)
    await agency_admin(web, org)
    page = await web.get("/agency/onboard")
    r = await web.post(
        "/agency/onboard",
        data={
            "kind": "navigator",
            "name": "Nico Park",
            "email": "nico@example.org",
            "organization_id": str(other),
            "csrf_token": csrf(page.text),
        },
    )
    assert r.status_code == 303
    row = await Assister.select().where(Assister.name == "Nico Park").first()
    assert row["organization"] == org


async def test_mark_inactive_ends_the_assisters_portal_access(web, client, admin):
    org = await new_org(client, admin)
    assister, number = await registered_assister(client, admin, organization_id=org)
    await activate(web, assister, number, "ana.torres")
    await enrol_totp(web, "ana.torres")
    assert await PortalSession.count() == 1
    web.cookies.clear()
    await agency_admin(web, org)
    roster = await web.get("/agency/")
    r = await web.post(
        f"/agency/assisters/{assister['id']}/inactive",
        data={"reason": "left the agency", "csrf_token": csrf(roster.text)},
    )
    assert r.status_code == 303
    row = await Assister.select(Assister.state).where(Assister.id == assister["id"]).first()
    assert row["state"] == "deactivated"
    assert await PortalSession.count() == 1  # only the agency admin's own session is left
    web.cookies.clear()
    r = await sign_in_password(web, "ana.torres")
    assert r.status_code == 401 and "left the program" in r.text


async def test_the_organisations_book_of_business(web, client, admin):
    org, other = await new_org(client, admin), await new_org(client, admin)
    mine = await active_assister(client, admin, name="Ana Torres", organization_id=org)
    theirs = await active_assister(client, admin, name="Bo Lee", organization_id=other)
    for name, assister in (("Maria Lopez", mine), ("Sam Jones", theirs)):
        consumer, _ = await new_consumer(name)
        await associate(client, consumer, assister)
    await agency_admin(web, org)
    page = await web.get("/agency/clients")
    assert "Maria Lopez" in page.text and "Ana Torres" in page.text
    assert "Sam Jones" not in page.text


async def test_support_resets_a_portal_users_mfa(web, client, admin, make_user):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    await enrol_totp(web, "ana.torres")
    login = await PortalLogin.select().first()
    support = await make_user("support")
    r = await client.post(f"/users/{login['user']}/portal-mfa/reset", headers=support)
    assert r.status_code == 200 and "new second sign-in step" in r.json()["detail"]
    assert "secret" not in r.text.lower() and "code" not in r.json()
    assert await PortalSession.count() == 0
    assert (await PortalLogin.select().first())["mfa_method"] is None
    assert await AuditEntry.count().where(AuditEntry.action == "mfa_reset") == 1
    web.cookies.clear()
    r = await sign_in_password(web, "ana.torres")
    assert r.headers["location"] == "/assister/login/enrol"


async def test_where_required_training_waits_for_the_roster_approval(
    web, client, admin, monkeypatch
):
    from tests.helpers import new_assister
    from workflow.core.settings import get_settings

    monkeypatch.setenv("WORKFLOW_ROSTER_APPROVAL_REQUIRED", "1")
    get_settings.cache_clear()
    try:
        org = await new_org(client, admin)
        carla = await new_assister(
            client, admin, kind="cac", name="Carla Ruiz", organization_id=org
        )
        r = await client.post(f"/assisters/{carla['id']}/events/complete_training", headers=admin)
        assert r.status_code == 422 and "approved you on your organisation" in r.json()["detail"]
        await agency_admin(web, org)
        roster = await web.get("/agency/")
        assert "Approve for training" in roster.text
        r = await web.post(
            f"/agency/assisters/{carla['id']}/approve", data={"csrf_token": csrf(roster.text)}
        )
        assert r.status_code == 303 and r.headers["location"] == "/agency/?done=approved"
        assert await AuditEntry.count().where(AuditEntry.action == "roster_approval") == 1
        r = await client.post(f"/assisters/{carla['id']}/events/complete_training", headers=admin)
        assert r.status_code == 200 and r.json()["state"] == "trained"
    finally:
        monkeypatch.delenv("WORKFLOW_ROSTER_APPROVAL_REQUIRED")
        get_settings.cache_clear()


async def test_an_agency_admin_approves_only_their_own_staff(web, client, admin):
    from tests.helpers import new_assister

    org, other = await new_org(client, admin), await new_org(client, admin)
    theirs = await new_assister(client, admin, kind="cac", organization_id=other)
    await agency_admin(web, org)
    roster = await web.get("/agency/")
    r = await web.post(
        f"/agency/assisters/{theirs['id']}/approve", data={"csrf_token": csrf(roster.text)}
    )
    assert r.status_code == 404
