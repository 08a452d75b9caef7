"""One assister at a time under concurrency, and the database enforcing it too."""

import asyncio

import pytest

from tests.helpers import active_assister, associate, fire_association, new_consumer
from workflow.tables import Association, History


async def _assisters(client, admin, n: int) -> list[dict]:
    return [await active_assister(client, admin, f"Assister {i:02d}") for i in range(n)]


async def _history_matches_versions() -> None:
    for row in await Association.select(Association.id, Association.version):
        rows = await History.count().where(
            (History.machine == "association") & (History.entity_id == row["id"])
        )
        assert rows == row["version"], row


async def test_ten_racing_confirmations_leave_exactly_one_confirmed(client, admin):
    consumer, cid = await new_consumer()
    *others, previous = await _assisters(client, admin, 11)
    await associate(client, consumer, previous)  # a confirmed assister to be replaced
    pending = [await associate(client, consumer, a, confirm=False) for a in others]

    responses = await asyncio.gather(
        *(fire_association(client, consumer, p["id"], "confirm") for p in pending)
    )

    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 409}, [r.text for r in responses]  # never a 500
    assert codes.count(200) >= 1
    confirmed = await Association.select().where(
        (Association.consumer == cid) & (Association.state == "confirmed")
    )
    assert len(confirmed) == 1
    winner = confirmed[0]["id"]
    assert winner in {r.json()["id"] for r in responses if r.status_code == 200}
    ended = await Association.select().where(
        (Association.consumer == cid) & (Association.id != winner)
    )
    assert all(r["state"] == "disassociated" and r["end_reason"] for r in ended)
    await _history_matches_versions()


async def test_racing_requests_for_the_same_assister_make_one(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin)
    body = {"reference_number": ana["reference_number"]}
    responses = await asyncio.gather(
        *(client.post("/associations", json=body, headers=consumer) for _ in range(8))
    )
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 201, 409} and 500 not in codes, codes
    assert await Association.count() == 1
    assert len({r.json()["id"] for r in responses if r.status_code in (200, 201)}) == 1


async def test_the_database_refuses_a_second_confirmed_association(client, admin, db):
    consumer, cid = await new_consumer()
    ana, ben = await _assisters(client, admin, 2)
    await associate(client, consumer, ana)
    second = await associate(client, consumer, ben, confirm=False)
    with pytest.raises(Exception, match="(?i)unique"):
        await Association.update({Association.state: "confirmed"}).where(
            Association.id == second["id"]
        )
    assert await Association.count().where(Association.state == "confirmed") == 1


async def test_a_unique_violation_is_a_409_and_changes_nothing(client, admin, monkeypatch):
    """If a writer skipped "end the previous assister" the index still holds, and the
    caller hears 409, not 500; the refused transaction leaves no trace."""
    from workflow.associations import binding as association_case

    consumer, cid = await new_consumer()
    ana, ben = await _assisters(client, admin, 2)
    first = await associate(client, consumer, ana)
    second = await associate(client, consumer, ben, confirm=False)

    async def skip(ctx):
        return None

    monkeypatch.setattr(association_case, "_end_other_open_associations", skip)
    history_before = await History.count()
    r = await fire_association(client, consumer, second["id"], "confirm")
    assert r.status_code == 409, r.text
    assert "reload and try again" in r.json()["detail"]
    assert await History.count() == history_before
    states = {
        row["id"]: row["state"]
        for row in await Association.select(Association.id, Association.state)
    }
    assert states == {first["id"]: "confirmed", second["id"]: "requested"}
