"""Who may do what with assisters (the full route × role table is in the security suite)."""

from tests.helpers import fire, fire_ok, new_assister, new_org, new_user_headers, walk_to


async def test_no_token_or_bad_token_is_401(client, admin):
    r = await client.get("/assisters")
    assert r.status_code == 401 and "Bearer" in r.json()["detail"]
    r = await client.get("/assisters", headers={"Authorization": "Bearer wf_nope"})
    assert r.status_code == 401 and "invalid" in r.json()["detail"]


async def test_public_routes_need_no_token(client, db):
    assert (await client.get("/health")).status_code == 200
    home = await client.get("/")
    assert home.status_code == 200 and "/schema" in home.text and "/admin/" in home.text
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/assisters/{assister_id}/events/{event}" in schema.json()["paths"]


async def test_roles_not_allowed_are_403(client, admin):
    consumer = await new_user_headers("consumer")
    r = await client.get("/assisters", headers=consumer)
    assert r.status_code == 403 and "consumer" in r.json()["detail"]
    support = await new_user_headers("support")
    r = await client.post(
        "/assisters", json={"kind": "broker", "name": "A", "email": "a@b.org"}, headers=support
    )
    assert r.status_code == 403


async def test_support_reads_but_cannot_move_the_lifecycle(client, admin):
    a = await new_assister(client, admin)
    support = await new_user_headers("support")
    assert (await client.get(f"/assisters/{a['id']}", headers=support)).status_code == 200
    r = await fire(client, support, a["id"], "complete_training")
    assert r.status_code == 403 and "admin" in r.json()["detail"]


async def test_assister_sees_only_themselves_and_registers_themselves(client, admin):
    me = await walk_to(client, admin, await new_assister(client, admin), "exam_passed")
    other = await new_assister(client, admin, email="other@example.org")
    mine = await new_user_headers("assister", assister_id=me["id"])
    assert (await client.get(f"/assisters/{me['id']}", headers=mine)).status_code == 200
    assert (await client.get(f"/assisters/{other['id']}", headers=mine)).status_code == 404
    assert (await fire(client, mine, other["id"], "register")).status_code == 404
    assert (await fire(client, mine, me["id"], "complete_training")).status_code == 403
    await fire_ok(client, mine, me["id"], "register", data={"agreements": ["individual"]})
    r = await client.get(f"/assisters/{me['id']}/messages", headers=mine)
    assert r.status_code == 200 and r.json()["total"] == 1
    history = (await client.get(f"/assisters/{me['id']}/history", headers=mine)).json()
    assert history[-1]["actor"].startswith("assister-")


async def test_agency_admin_sees_only_their_organisation(client, admin):
    org_a = await new_org(client, admin)
    org_b = await new_org(client, admin)
    mine = await new_assister(client, admin, organization_id=org_a)
    theirs = await new_assister(client, admin, organization_id=org_b)
    agency = await new_user_headers("agency_admin", organization_id=org_a)
    listed = (await client.get("/assisters", headers=agency)).json()
    assert [i["id"] for i in listed["items"]] == [mine["id"]] and listed["total"] == 1
    assert (await client.get(f"/assisters/{theirs['id']}", headers=agency)).status_code == 404
    assert (await fire(client, agency, theirs["id"], "deactivate", reason="x")).status_code == 404
    r = await fire(client, agency, mine["id"], "deactivate", reason="left our roster")
    assert r.status_code == 200
    assert (
        await client.get(f"/assisters/{mine['id']}/messages", headers=agency)
    ).status_code == 403
