"""An assister's business address and directory display choice: set on onboarding and
on the profile, shown on the record, and in the consumer's view as the choice allows."""

import pytest

from tests.helpers import (
    active_assister,
    associate,
    new_assister,
    new_consumer,
    new_user_headers,
    patch_profile,
)

ADDRESS = {"street": "100 Main St Ste 2", "city": "St Paul", "state": "MN", "zip": "55101"}
NO_STREET = {**ADDRESS, "street": None}


async def test_onboarding_with_an_address_shows_it_on_the_record(client, admin):
    a = await new_assister(
        client,
        admin,
        address={**ADDRESS, "state": "mn", "zip": " 55101-1234 "},
        directory_display="all_but_street",
    )
    assert a["address"] == {**ADDRESS, "zip": "55101-1234"}
    assert a["directory_display"] == "all_but_street"
    again = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
    assert again["address"] == a["address"] and "address_street" not in again
    listed = (await client.get("/assisters", headers=admin)).json()["items"][0]
    assert listed["address"] == a["address"]
    plain = await new_assister(client, admin)
    assert plain["address"] is None and plain["directory_display"] == "all"


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ({**ADDRESS, "state": "XX"}, "address.state"),
        ({**ADDRESS, "state": "Minnesota"}, "state"),
        ({**ADDRESS, "zip": "5510"}, "zip"),
        ({**ADDRESS, "city": "  "}, "city"),
        ({k: v for k, v in ADDRESS.items() if k != "street"}, "street"),
        ({**ADDRESS, "country": "US"}, "country"),
        ({**ADDRESS, "street": "123-45-6789"}, "Social Security"),
    ],
)
async def test_a_wrong_address_is_a_400_naming_the_part(client, admin, address, field):
    body = {"kind": "broker", "name": "Bo", "email": "bo@example.org", "address": address}
    r = await client.post("/assisters", json=body, headers=admin)
    assert r.status_code == 400, r.text
    assert field in r.text


async def test_unknown_directory_display_is_refused(client, admin):
    a = await new_assister(client, admin)
    r = await patch_profile(client, admin, a["id"], directory_display="everywhere")
    assert r.status_code == 400 and "directory_display" in r.text


async def test_the_assister_and_an_admin_change_it_others_cannot(client, admin):
    a = await new_assister(client, admin)
    own = await new_user_headers("assister", assister_id=a["id"])
    r = await patch_profile(client, own, a["id"], address=ADDRESS, directory_display="not_listed")
    assert r.status_code == 200, r.text
    assert r.json()["assister"]["address"] == ADDRESS
    assert r.json()["assister"]["directory_display"] == "not_listed"
    moved = {**ADDRESS, "street": "9 Oak Ave", "city": "Duluth", "zip": "55802"}
    r = await patch_profile(client, admin, a["id"], address=moved)
    assert r.status_code == 200, r.text
    record = (await client.get(f"/assisters/{a['id']}", headers=own)).json()
    assert record["address"] == moved and record["directory_display"] == "not_listed"

    other = await new_assister(client, admin, email="o@example.org")
    r = await patch_profile(client, own, other["id"], address=ADDRESS)
    assert r.status_code == 404
    support = await new_user_headers("support")
    r = await patch_profile(client, support, a["id"], address=ADDRESS)
    assert r.status_code in (401, 403)
    r = await patch_profile(client, own, a["id"], address={**ADDRESS, "street": None})
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("display", "seen"),
    [
        ("all", ADDRESS),
        ("all_but_street", NO_STREET),
        ("home_state_only", ADDRESS),
        ("not_listed", NO_STREET),
    ],
)
async def test_the_consumer_sees_what_the_display_choice_allows(client, admin, display, seen):
    ana = await active_assister(
        client, admin, phone="612-555-0100", address=ADDRESS, directory_display=display
    )
    consumer, _ = await new_consumer()
    r = await client.post(
        "/associations", json={"reference_number": ana["reference_number"]}, headers=consumer
    )
    assert r.status_code == 201, r.text
    assert r.json()["assister"]["address"] == seen
    assert r.json()["assister"]["phone"] == "612-555-0100"
    assert "directory_display" not in r.json()["assister"]
    if seen["street"] is None:
        assert ADDRESS["street"] not in r.text
    await associate(client, consumer, ana)
    me = (await client.get("/consumers/me", headers=consumer)).json()
    current = me["current_association"]["assister"]
    assert current["address"] == seen and current["name"] == "Ana Torres"
    assert ana["email"] not in str(me) and ana["reference_number"] not in str(me)


async def test_an_assister_without_an_address(client, admin):
    ana = await active_assister(client, admin)
    consumer, _ = await new_consumer()
    r = await client.post(
        "/associations", json={"reference_number": ana["reference_number"]}, headers=consumer
    )
    assert r.status_code == 201 and r.json()["assister"]["address"] is None
