"""Only one person at a time works on a consumer's application."""

import asyncio
from datetime import UTC, datetime, timedelta

import time_machine

from tests.helpers import (
    acknowledge,
    active_assister,
    associate,
    fire_association,
    fire_ok,
    new_consumer,
    new_user_headers,
)
from workflow.core.settings import get_settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=get_settings().application_lock_minutes)


async def setup(client, admin):
    consumer, cid = await new_consumer("Maria Lopez")
    ana = await active_assister(client, admin, "Ana Torres")
    association = await associate(client, consumer, ana)
    assister = await new_user_headers("assister", assister_id=ana["id"])
    await acknowledge(client, assister, ana["id"], cid)
    return consumer, cid, ana, assister, association


def lock_url(cid):
    return f"/consumers/{cid}/application/lock"


async def test_the_holder_is_named_to_everyone_else(client, admin):
    consumer, cid, _, assister, _ = await setup(client, admin)
    with time_machine.travel(T0, tick=False):
        taken = await client.post(lock_url(cid), headers=assister)
    assert taken.status_code == 200, taken.text
    body = taken.json()
    assert body["held"] and body["yours"] and body["holder"] == "their assister Ana Torres"
    assert body["expires_at"] == (T0 + WINDOW).isoformat().replace("+00:00", "Z")

    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        refused = await client.post(lock_url(cid), headers=consumer)
        assert refused.status_code == 409
        assert (
            "their assister Ana Torres is working on this application" in refused.json()["detail"]
        )
        seen = (await client.get(lock_url(cid), headers=consumer)).json()
        assert seen["held"] and seen["yours"] is False and seen["holder_role"] == "assister"
        me = (await client.get("/consumers/me", headers=consumer)).json()
        assert me["application_lock"]["holder"] == "their assister Ana Torres"


async def test_activity_keeps_it_and_inactivity_frees_it(client, admin):
    consumer, cid, _, assister, _ = await setup(client, admin)
    with time_machine.travel(T0, tick=False):
        await client.post(lock_url(cid), headers=consumer)
    # Activity (changing the application) restarts the clock.
    with time_machine.travel(T0 + WINDOW - timedelta(minutes=1), tick=False):
        r = await client.put(
            f"/consumers/{cid}/application",
            json={"application_status": "in_progress"},
            headers=consumer,
        )
        assert r.status_code == 200 and r.json()["application_status"] == "in_progress"
    with time_machine.travel(T0 + WINDOW + timedelta(minutes=1), tick=False):
        assert (await client.post(lock_url(cid), headers=assister)).status_code == 409
    # A whole window without activity: the lock lapses and the assister may take it.
    with time_machine.travel(T0 + 2 * WINDOW, tick=False):
        assert (await client.get(lock_url(cid), headers=assister)).json()["held"] is False
        r = await client.post(lock_url(cid), headers=assister)
        assert r.status_code == 200 and r.json()["holder"] == "their assister Ana Torres"
        assert r.json()["acquired_at"] == (T0 + 2 * WINDOW).isoformat().replace("+00:00", "Z")


async def test_release_by_the_holder_or_staff_only(client, admin):
    consumer, cid, _, assister, _ = await setup(client, admin)
    await client.post(lock_url(cid), headers=consumer)
    r = await client.delete(lock_url(cid), headers=assister)
    assert r.status_code == 409 and "Maria Lopez" in r.json()["detail"]
    r = await client.delete(lock_url(cid), headers=consumer)
    assert r.status_code == 200 and r.json()["held"] is False
    assert (await client.post(lock_url(cid), headers=assister)).status_code == 200
    r = await client.delete(lock_url(cid), headers=await new_user_headers("support"))
    assert r.status_code == 200 and r.json()["held"] is False
    assert (await client.delete(lock_url(cid), headers=consumer)).json()["held"] is False


async def test_only_the_holder_changes_the_application(client, admin):
    consumer, cid, _, assister, _ = await setup(client, admin)
    body = {"application_status": "submitted"}
    r = await client.put(f"/consumers/{cid}/application", json=body, headers=assister)
    assert r.status_code == 409 and "take the application lock first" in r.json()["detail"]
    await client.post(lock_url(cid), headers=assister)
    r = await client.put(f"/consumers/{cid}/application", json=body, headers=consumer)
    assert r.status_code == 409 and "Ana Torres" in r.json()["detail"]
    r = await client.put(f"/consumers/{cid}/application", json=body, headers=assister)
    assert r.status_code == 200 and r.json()["application_status"] == "submitted"
    r = await client.put(
        f"/consumers/{cid}/application", json={"application_status": "x"}, headers=assister
    )
    assert r.status_code == 400


async def test_who_may_take_it(client, admin):
    consumer, cid, ana, assister, _ = await setup(client, admin)
    other_consumer, _ = await new_consumer("Other")
    assert (await client.post(lock_url(cid), headers=other_consumer)).status_code == 404
    ben = await active_assister(client, admin, "Ben")
    stranger = await new_user_headers("assister", assister_id=ben["id"])
    assert (await client.post(lock_url(cid), headers=stranger)).status_code == 404
    assert (await client.get(lock_url(cid), headers=stranger)).status_code == 404
    assert (await client.post(lock_url(cid), headers=admin)).status_code == 403
    # An assister who has not acknowledged, or who lapsed, may not work on it.
    second, second_id = await new_consumer("Second")
    await associate(client, second, ana)
    r = await client.post(lock_url(second_id), headers=assister)
    assert r.status_code == 403 and "acknowledge" in r.json()["detail"]
    await fire_ok(client, admin, ana["id"], "lapse", reason="missed October 31")
    r = await client.post(lock_url(cid), headers=assister)
    assert r.status_code == 403 and "cannot act" in r.json()["detail"]


async def test_ending_the_association_ends_the_assisters_hold(client, admin):
    consumer, cid, _, assister, association = await setup(client, admin)
    await client.post(lock_url(cid), headers=assister)
    await fire_association(client, consumer, association["id"], "disassociate")
    assert (await client.get(lock_url(cid), headers=consumer)).json()["held"] is False
    assert (await client.post(lock_url(cid), headers=consumer)).status_code == 200


async def test_racing_for_the_lock_has_one_winner(client, admin):
    consumer, cid, _, assister, _ = await setup(client, admin)
    responses = await asyncio.gather(
        *(client.post(lock_url(cid), headers=h) for h in [consumer, assister] * 5)
    )
    winners = {r.json()["holder"] for r in responses if r.status_code == 200}
    assert len(winners) == 1
    assert {r.status_code for r in responses} <= {200, 409}
