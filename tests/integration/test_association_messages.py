"""What consumers and assisters are told about associations: notices to consumers for
changes made by others, the sweep's expiry of unconfirmed requests, and one daily
summary per assister."""

from datetime import UTC, date, datetime

import time_machine

from tests.helpers import (
    active_assister,
    associate,
    fire_association,
    new_consumer,
    new_user_headers,
)
from workflow.sweep.runner import sweep
from workflow.tables import Association, Consumer, History, Message


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def notices(consumer_id: int) -> list[dict]:
    return (
        await Message.select(Message.template, Message.subject, Message.body)
        .where(Message.consumer == consumer_id)
        .order_by(Message.id)
    )


async def test_consumers_hear_of_changes_others_make(client, admin):
    with at(2026, 9, 1):
        ana = await active_assister(client, admin, name="Ana Torres")
        ben = await active_assister(client, admin, name="Ben Okafor")
        consumer, cid = await new_consumer()
        link = await associate(client, consumer, ana)
        [confirmed] = await notices(cid)
        assert confirmed["template"] == "association_confirmed"
        assert "Ana Torres" in confirmed["subject"]

        r = await client.post(
            f"/assisters/{ana['id']}/clients/transfer",
            json={"to_assister_id": ben["id"], "reason": "Ana left the agency"},
            headers=admin,
        )
        assert r.status_code == 200, r.text
        transferred = (await notices(cid))[-1]
        assert transferred["template"] == "association_transferred"
        assert "Ben Okafor" in transferred["subject"] and "Ana Torres" in transferred["body"]

        support = await new_user_headers("support")
        r = await fire_association(
            client, support, link["id"], "disassociate", reason="assister asked us to end it"
        )
        assert r.status_code == 200, r.text
        ended = (await notices(cid))[-1]
        assert ended["template"] == "association_ended"
        # Support's reason is internal: the consumer reads a neutral notice.
        assert "assister asked us to end it" not in ended["body"]
        assert "no longer authorized to act for you." in ended["body"]

        mine = await associate(client, consumer, ana)
        before = len(await notices(cid))
        await fire_association(client, consumer, mine["id"], "disassociate")
        assert len(await notices(cid)) == before  # they did it themselves: no notice

        r = await client.get("/consumers/me/messages", headers=consumer)
        assert r.status_code == 200 and r.json()["total"] == before


