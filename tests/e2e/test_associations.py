"""Associations through the real HTTP app: request by Reference Number, confirm, one
assister at a time, and who may end one."""

from tests.helpers import (
    active_assister,
    associate,
    fire_association,
    fire_ok,
    new_assister,
    new_consumer,
    new_user_headers,
    walk_to,
)
from workflow.tables import Association, History

PUBLIC_FIELDS = {"id", "name", "kind", "organization", "phone", "address", "can_act", "notice"}
ADDRESS = {"street": "100 Main St Ste 2", "city": "St Paul", "state": "MN", "zip": "55101"}


async def request(client, headers, number: str):
    return await client.post("/associations", json={"reference_number": number}, headers=headers)


async def test_request_returns_only_the_assisters_public_details(client, admin):
    consumer, cid = await new_consumer()
    ana = await active_assister(client, admin, "Ana Torres", phone="612-555-0100", address=ADDRESS)
    r = await request(client, consumer, ana["reference_number"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "requested" and body["version"] == 1
    assert body["allowed_events"] == ["confirm", "disassociate"]
    assert body["consumer_id"] == cid and body["assister_id"] == ana["id"]
    assert set(body["assister"]) == PUBLIC_FIELDS
    assert body["assister"]["name"] == "Ana Torres"
    assert body["assister"]["phone"] == "612-555-0100"
    assert body["assister"]["address"] == ADDRESS
    assert body["assister"]["organization"].startswith("Org ")
    assert ana["email"] not in r.text and ana["reference_number"] not in r.text
    history = (await client.get(f"/associations/{body['id']}/history", headers=consumer)).json()
    assert [(h["event"], h["to_state"]) for h in history] == [("create", "requested")]


async def test_reference_number_with_spaces_or_dashes_is_accepted(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    n = ana["reference_number"]
    r = await request(client, consumer, f" {n[:3]}-{n[3:]} ")
    assert r.status_code == 201, r.text


async def test_unknown_or_inactive_reference_numbers_are_a_clear_422(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    unknown = str(int(ana["reference_number"]) + 1)
    r = await request(client, consumer, unknown)
    assert r.status_code == 422
    assert f"no assister has Reference Number {unknown}" in r.json()["detail"]
    trained = await walk_to(client, admin, await new_assister(client, admin), "trained")
    r = await request(client, consumer, trained["reference_number"])
    assert r.status_code == 422 and "is not active" in r.json()["detail"]
    r = await request(client, consumer, "K7QM-X2PD-9HVR")
    assert r.status_code == 422 and "Registration Number" in r.json()["detail"]
    r = await request(client, consumer, "")
    assert r.status_code == 400 and "reference_number" in r.json()["detail"]
    assert await Association.count() == 0


async def test_asking_the_same_assister_again(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    first = (await request(client, consumer, ana["reference_number"])).json()
    again = await request(client, consumer, ana["reference_number"])
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    await fire_association(client, consumer, first["id"], "confirm")
    r = await request(client, consumer, ana["reference_number"])
    assert r.status_code == 409 and "already your assister" in r.json()["detail"]
    assert await Association.count() == 1


async def test_only_consumers_request(client, admin):
    ana = await active_assister(client, admin)
    for headers in (admin, await new_user_headers("assister", assister_id=ana["id"])):
        r = await request(client, headers, ana["reference_number"])
        assert r.status_code == 403


async def test_confirm_records_the_terms_and_only_the_consumer_may(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    own = await new_user_headers("assister", assister_id=ana["id"])
    pending = await associate(client, consumer, ana, confirm=False)
    for headers in (admin, own):
        r = await fire_association(client, headers, pending["id"], "confirm")
        assert r.status_code == 403 and "only the consumer" in r.json()["detail"]
    r = await fire_association(client, consumer, pending["id"], "confirm")
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    body = (await client.get(f"/associations/{pending['id']}", headers=consumer)).json()
    assert body["terms_accepted_at"] is not None and body["terms_version"]
    assert body["confirmed_at"] == body["terms_accepted_at"]
    again = await fire_association(client, consumer, pending["id"], "confirm")
    assert again.status_code == 409 and "disassociate" in again.json()["allowed_events"]


async def test_confirming_a_lapsed_assister_is_refused(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    pending = await associate(client, consumer, ana, confirm=False)
    await fire_ok(client, admin, ana["id"], "lapse", reason="missed October 31")
    r = await fire_association(client, consumer, pending["id"], "confirm")
    assert r.status_code == 422 and "not an active assister" in r.json()["detail"]


async def test_who_may_read_an_association(client, admin):
    consumer, _ = await new_consumer()
    other_consumer, _ = await new_consumer("Someone Else")
    ana = await active_assister(client, admin)
    ben = await active_assister(client, admin, "Ben Okafor")
    done = await associate(client, consumer, ana)
    url = f"/associations/{done['id']}"
    readers = [
        consumer,
        admin,
        await new_user_headers("support"),
        await new_user_headers("assister", assister_id=ana["id"]),
    ]
    for headers in readers:
        r = await client.get(url, headers=headers)
        assert r.status_code == 200 and r.json()["state"] == "confirmed", r.text
        assert (await client.get(url + "/history", headers=headers)).status_code == 200
    for headers in (other_consumer, await new_user_headers("assister", assister_id=ben["id"])):
        assert (await client.get(url, headers=headers)).status_code == 404
        assert (await client.get(url + "/history", headers=headers)).status_code == 404
    agency = await new_user_headers("agency_admin", organization_id=ana["organization_id"])
    assert (await client.get(url, headers=agency)).status_code == 403


async def test_one_assister_at_a_time_history_shows_both_with_the_reason(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin, "Ana Torres")
    ben = await active_assister(client, admin, "Ben Okafor")
    first = await associate(client, consumer, ana)
    second = await associate(client, consumer, ben, confirm=False)
    r = await fire_association(client, consumer, second["id"], "confirm")
    assert r.status_code == 200
    old = (await client.get(f"/associations/{first['id']}", headers=consumer)).json()
    assert old["state"] == "disassociated"
    assert (
        old["end_reason"]
        == f"replaced: the consumer confirmed Ben Okafor (association {second['id']})"
    )
    old_history = (await client.get(f"/associations/{first['id']}/history", headers=admin)).json()
    new_history = (await client.get(f"/associations/{second['id']}/history", headers=admin)).json()
    ended = old_history[-1]
    assert (ended["event"], ended["from_state"], ended["to_state"]) == (
        "disassociate",
        "confirmed",
        "disassociated",
    )
    assert "replaced" in ended["reason"] and ended["actor"].startswith("consumer-")
    confirmed = new_history[-1]
    assert confirmed["event"] == "confirm" and confirmed["at"] == ended["at"]  # one transaction
    assert ended["id"] < confirmed["id"]  # ended first, so never two confirmed
    assert await Association.count().where(Association.state == "confirmed") == 1
    for row in await Association.select(Association.id, Association.version):
        assert row["version"] == await History.count().where(
            (History.machine == "association") & (History.entity_id == row["id"])
        )


async def test_confirming_withdraws_other_pending_requests(client, admin):
    consumer, _ = await new_consumer()
    ana, ben = await active_assister(client, admin), await active_assister(client, admin, "Ben")
    a = await associate(client, consumer, ana, confirm=False)
    b = await associate(client, consumer, ben, confirm=False)
    await fire_association(client, consumer, b["id"], "confirm")
    withdrawn = (await client.get(f"/associations/{a['id']}", headers=consumer)).json()
    assert withdrawn["state"] == "disassociated" and withdrawn["end_reason"].startswith("withdrawn")


async def test_the_consumer_may_end_it_at_any_time_without_a_reason(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    done = await associate(client, consumer, ana)
    r = await fire_association(client, consumer, done["id"], "disassociate")
    assert r.status_code == 200 and r.json()["state"] == "disassociated"
    assert r.json()["allowed_events"] == []


async def test_the_assister_is_told_to_ask_support(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    done = await associate(client, consumer, ana)
    own = await new_user_headers("assister", assister_id=ana["id"])
    r = await fire_association(client, own, done["id"], "disassociate", reason="moving away")
    assert r.status_code == 403 and "ask support" in r.json()["detail"]
    after = (await client.get(f"/associations/{done['id']}", headers=own)).json()
    assert after["state"] == "confirmed"


async def test_support_ends_it_with_a_reason(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    done = await associate(client, consumer, ana)
    support = await new_user_headers("support")
    r = await fire_association(client, support, done["id"], "disassociate")
    assert r.status_code == 400 and "reason" in r.json()["detail"]
    r = await fire_association(
        client, support, done["id"], "disassociate", reason="assister asked by phone, ticket 42"
    )
    assert r.status_code == 200
    history = (await client.get(f"/associations/{done['id']}/history", headers=support)).json()
    assert history[-1]["reason"] == "assister asked by phone, ticket 42"
    assert history[-1]["actor"].startswith("support-")
    # The reason is internal: the consumer reads a neutral sentence in its place.
    history = (await client.get(f"/associations/{done['id']}/history", headers=consumer)).json()
    assert history[-1]["reason"] == "ended by the assister program"


async def test_a_lapsed_or_deactivated_assister_stays_associated(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    done = await associate(client, consumer, ana)
    await fire_ok(client, admin, ana["id"], "deactivate", reason="left the agency")
    body = (await client.get(f"/associations/{done['id']}", headers=consumer)).json()
    assert body["state"] == "confirmed"
    assert body["assister"]["can_act"] is False
    assert "left the assister program" in body["assister"]["notice"]


async def test_if_match_and_unknown_events(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    pending = await associate(client, consumer, ana, confirm=False)
    url = f"/associations/{pending['id']}/events/confirm"
    r = await client.post(url, headers={**consumer, "If-Match": "5"})
    assert r.status_code == 409 and r.json()["version"] == 1
    r = await client.post(f"/associations/{pending['id']}/events/elope", headers=consumer)
    assert r.status_code == 404 and "confirm" in r.json()["detail"]
    assert (
        await client.post("/associations/9999/events/confirm", headers=consumer)
    ).status_code == 404


async def test_list_a_consumers_own_and_staff_filters(client, admin):
    consumer, cid = await new_consumer()
    other, _ = await new_consumer("Other")
    ana, ben = await active_assister(client, admin), await active_assister(client, admin, "Ben")
    await associate(client, consumer, ana)
    await associate(client, consumer, ben)
    await associate(client, other, ana)
    mine = (await client.get("/associations", headers=consumer)).json()
    assert mine["total"] == 2 and {i["consumer_id"] for i in mine["items"]} == {cid}
    confirmed = await client.get(
        f"/associations?state=confirmed&assister_id={ana['id']}", headers=admin
    )
    assert confirmed.json()["total"] == 1
    assert (await client.get("/associations?state=nope", headers=admin)).status_code == 400


async def test_each_reader_sees_the_events_they_may_fire(client, admin):
    assister = await active_assister(client, admin)
    consumer, _ = await new_consumer()
    requested = await associate(client, consumer, assister, confirm=False)
    url = f"/associations/{requested['id']}"
    seen = (await client.get(url, headers=consumer)).json()
    assert sorted(seen["your_events"]) == ["confirm", "disassociate"]
    assert sorted((await client.get(url, headers=admin)).json()["your_events"]) == ["disassociate"]
    mine = await new_user_headers("assister", assister_id=assister["id"])
    await fire_association(client, consumer, requested["id"], "confirm")
    assert (await client.get(url, headers=mine)).json()["your_events"] == ["acknowledge"]
