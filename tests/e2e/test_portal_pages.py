"""The assister's portal pages over HTTP: tracker, profile (contact, languages with
levels, hours, website, preferred contact, own API tokens), clients (New / In Progress,
search, sort, acknowledgement before details, CSV export), mailbox, certificate."""

from __future__ import annotations

import pytest

from tests.helpers import associate, new_consumer
from tests.portal_helpers import activate, csrf, enrol_totp, registered_assister
from workflow.tables import ApiToken, Association, PortalProfile


@pytest.fixture
async def signed_in(web, client, admin):
    """Ana, activated and signed in to the portal: (assister, web)."""
    assister, number = await registered_assister(client, admin, name="Ana Torres")
    await activate(web, assister, number, "ana.torres")
    await enrol_totp(web, "ana.torres")
    return (await client.get(f"/assisters/{assister['id']}", headers=admin)).json()


async def test_the_tracker_names_every_step_and_the_next(web, signed_in):
    page = await web.get("/assister/")
    assert page.status_code == 200
    assert page.text.count("<tr>") == 1 + 5  # header and a navigator's five steps
    assert "Add your phone number and business address" in page.text
    assert 'href="/assister/profile"' in page.text and signed_in["reference_number"] in page.text


async def test_profile_saves_contact_and_more(web, signed_in):
    page = await web.get("/assister/profile")
    assert page.status_code == 200, page.text
    r = await web.post(
        "/assister/profile",
        data={
            "phone": "651-555-0100",
            "street": "100 Main St",
            "city": "St Paul",
            "state": "MN",
            "zip": "55101",
            "directory_display": "all_but_street",
            "csrf_token": csrf(page.text),
        },
    )
    assert r.status_code == 303, r.text
    r = await web.post(
        "/assister/profile/more",
        data={
            "language_1": "Spanish",
            "speaking_1": "fluent",
            "reading_1": "fluent",
            "writing_1": "conversational",
            "hours": "Mon-Fri 9-5",
            "website": "https://ana.example.org",
            "preferred_contact": "phone",
            "csrf_token": csrf(page.text),
        },
    )
    assert r.status_code == 303, r.text
    extra = await PortalProfile.select().output(load_json=True).first()
    assert extra["languages"] == [
        {
            "language": "Spanish",
            "speaking": "fluent",
            "reading": "fluent",
            "writing": "conversational",
        }
    ]
    assert extra["preferred_contact"] == "phone" and extra["website"] == "https://ana.example.org"
    home = await web.get("/assister/")
    assert "Add your phone number" not in home.text  # the profile step is done
    r = await web.post(
        "/assister/profile/more",
        data={
            "website": "javascript:alert(1)",
            "preferred_contact": "email",
            "csrf_token": csrf(page.text),
        },
    )
    assert r.status_code == 400 and "https://" in r.text


async def test_own_tokens_are_minted_shown_once_and_revoked(web, client, signed_in):
    page = await web.get("/assister/profile")
    r = await web.post("/assister/tokens", data={"label": "my CRM", "csrf_token": csrf(page.text)})
    token = r.text.split('id="new-token">')[1].split("<")[0]
    me = await client.get(
        f"/assisters/{signed_in['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 200
    row = await ApiToken.select().where(ApiToken.label == "my CRM").first()
    assert token not in (await web.get("/assister/profile")).text
    r = await web.post(f"/assister/tokens/{row['id']}/revoke", data={"csrf_token": csrf(page.text)})
    assert r.status_code == 303
    me = await client.get(
        f"/assisters/{signed_in['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 401


async def test_clients_acknowledgement_then_details_and_export(web, client, signed_in):
    maria, maria_id = await new_consumer("Maria Lopez", phone="503-555-0134")
    bo, _ = await new_consumer("Bo Zed")
    await associate(client, maria, signed_in)
    await associate(client, bo, signed_in, confirm=False)
    page = await web.get("/assister/clients?sort=name&order=asc")
    assert page.text.index("Bo Zed") < page.text.index("Maria Lopez")
    assert "waiting for the consumer to confirm" in page.text
    assert "To end an association with a client" in page.text
    search = await web.get("/assister/clients?q=mar")
    assert "Maria Lopez" in search.text and "Bo Zed" not in search.text
    details = await web.get(f"/assister/clients/{maria_id}")
    assert "Acknowledgement of Assister Authorization" in details.text
    assert "503-555-0134" not in details.text
    r = await web.post(
        f"/assister/clients/{maria_id}/acknowledge", data={"csrf_token": csrf(details.text)}
    )
    assert r.status_code == 303
    details = await web.get(f"/assister/clients/{maria_id}")
    assert "503-555-0134" in details.text
    row = await Association.select().where(Association.consumer == maria_id).first()
    assert row["acknowledged_at"] is not None and row["client_status"] == "in_progress"
    in_progress = await web.get("/assister/clients?status=in_progress")
    assert "Maria Lopez" in in_progress.text and "Bo Zed" not in in_progress.text
    r = await web.post(
        f"/assister/clients/{maria_id}/lock", data={"csrf_token": csrf(details.text)}
    )
    assert r.status_code == 303
    assert (
        "You are working on this application"
        in (await web.get(f"/assister/clients/{maria_id}")).text
    )
    csv = await web.get("/assister/clients/export")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Maria Lopez" in csv.text and "Bo Zed" in csv.text


async def test_someone_elses_client_is_refused(web, client, admin, signed_in):
    from tests.helpers import active_assister

    other = await active_assister(client, admin, name="Other One")
    maria, maria_id = await new_consumer("Maria Lopez")
    await associate(client, maria, other)
    r = await web.get(f"/assister/clients/{maria_id}")
    assert r.status_code == 403 and "not among your clients" in r.text


async def test_mailbox_and_certificate(web, signed_in):
    mailbox = await web.get("/assister/mailbox")
    assert mailbox.status_code == 200 and "Registration Number" in mailbox.text
    certificate = await web.get("/assister/certificate")
    assert certificate.status_code == 200
    year = signed_in["training"]["training_year"]
    assert f"training year {year}" in certificate.text and "@media print" in certificate.text


async def test_a_brokers_tracker_and_certificate_match_the_registration_list(web, client, admin):
    from tests.helpers import latest_registration_number, load_sample_registry, registered_broker

    await load_sample_registry()
    broker = await registered_broker(client, admin)
    number = await latest_registration_number(client, admin, broker["id"])
    await activate(web, broker, number, "dana.w")
    await enrol_totp(web, "dana.w")
    home = await web.get("/assister/")
    assert home.text.count("<tr>") == 1 + 8  # profile, NPN, role, course, exam, ...
    assert "Registry answer: valid" in home.text
    listed = await client.get("/registration-list", params={"q": broker["npn"]})
    year = listed.json()["items"][0]["registration_year"]
    assert f"Registration year {year}" in home.text
    certificate = await web.get("/assister/certificate")
    assert f"training year TY{year}" in certificate.text
    assert "Registration Completion List shows the same training year" in certificate.text