async def test_staff_end_with_an_internal_reason_and_a_message_for_the_consumer(client, admin):
    ana = await active_assister(client, admin, name="Ana Torres")
    consumer, cid = await new_consumer()
    link = await associate(client, consumer, ana)
    support = await new_user_headers("support")
    internal = "assister Grace asked by phone"
    told = "Your assister asked us to end the authorization; choose another any time."
    r = await fire_association(
        client, support, link["id"], "disassociate",
        reason=internal, data={"message_to_consumer": told},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    ended = (await notices(cid))[-1]
    assert told in ended["body"] and internal not in ended["body"]
    assert internal not in ended["subject"]

    # The consumer's reads carry the message; staff's carry the internal reason.
    mine = (await client.get(f"/associations/{link['id']}", headers=consumer)).json()
    assert mine["end_reason"] == told
    staff_view = (await client.get(f"/associations/{link['id']}", headers=support)).json()
    assert staff_view["end_reason"] == internal
    listed = (await client.get("/associations?state=disassociated", headers=consumer)).json()
    assert [item["end_reason"] for item in listed["items"]] == [told]
    history = (await client.get(f"/associations/{link['id']}/history", headers=consumer)).json()
    assert internal not in str(history) and history[-1]["reason"] == told
    staff_history = await client.get(f"/associations/{link['id']}/history", headers=support)
    assert staff_history.json()[-1]["reason"] == internal
    row = await History.select(History.reason).where(History.event == "disassociate").first()
    assert row["reason"] == internal  # the history keeps the internal reason


async def test_without_a_message_the_consumer_reads_a_neutral_sentence(client, admin):
    ana = await active_assister(client, admin, name="Ana Torres")
    consumer, cid = await new_consumer()
    link = await associate(client, consumer, ana)
    r = await fire_association(client, admin, link["id"], "disassociate", reason="fraud check")
    assert r.status_code == 200, r.text
    mine = (await client.get(f"/associations/{link['id']}", headers=consumer)).json()
    assert mine["end_reason"] == "ended by the assister program"
    assert "fraud" not in (await notices(cid))[-1]["body"]
    history = (await client.get(f"/associations/{link['id']}/history", headers=consumer)).json()
    assert "fraud" not in str(history)


async def test_spanish_notices_for_a_spanish_speaking_consumer(client, admin):
    ana = await active_assister(client, admin, name="Ana Torres")
    consumer, cid = await new_consumer(name="María López")
    await Consumer.update({Consumer.language: "es"}).where(Consumer.id == cid)
    await associate(client, consumer, ana)
    [confirmed] = await notices(cid)
    assert confirmed["subject"] == "Eligió a Ana Torres como su asistente"


async def test_unconfirmed_requests_expire(client, admin):
    with at(2026, 9, 1, 10):
        ana = await active_assister(client, admin, name="Ana Torres")
        consumer, cid = await new_consumer()
        pending = await associate(client, consumer, ana, confirm=False)
        other, _ = await new_consumer(name="Other")
        kept = await associate(client, other, ana)
    with at(2026, 10, 1):  # 30 days: still open
        report = await sweep(date(2026, 10, 1))
        assert report.count("expire_requests") == 0
    with at(2026, 10, 2):
        dry = await sweep(date(2026, 10, 2), dry_run=True)
        assert [c["id"] for c in dry.examples("expire_requests")] == [pending["id"]]
        report = await sweep(date(2026, 10, 2))
        assert report.count("expire_requests") == 1
    row = await Association.select().where(Association.id == pending["id"]).first()
    assert row["state"] == "disassociated" and "not confirmed within 30 days" in row["end_reason"]
    assert row["ended_at"] is not None
    kept_row = await Association.select().where(Association.id == kept["id"]).first()
    assert kept_row["state"] == "confirmed"
    last = (
        await History.select()
        .where((History.machine == "association") & (History.entity_id == pending["id"]))
        .order_by(History.id, ascending=False)
        .first()
    )
    assert last["actor"] == "system" and last["event"] == "disassociate"
    assert (await notices(cid))[-1]["template"] == "association_ended"
    assert "expired" in (await notices(cid))[-1]["body"]
    with at(2026, 10, 3):
        assert (await sweep(date(2026, 10, 3))).count("expire_requests") == 0


async def test_one_daily_summary_per_assister(client, admin):
    with at(2026, 9, 1, 9):
        ana = await active_assister(client, admin, name="Ana Torres")
        ben = await active_assister(client, admin, name="Ben Okafor")
        quiet = await active_assister(client, admin, name="Quiet One")
    with at(2026, 9, 2, 15):
        first, _ = await new_consumer(name="Carla Diaz")
        second, _ = await new_consumer(name="Dev Patel")
        await associate(client, first, ana)  # request + confirm
        await associate(client, second, ana, confirm=False)  # request only
        await client.post(
            f"/assisters/{ana['id']}/clients/transfer",
            json={"to_assister_id": ben["id"], "reason": "rebalancing"},
            headers=admin,
        )
        third, _ = await new_consumer(name="Eve Stone")
        await associate(client, third, ben)  # Ben's own new client, moved on tomorrow
    with at(2026, 9, 3, 5):  # the next morning, before the sweep: Ben's clients move on
        r = await client.post(
            f"/assisters/{ben['id']}/clients/transfer",
            json={"to_assister_id": quiet["id"], "reason": "Ben is on leave"},
            headers=admin,
        )
        assert r.status_code == 200, r.text
    with at(2026, 9, 3, 6):
        report = await sweep(date(2026, 9, 3))
        summarized = {a["id"] for a in report.examples("daily_summary")}
        assert summarized == {ana["id"], ben["id"]}
        again = await sweep(date(2026, 9, 3))
        assert again.count("daily_summary") == 0

    summaries = await Message.select().where(Message.template == "daily_summary")
    assert len(summaries) == 2
    by_assister = {m["assister"]: m for m in summaries}
    ana_body = by_assister[ana["id"]]["body"]
    assert "New requests (2)" in ana_body and "Carla Diaz" in ana_body and "Dev Patel" in ana_body
    assert "Confirmed you as their assister (1)" in ana_body
    assert "Transferred to another assister (1)" in ana_body
    assert "September 2, 2026" in by_assister[ana["id"]]["subject"]
    ben_body = by_assister[ben["id"]]["body"]
    assert "Transferred to you (1)" in ben_body
    assert "New requests (1)" in ben_body and "Eve Stone" in ben_body
    assert quiet["id"] not in by_assister  # what moved to Quiet moved on September 3
