"""The assister of record over time: association periods written by the association's
events (request, confirm, replace, transfer, disassociate, expiry), read by date, exported
as CSV, and rebuilt from history for associations made before periods were kept."""

import csv
import importlib
import io
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
from workflow.tables import AssociationPeriod


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def record_on(client, headers, consumer_id, day):
    r = await client.get(f"/consumers/{consumer_id}/assister-of-record?on={day}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def confirmed(record):
    return [(p["assister_name"], p["ended_how"]) for p in record["periods"]
            if p["stage"] == "confirmed"]  # fmt: skip


def holder(record):
    held = record["assister_of_record"]
    return held and held["assister_name"]


async def test_periods_through_confirm_replace_transfer_and_end(client, admin):
    with at(2026, 3, 1):
        ana = await active_assister(client, admin, name="Ana Torres")
        ben = await active_assister(client, admin, name="Ben Okafor")
        cruz = await active_assister(client, admin, name="Cruz Diaz")
        consumer, cid = await new_consumer()
        first = await associate(client, consumer, ana, confirm=False)
    with at(2026, 3, 2):
        r = await fire_association(client, consumer, first["id"], "confirm")
        assert r.status_code == 200, r.text
    with at(2026, 3, 5):
        await associate(client, consumer, ben)  # replaces Ana
    with at(2026, 3, 8):
        r = await client.post(f"/assisters/{ben['id']}/clients/transfer",
                              json={"to_assister_id": cruz["id"], "reason": "Ben retires"},
                              headers=admin)  # fmt: skip
        assert r.status_code == 200, r.text
    with at(2026, 3, 10):
        me = (await client.get("/consumers/me", headers=consumer)).json()
        current = me["current_association"]["id"]
        r = await fire_association(client, consumer, current, "disassociate")
        assert r.status_code == 200, r.text

    day1 = await record_on(client, admin, cid, "2026-03-01")
    assert holder(day1) is None  # only asked, not yet confirmed
    assert [(p["stage"], p["assister_name"]) for p in day1["periods"]] == [
        ("requested", "Ana Torres")
    ]
    assert holder(await record_on(client, admin, cid, "2026-03-03")) == "Ana Torres"
    replaced = await record_on(client, admin, cid, "2026-03-05")
    assert holder(replaced) == "Ben Okafor"
    # Each period says how it ended in the end: Ben's later, by the transfer.
    assert confirmed(replaced) == [("Ana Torres", "replaced"), ("Ben Okafor", "transferred")]
    assert holder(await record_on(client, admin, cid, "2026-03-06")) == "Ben Okafor"
    transfer_day = await record_on(client, admin, cid, "2026-03-08")
    assert confirmed(transfer_day) == [("Ben Okafor", "transferred"), ("Cruz Diaz", "consumer")]
    assert holder(transfer_day) == "Cruz Diaz"
    assert holder(await record_on(client, admin, cid, "2026-03-09")) == "Cruz Diaz"
    last_day = await record_on(client, admin, cid, "2026-03-10")
    assert holder(last_day) is None and last_day["periods"][-1]["ended_how"] == "consumer"
    assert (await record_on(client, admin, cid, "2026-03-11"))["periods"] == []
    # The consumer reads their own; nobody else but staff.
    assert holder(await record_on(client, consumer, cid, "2026-03-06")) == "Ben Okafor"
    other, _ = await new_consumer(name="Other")
    r = await client.get(f"/consumers/{cid}/assister-of-record?on=2026-03-06", headers=other)
    assert r.status_code == 404

    # The transfer never rewrote Ben's period: it still names Ben, from 5 to 8 March.
    bens = await AssociationPeriod.select().where(
        (AssociationPeriod.assister == ben["id"]) & (AssociationPeriod.stage == "confirmed")
    )
    assert len(bens) == 1
    assert bens[0]["started_at"].date() == date(2026, 3, 5)
    assert bens[0]["ended_at"].date() == date(2026, 3, 8)

    # Books by date: Ben's on the 6th, Cruz's on the 9th, staff and the assister alike.
    ben_headers = await new_user_headers("assister", assister_id=ben["id"])
    r = await client.get(f"/assisters/{ben['id']}/book?on=2026-03-06", headers=ben_headers)
    assert r.status_code == 200, r.text
    assert [p["consumer_id"] for p in r.json()["periods"]] == [cid]
    r = await client.get(f"/assisters/{ben['id']}/book?on=2026-03-09", headers=admin)
    assert r.json()["periods"] == []
    r = await client.get(f"/assisters/{cruz['id']}/book?on=2026-03-09", headers=ben_headers)
    assert r.status_code == 404  # not his book


async def test_support_end_and_expiry_say_how(client, admin):
    with at(2026, 9, 1, 10):
        ana = await active_assister(client, admin, name="Ana Torres")
        consumer, cid = await new_consumer()
        link = await associate(client, consumer, ana)
        waiting, wid = await new_consumer(name="Waiting")
        await associate(client, waiting, ana, confirm=False)
    with at(2026, 9, 3):
        support = await new_user_headers("support")
        r = await fire_association(client, support, link["id"], "disassociate",
                                   reason="assister asked")  # fmt: skip
        assert r.status_code == 200, r.text
    with at(2026, 10, 2):
        assert (await sweep(date(2026, 10, 2))).count("expire_requests") == 1
    ended = await record_on(client, admin, cid, "2026-09-03")
    assert [p["ended_how"] for p in ended["periods"]] == ["support"]
    expired = await record_on(client, admin, wid, "2026-10-02")
    assert [(p["stage"], p["ended_how"]) for p in expired["periods"]] == [("requested", "expired")]


async def test_csv_report_and_bad_input(client, admin):
    with at(2026, 4, 1):
        ana = await active_assister(client, admin, name="=Ana Torres")
        consumer, cid = await new_consumer()
        await associate(client, consumer, ana)
    url = "/reports/assister-of-record.csv"
    r = await client.get(f"{url}?from=2026-04-01&to=2026-04-30", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(row["stage"], row["ended_how"]) for row in rows] == [
        ("requested", "confirmed"),
        ("confirmed", ""),
    ]
    assert rows[0]["assister_name"] == "'=Ana Torres"  # never a formula
    org = ana["organization_id"]
    r = await client.get(
        f"{url}?organization_id={org}&from=2026-04-01&to=2026-04-01", headers=admin
    )
    assert len(list(csv.DictReader(io.StringIO(r.text)))) == 2
    r = await client.get(f"{url}?from=2026-03-01&to=2026-03-31", headers=admin)
    assert list(csv.DictReader(io.StringIO(r.text))) == []  # before it began
    r = await client.get(f"{url}?from=2027-05-01&to=2027-05-31", headers=admin)
    assert len(list(csv.DictReader(io.StringIO(r.text)))) == 1  # still open: confirmed
    r = await client.get(f"{url}?from=2026-05-31&to=2026-05-01", headers=admin)
    assert r.status_code == 400 and "swap" in r.json()["detail"]
    r = await client.get(f"{url}?organization_id=999999&from=2026-05-01&to=2026-05-31",
                         headers=admin)  # fmt: skip
    assert r.status_code == 404
    r = await client.get(f"/consumers/{cid}/assister-of-record?on=March", headers=admin)
    assert r.status_code == 400
    r = await client.get(f"{url}?from=2026-04-01&to=2026-04-30", headers=consumer)
    assert r.status_code == 403


async def test_migration_rebuilds_periods_from_history(client, admin):
    backfill = importlib.import_module(
        "workflow.piccolo_migrations.workflow_2026_11_29t17_31_00_000000"
    ).backfill
    with at(2026, 5, 1):
        ana = await active_assister(client, admin, name="Ana Torres")
        ben = await active_assister(client, admin, name="Ben Okafor")
        consumer, cid = await new_consumer()
        link = await associate(client, consumer, ana)
        waiting, _ = await new_consumer(name="Waiting")
        await associate(client, waiting, ben, confirm=False)
    with at(2026, 5, 3):
        body = {"to_assister_id": ben["id"], "reason": "moved"}
        await client.post(f"/assisters/{ana['id']}/clients/transfer", json=body, headers=admin)
    with at(2026, 5, 4):
        await associate(client, consumer, ana)  # replaces Ben
    with at(2026, 5, 6):
        support = await new_user_headers("support")
        me = (await client.get("/consumers/me", headers=consumer)).json()
        await fire_association(client, support, me["current_association"]["id"], "disassociate",
                               reason="asked")  # fmt: skip
    assert link["id"]

    def shape(rows):
        keys = ("association", "consumer", "assister", "stage", "started_at", "ended_at",
                "ended_how")  # fmt: skip
        return sorted(tuple(r[k] for k in keys) for r in rows)

    written = shape(await AssociationPeriod.select())
    assert {r[-1] for r in written} == {"confirmed", "transferred", "replaced", "support", None}
    await AssociationPeriod.delete(force=True)
    await backfill()
    assert shape(await AssociationPeriod.select()) == written
