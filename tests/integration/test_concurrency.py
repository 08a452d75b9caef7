"""Compare-and-set on ``version``: racing requests give exactly one winner."""

import asyncio

from tests.helpers import new_assister, walk_to
from workflow.tables import History


async def test_twenty_concurrent_identical_events_apply_once(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "active")
    url = f"/assisters/{a['id']}/events/lapse"
    responses = await asyncio.gather(*(client.post(url, headers=admin) for _ in range(20)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 409}, codes
    # Every loser is told where the assister stands now and what may be done from there.
    for lost in (r.json() for r in responses if r.status_code == 409):
        assert lost["state"] == "lapsed" and "complete_training" in lost["allowed_events"]
    rows = await History.select().where((History.entity_id == a["id"]) & (History.event == "lapse"))
    assert len(rows) == 1
    current = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
    assert current["state"] == "lapsed" and current["version"] == a["version"] + 1


async def test_concurrent_different_events_on_one_assister_leave_one_consistent_state(
    client, admin
):
    a = await walk_to(client, admin, await new_assister(client, admin), "exam_passed")
    register = client.post(
        f"/assisters/{a['id']}/events/register",
        json={"data": {"agreements": ["individual"]}},
        headers=admin,
    )
    lapse = client.post(f"/assisters/{a['id']}/events/lapse", headers=admin)
    codes = sorted(r.status_code for r in await asyncio.gather(register, lapse))
    # both may apply in either order (register then lapse is legal), never neither
    assert codes in ([200, 200], [200, 409]), codes
    history = (await client.get(f"/assisters/{a['id']}/history", headers=admin)).json()
    current = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
    assert history[-1]["to_state"] == current["state"]
    assert current["version"] == len(history)  # one history row per applied event


async def test_compare_and_set_refuses_a_decision_made_on_a_stale_row(client, admin, monkeypatch):
    """Force the lost race deterministically: the row is read, another event lands, then
    the first writer's compare-and-set on ``version`` finds nothing to update."""
    from workflow.engine import fire as events

    a = await new_assister(client, admin)
    real_load = events._load

    async def load_then_lose_the_race(kind, entity_id, actor):
        row = await real_load(kind, entity_id, actor)
        await History.raw("UPDATE assisters SET version = version + 1 WHERE id = {}", entity_id)
        return row

    monkeypatch.setattr(events, "_load", load_then_lose_the_race)
    r = await client.post(f"/assisters/{a['id']}/events/complete_training", headers=admin)
    assert r.status_code == 409, r.text
    assert "changed while your event was being applied" in r.json()["detail"]
    monkeypatch.undo()
    # The case is read before the write transaction opens: the stand-in rival committed
    # as a real one would, and the refused event wrote nothing.
    current = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
    assert current["state"] == "onboarded" and current["version"] == 2
    assert await History.count().where(History.entity_id == a["id"]) == 1  # only creation
