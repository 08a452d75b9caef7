"""Book of Business transfer: all or selected confirmed associations move to another
active assister in one all-or-nothing operation, with a history row for each."""

from tests.helpers import (
    acknowledge,
    active_assister,
    associate,
    fire_ok,
    new_consumer,
    new_user_headers,
)
from workflow.tables import Association, History


async def transfer(client, admin, from_id, **body):
    return await client.post(f"/assisters/{from_id}/clients/transfer", json=body, headers=admin)


async def setup(client, admin, n=3):
    old = await active_assister(client, admin, "Old Assister")
    new = await active_assister(client, admin, "New Assister")
    consumers = [await new_consumer(f"Client {i}") for i in range(n)]
    associations = [await associate(client, c, old) for c, _ in consumers]
    return old, new, consumers, associations


async def states() -> dict[int, tuple[int, str]]:
    rows = await Association.select(Association.id, Association.assister, Association.state)
    return {r["id"]: (r["assister"], r["state"]) for r in rows}


async def test_transfer_everything_with_history_for_each(client, admin):
    old, new, consumers, associations = await setup(client, admin)
    pending_consumer, _ = await new_consumer("Pending")
    pending = await associate(client, pending_consumer, old, confirm=False)
    old_headers = await new_user_headers("assister", assister_id=old["id"])
    await acknowledge(client, old_headers, old["id"], consumers[0][1])

    r = await transfer(client, admin, old["id"], to_assister_id=new["id"], reason="retiring")
    assert r.status_code == 200, r.text
    ids = sorted(a["id"] for a in associations)
    assert r.json() == {
        "from_assister_id": old["id"],
        "to_assister_id": new["id"],
        "transferred": ids,
        "count": 3,
    }
    after = await states()
    assert all(after[i] == (new["id"], "confirmed") for i in ids)
    assert after[pending["id"]] == (old["id"], "requested")  # only confirmed ones move
    for association_id in ids:
        last = (
            await History.select()
            .where((History.machine == "association") & (History.entity_id == association_id))
            .order_by(History.id, ascending=False)
            .first()
            .output(load_json=True)
        )
        assert last["event"] == "transfer" and last["reason"] == "retiring"
        assert (last["from_state"], last["to_state"]) == ("confirmed", "confirmed")
        assert last["data"] == {"to_assister_id": new["id"], "from_assister_id": old["id"]}

    # The new assister starts afresh; the old one no longer sees these consumers.
    new_headers = await new_user_headers("assister", assister_id=new["id"])
    page = (await client.get(f"/assisters/{new['id']}/clients", headers=new_headers)).json()
    assert page["total"] == 3 and {i["status"] for i in page["items"]} == {"New"}
    cid = consumers[0][1]
    r = await client.get(f"/assisters/{new['id']}/clients/{cid}", headers=new_headers)
    assert r.status_code == 403 and "acknowledge" in r.json()["detail"]
    r = await client.get(f"/assisters/{old['id']}/clients/{cid}", headers=old_headers)
    assert r.status_code == 404
    me = (await client.get("/consumers/me", headers=consumers[0][0])).json()
    assert me["current_association"]["assister"]["name"] == "New Assister"


async def test_transfer_selected(client, admin):
    old, new, _, associations = await setup(client, admin)
    chosen = associations[1]["id"]
    r = await transfer(
        client, admin, old["id"], to_assister_id=new["id"], reason="split", association_ids=[chosen]
    )
    assert r.status_code == 200 and r.json()["transferred"] == [chosen]
    after = await states()
    assert after[chosen][0] == new["id"]
    assert [after[a["id"]][0] for a in associations].count(old["id"]) == 2


async def test_all_or_nothing_when_a_selected_id_cannot_move(client, admin):
    old, new, consumers, associations = await setup(client, admin)
    ended = associations[2]["id"]
    await client.post(f"/associations/{ended}/events/disassociate", headers=consumers[2][0])
    before, history = await states(), await History.count()
    ids = [associations[0]["id"], ended]
    r = await transfer(
        client, admin, old["id"], to_assister_id=new["id"], reason="x", association_ids=ids
    )
    assert r.status_code == 422 and str([ended]) in r.json()["detail"]
    assert await states() == before and await History.count() == history


async def test_all_or_nothing_when_a_move_fails_half_way(client, admin, monkeypatch):
    """The third move fails after two were applied: the first two roll back too."""
    import dataclasses

    from workflow.associations import binding as association_case

    old, new, _, associations = await setup(client, admin)
    real = association_case.move_to_new_assister
    calls = []

    async def fail_on_third(ctx):
        calls.append(ctx.row["id"])
        if len(calls) == 3:
            raise association_case.GuardRefused("transfer", "simulated failure")
        return await real(ctx)

    on = association_case.ASSOCIATION_CASE.on("transfer")
    failing = dataclasses.replace(on, effect=fail_on_third)
    monkeypatch.setitem(association_case.ASSOCIATION_CASE.events, "transfer", failing)
    before, history = await states(), await History.count()
    r = await transfer(client, admin, old["id"], to_assister_id=new["id"], reason="retiring")
    assert r.status_code == 422 and "simulated failure" in r.json()["detail"]
    assert len(calls) == 3
    assert await states() == before and await History.count() == history


async def test_only_to_another_active_assister_and_only_by_admin(client, admin):
    old, new, _, _ = await setup(client, admin, n=1)
    await fire_ok(client, admin, new["id"], "lapse", reason="missed October 31")
    r = await transfer(client, admin, old["id"], to_assister_id=new["id"], reason="x")
    assert r.status_code == 422 and "active" in r.json()["detail"]
    r = await transfer(client, admin, old["id"], to_assister_id=old["id"], reason="x")
    assert r.status_code == 400 and "to_assister_id" in r.json()["detail"]
    r = await transfer(client, admin, old["id"], to_assister_id=999, reason="x")
    assert r.status_code == 400
    r = await transfer(client, admin, old["id"], to_assister_id=new["id"])
    assert r.status_code == 400 and "reason" in r.json()["detail"]
    support = await new_user_headers("support")
    r = await transfer(client, support, old["id"], to_assister_id=new["id"], reason="x")
    assert r.status_code == 403


async def test_transfer_event_through_the_events_route_checks_the_target(client, admin):
    old, new, _, associations = await setup(client, admin, n=1)
    await fire_ok(client, admin, new["id"], "deactivate", reason="left")
    url = f"/associations/{associations[0]['id']}/events/transfer"
    r = await client.post(
        url, json={"reason": "x", "data": {"to_assister_id": new["id"]}}, headers=admin
    )
    assert r.status_code == 422 and "deactivated" in r.json()["detail"]
    third = await active_assister(client, admin, "Third")
    r = await client.post(
        url, json={"reason": "x", "data": {"to_assister_id": third["id"]}}, headers=admin
    )
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
