"""``GET /search`` and the staff search page: ranked hits across case kinds, each linking
to its case page; agency admins find only their organisation's."""

from __future__ import annotations

from tests.admin.helpers import signed_in
from tests.helpers import (
    NAME_MISMATCH,
    VALID,
    load_sample_registry,
    new_assister,
    new_broker,
    new_consumer,
    new_org,
    new_user_headers,
    walk_to,
)


async def search(client, headers, q):
    r = await client.get("/search", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_finds_a_broker_by_npn_exact_first_and_by_name_email_and_phone(client, admin):
    await load_sample_registry()
    dana = await new_broker(client, admin, VALID, phone="503-555-0101")
    marcus = await new_broker(client, admin, NAME_MISMATCH)
    hits = await search(client, admin, VALID[0])
    assert hits[0]["machine"] == "assister" and hits[0]["id"] == dana["id"]
    assert hits[0]["matched"] == "npn" and hits[0]["match"] == "exact" and hits[0]["rank"] == 0
    assert hits[0]["url"] == f"/staff/cases/assister/{dana['id']}"
    assert hits[0]["api_url"] == f"/assisters/{dana['id']}"
    # Their validation is found by the broker's NPN too, after the assister.
    assert [h["machine"] for h in hits[:2]] == ["assister", "npn_validation"]
    assert all(h["id"] != marcus["id"] or h["machine"] != "assister" for h in hits)

    by_prefix = await search(client, admin, "dana")
    assert by_prefix[0]["id"] == dana["id"] and by_prefix[0]["match"] == "starts with"
    by_email = await search(client, admin, dana["email"].split("@")[0][-6:])
    assert any(h["id"] == dana["id"] and h["matched"] == "email" for h in by_email)
    by_phone = await search(client, admin, "555-0101")
    assert [h["id"] for h in by_phone if h["machine"] == "assister"] == [dana["id"]]
    by_reference = await search(client, admin, marcus["reference_number"])
    assert by_reference[0]["id"] == marcus["id"] and by_reference[0]["rank"] == 0


async def test_exact_ranks_before_prefix_before_contains(client, admin):
    org = await new_org(client, admin)
    exact = await new_assister(client, admin, name="Kim Lee", organization_id=org)
    starts = await new_assister(client, admin, name="Leeanne Park", organization_id=org)
    contains = await new_assister(client, admin, name="Ashlee Brown", organization_id=org)
    hits = [h for h in await search(client, admin, "lee") if h["machine"] == "assister"]
    order = [h["id"] for h in hits]
    assert order.index(starts["id"]) < order.index(contains["id"])
    assert exact["id"] in order  # "Kim Lee" contains it
    by_id = await search(client, admin, str(contains["id"]))
    assert by_id[0]["id"] == contains["id"] and by_id[0]["matched"] == "id"


async def test_loose_matches_never_crowd_out_a_better_one(client, admin, monkeypatch):
    from workflow.search import service

    monkeypatch.setattr(service, "CANDIDATES", 1)
    org = await new_org(client, admin)
    for name in ("Ashlee One", "Ashlee Two"):
        await new_assister(client, admin, name=name, organization_id=org)
    lee = await new_assister(client, admin, name="Leeroy Hall", organization_id=org)
    hits = await search(client, admin, "lee")
    assert hits[0]["id"] == lee["id"] and hits[0]["match"] == "starts with"


async def test_finds_associations_by_consumer_and_exemptions_by_organisation(client, admin):
    a = await new_assister(client, admin, name="Pat Rivera")
    consumer, _ = await new_consumer("Maria Quintero")
    # The assister must be active for a request; the association is found by its consumer.
    await walk_to(client, admin, a, "active")
    r = await client.post(
        "/associations", json={"reference_number": a["reference_number"]}, headers=consumer
    )
    hits = await search(client, admin, "quintero")
    assert [(h["machine"], h["id"]) for h in hits] == [("association", r.json()["id"])]
    assert hits[0]["title"] == "Maria Quintero with Pat Rivera"


async def test_agency_admins_find_only_their_organisation(client, admin):
    mine, theirs = await new_org(client, admin, "agency"), await new_org(client, admin, "agency")
    ours = await new_assister(client, admin, "navigator", name="Robin Ames", organization_id=mine)
    await new_assister(client, admin, "navigator", name="Robin Oakes", organization_id=theirs)
    agency = await new_user_headers("agency_admin", organization_id=mine)
    hits = await search(client, agency, "robin")
    assert [(h["machine"], h["id"]) for h in hits] == [("assister", ours["id"])]
    consumer, _ = await new_consumer()
    assert (await client.get("/search", params={"q": "robin"}, headers=consumer)).status_code == 403


async def test_bad_queries_are_400_with_a_sentence(client, admin):
    r = await client.get("/search", headers=admin)
    assert r.status_code == 200 and r.json() == {"query": "", "items": [], "total": 0}
    r = await client.get("/search", params={"q": "x" * 101}, headers=admin)
    assert r.status_code == 400
    r = await client.get("/search", params={"q": "123-45-6789"}, headers=admin)
    assert r.status_code == 400 and "Social Security" in r.json()["detail"]
    # Digits no id can be (PostgreSQL ids are 32-bit) are text, not a database error.
    assert (await client.get("/search", params={"q": "99999999999"}, headers=admin)).json()[
        "items"
    ] == []
    # LIKE wildcards are text, never "everything".
    await new_assister(client, admin)
    assert await search(client, admin, "%") == []


async def test_the_search_box_is_on_every_staff_page_and_opens_results(web, admin, client):
    await load_sample_registry()
    dana = await new_broker(client, admin, VALID)
    await signed_in(web, "support")
    for page in ("/staff/dashboard", "/staff/validations", f"/staff/cases/assister/{dana['id']}"):
        html = (await web.get(page)).text
        assert 'action="/staff/search"' in html and 'role="search"' in html, page
    r = await web.get("/staff/search", params={"q": VALID[0]})
    assert r.status_code == 200
    assert f'href="/staff/cases/assister/{dana["id"]}"' in r.text
    assert "npn (exact)" in r.text
    blank = await web.get("/staff/search")
    assert blank.status_code == 200 and "Type what you know" in blank.text
