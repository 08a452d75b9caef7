"""Find local help: the public directory of active assisters, by ZIP code (nearest first)
or state, with its filters, its display rules and paging, and a signed-in consumer's
request for an assister found there."""

from tests.helpers import (
    active_assister,
    fire_association,
    new_assister,
    new_consumer,
    new_org,
    new_user_headers,
)


def address(street, city, state, zip):
    return {"street": street, "city": city, "state": state, "zip": zip}


async def directory(client, admin):
    """Assisters around Minneapolis (55401) and one across the river in Wisconsin."""
    org = await new_org(client, admin)
    made = {}
    for key, name, where, display in [
        ("ana", "Ana Torres", address("1 Main St", "Minneapolis", "MN", "55401"), "all"),
        ("ben", "Ben Okafor", address("2 Oak Ave", "Saint Paul", "MN", "55101"), "all_but_street"),
        ("cara", "Cara Lind", address("3 Elm St", "Hudson", "WI", "54016"), "home_state_only"),
        ("dan", "Dan Hidden", address("4 Pine St", "Minneapolis", "MN", "55402"), "not_listed"),
        ("fern", "Fern Ruiz", address("5 Ash St", "Rochester", "MN", "55901"), "all"),
    ]:
        made[key] = await active_assister(
            client, admin, name=name, address=where, directory_display=display, organization_id=org
        )
    # Not active: never listed, however near.
    made["eve"] = await new_assister(
        client,
        admin,
        name="Eve Waiting",
        email="eve@example.org",
        address=address("6 Birch", "Minneapolis", "MN", "55403"),
    )
    return made


async def find(client, **params):
    r = await client.get("/find-help", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def names(page):
    return [item["name"] for item in page["items"]]


async def test_nearest_first_with_display_rules(client, admin):
    made = await directory(client, admin)
    page = await find(client, zip="55401")
    assert names(page) == ["Ana Torres", "Ben Okafor"]  # Fern is 75 miles away
    assert page["searched"] == {
        "zip": "55401",
        "city": "Minneapolis",
        "state": "MN",
        "radius_miles": 25,
    }
    ana, ben = page["items"]
    assert ana["distance_miles"] < ben["distance_miles"] < 25
    assert ana["address"]["street"] == "1 Main St"
    assert ben["address"] == {"street": None, "city": "Saint Paul", "state": "MN", "zip": "55101"}
    for item in page["items"]:
        assert "reference_number" not in item and "email" not in item
    # Cara lists in her home state only: Hudson's own ZIP finds her, Minneapolis does not.
    near_cara = await find(client, zip="54016", radius_miles=30)
    assert names(near_cara) == ["Cara Lind", "Ben Okafor", "Ana Torres"]
    assert near_cara["items"][0]["address"]["street"] == "3 Elm St"
    assert names(await find(client, zip="55401", radius_miles=100)) == [
        "Ana Torres",
        "Ben Okafor",
        "Fern Ruiz",
    ]
    # By state: listed, active assisters there, by name.
    assert names(await find(client, state="mn")) == ["Ana Torres", "Ben Okafor", "Fern Ruiz"]
    assert names(await find(client, state="WI")) == ["Cara Lind"]
    # ZIP+4 is the same place.
    assert names(await find(client, zip="55401-1234")) == ["Ana Torres", "Ben Okafor"]
    assert made["dan"]["id"] not in [i["id"] for i in (await find(client, state="MN"))["items"]]


async def test_filters_and_paging(client, admin):
    made = await directory(client, admin)
    broker_org = await new_org(client, admin)
    carl = await active_assister(
        client,
        admin,
        name="Carl Vega",
        organization_id=broker_org,
        address=address("7 Lake St", "Minneapolis", "MN", "55408"),
    )
    me = await new_user_headers("assister", assister_id=made["ben"]["id"])
    r = await client.put(
        f"/assisters/{made['ben']['id']}/directory",
        json={"languages": ["en", "es"], "accepting_new_clients": True},
        headers=me,
    )
    assert r.status_code == 200 and r.json()["languages"] == ["en", "es"], r.text
    r = await client.put(
        f"/assisters/{made['ana']['id']}/directory",
        json={"languages": ["en"], "accepting_new_clients": False},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert names(await find(client, zip="55401", language="es")) == ["Ben Okafor"]
    page = await find(client, zip="55401", accepting_new_clients="true")
    assert names(page) == ["Carl Vega", "Ben Okafor"]  # 55408 is nearer than Saint Paul
    assert names(await find(client, zip="55401", organization_id=broker_org)) == ["Carl Vega"]
    assert names(await find(client, state="MN", kind="cac")) == []
    everyone = await find(client, state="MN")
    assert everyone["total"] == 4
    first = await find(client, state="MN", limit=2)
    second = await find(client, state="MN", limit=2, offset=2)
    assert first["total"] == 4 and names(first) + names(second) == names(everyone)
    assert carl["id"] in [i["id"] for i in everyone["items"]]
    # Only brokers take referrals; nobody else changes an assister's settings.
    r = await client.put(
        f"/assisters/{made['ben']['id']}/directory",
        json={"languages": ["en"], "accepts_referrals": True},
        headers=me,
    )
    assert r.status_code == 422 and "brokers" in r.json()["detail"]
    r = await client.put(
        f"/assisters/{made['ana']['id']}/directory", json={"languages": ["en"]}, headers=me
    )
    assert r.status_code == 404


async def test_bad_searches_say_what_to_do(client, admin):
    for params, words in [
        ({"zip": "00000"}, "there is no ZIP code 00000"),
        ({"zip": "5540"}, "is not a ZIP code"),
        ({}, "give a ZIP code"),
        ({"state": "ZZ"}, "is not a US state"),
        ({"zip": "55401", "language": "e1"}, "is not a language code"),
    ]:
        r = await client.get("/find-help", params=params)
        assert r.status_code == 400, (params, r.text)
        assert words in r.json()["detail"], r.text
    r = await client.get("/find-help", params={"zip": "55401", "radius_miles": 500})
    assert r.status_code == 400
    r = await client.get("/find-help", params={"zip": "55401", "kind": "wizard"})
    assert r.status_code == 400


async def test_a_consumer_asks_for_an_assister_found_in_the_directory(client, admin):
    made = await directory(client, admin)
    consumer, cid = await new_consumer()
    found = (await find(client, zip="55401"))["items"][0]
    r = await client.post(f"/find-help/{found['id']}/request", headers=consumer)
    assert r.status_code == 201, r.text
    association = r.json()
    assert association["state"] == "requested" and association["assister_id"] == found["id"]
    r = await client.post(f"/find-help/{found['id']}/request", headers=consumer)
    assert r.status_code == 200 and r.json()["id"] == association["id"]
    r = await fire_association(client, consumer, association["id"], "confirm")
    assert r.status_code == 200, r.text
    me = (await client.get("/consumers/me", headers=consumer)).json()
    assert me["current_association"]["assister"]["name"] == "Ana Torres" and cid
    # Not listed, or not active: cannot be chosen from the directory.
    for hidden in (made["dan"], made["eve"]):
        r = await client.post(f"/find-help/{hidden['id']}/request", headers=consumer)
        assert r.status_code == 422, r.text
    r = await client.post(f"/find-help/{found['id']}/request")
    assert r.status_code == 401
