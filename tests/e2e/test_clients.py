"""The assister's client list ("Client Requests"), the acknowledgement before private
details, and the CSV export."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
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
from workflow.tables import Association, History

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def book(client, admin, names=("Carla Diaz", "ann lee", "Bruno Silva")):
    """An assister with three clients requested a day apart, in the order given."""
    ana = await active_assister(client, admin)
    headers = await new_user_headers("assister", assister_id=ana["id"])
    clients = []
    for day, name in enumerate(names):
        consumer, cid = await new_consumer(name)
        with time_machine.travel(T0 + timedelta(days=day), tick=False):
            await associate(client, consumer, ana)
        clients.append((consumer, cid))
    return ana, headers, clients


async def listing(client, headers, assister_id, query=""):
    r = await client.get(f"/assisters/{assister_id}/clients?{query}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_list_columns_and_default_order(client, admin):
    ana, headers, clients = await book(client, admin)
    page = await listing(client, headers, ana["id"])
    assert page["total"] == 3 and page["state"] == "open"
    assert page["assister"] == {
        "id": ana["id"],
        "name": ana["name"],
        "state": "active",
        "can_act": True,
        "notice": None,
    }
    assert [i["name"] for i in page["items"]] == ["Bruno Silva", "ann lee", "Carla Diaz"]
    first = page["items"][-1]
    assert first["requested_at"] == "2026-03-02T09:00:00Z"
    assert first["status"] == "New" and first["application_status"] == "not_started"
    assert first["consumer_id"] == clients[0][1] and first["state"] == "confirmed"
    assert "email" not in first and "phone" not in first


@pytest.mark.parametrize(
    "query, expected",
    [
        ("sort=name&order=asc", ["ann lee", "Bruno Silva", "Carla Diaz"]),
        ("sort=name&order=desc", ["Carla Diaz", "Bruno Silva", "ann lee"]),
        ("sort=date_requested&order=asc", ["Carla Diaz", "ann lee", "Bruno Silva"]),
        ("sort=date_requested&order=desc", ["Bruno Silva", "ann lee", "Carla Diaz"]),
        # status sorts by its label, "In Progress" before "New"; then by date requested
        ("sort=status&order=asc", ["ann lee", "Carla Diaz", "Bruno Silva"]),
        ("sort=status&order=desc", ["Bruno Silva", "Carla Diaz", "ann lee"]),
    ],
)
async def test_sorting_both_directions(client, admin, query, expected):
    ana, headers, clients = await book(client, admin)
    ann = clients[1][1]
    await acknowledge(client, headers, ana["id"], ann)
    assert (await client.get(f"/assisters/{ana['id']}/clients/{ann}", headers=headers)).is_success
    page = await listing(client, headers, ana["id"], query)
    assert [i["name"] for i in page["items"]] == expected
    assert [page["sort"], page["order"]] == query.replace("sort=", "").split("&order=")


async def test_filter_by_state_and_paging(client, admin):
    ana, headers, clients = await book(client, admin, ["A One", "B Two", "C Three", "D Four"])
    pending_consumer, _ = await new_consumer("E Pending")
    await associate(client, pending_consumer, ana, confirm=False)
    await fire_association(
        client, clients[0][0], await _association_id(clients[0][1]), "disassociate"
    )
    assert (await listing(client, headers, ana["id"]))["total"] == 4  # open: 3 + 1 pending
    requested = await listing(client, headers, ana["id"], "state=requested")
    assert [i["name"] for i in requested["items"]] == ["E Pending"]
    ended = await listing(client, headers, ana["id"], "state=disassociated")
    assert [i["name"] for i in ended["items"]] == ["A One"]
    confirmed = await listing(client, headers, ana["id"], "state=confirmed&sort=name&order=asc")
    assert confirmed["total"] == 3
    page = await listing(client, headers, ana["id"], "sort=name&order=asc&limit=2&offset=2")
    assert page["total"] == 4 and [i["name"] for i in page["items"]] == ["D Four", "E Pending"]
    r = await client.get(f"/assisters/{ana['id']}/clients?sort=email", headers=headers)
    assert r.status_code == 400 and "sort" in r.json()["detail"]
    r = await client.get(f"/assisters/{ana['id']}/clients?state=lost", headers=headers)
    assert r.status_code == 400


async def _association_id(consumer_id: int) -> int:
    row = await Association.select(Association.id).where(Association.consumer == consumer_id)
    return row[0]["id"]


async def test_who_sees_which_list(client, admin):
    ana, headers, _ = await book(client, admin, ["Only One"])
    ben = await active_assister(client, admin, "Ben Okafor")
    ben_headers = await new_user_headers("assister", assister_id=ben["id"])
    assert (await listing(client, ben_headers, ben["id"]))["total"] == 0
    r = await client.get(f"/assisters/{ana['id']}/clients", headers=ben_headers)
    assert r.status_code == 404
    for staff in (admin, await new_user_headers("support")):
        assert (await listing(client, staff, ana["id"]))["total"] == 1
    consumer, _ = await new_consumer()
    assert (
        await client.get(f"/assisters/{ana['id']}/clients", headers=consumer)
    ).status_code == 403
    assert (await client.get("/assisters/9999/clients", headers=admin)).status_code == 404


async def test_details_need_the_acknowledgement_then_turn_in_progress(client, admin):
    ana, headers, clients = await book(client, admin, ["Maria Lopez"])
    cid = clients[0][1]
    url = f"/assisters/{ana['id']}/clients/{cid}"
    r = await client.get(url, headers=headers)
    assert r.status_code == 403
    assert f"POST /assisters/{ana['id']}/clients/{cid}/acknowledge" in r.json()["detail"]
    assert (await listing(client, headers, ana["id"]))["items"][0]["status"] == "New"

    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        ack = await acknowledge(client, headers, ana["id"], cid)
    assert ack["acknowledged_at"] == "2026-03-07T09:00:00Z"
    again = await acknowledge(client, headers, ana["id"], cid)
    assert again["acknowledged_at"] == ack["acknowledged_at"]  # recorded once
    history = await History.select().where(
        (History.machine == "association") & (History.event == "acknowledge")
    )
    assert len(history) == 1 and history[0]["actor"].startswith("assister-")

    details = await client.get(url, headers=headers)
    assert details.status_code == 200, details.text
    body = details.json()
    assert body["name"] == "Maria Lopez" and "email" in body
    assert body["association"]["status"] == "In Progress"
    assert (await listing(client, headers, ana["id"]))["items"][0]["status"] == "In Progress"


async def test_staff_look_without_changing_the_status(client, admin):
    ana, headers, clients = await book(client, admin, ["Maria Lopez"])
    r = await client.get(f"/assisters/{ana['id']}/clients/{clients[0][1]}", headers=admin)
    assert r.status_code == 200 and r.json()["association"]["status"] == "New"
    r = await client.post(
        f"/assisters/{ana['id']}/clients/{clients[0][1]}/acknowledge", headers=admin
    )
    assert r.status_code == 403


async def test_never_a_consumer_not_associated_with_them(client, admin):
    ana, headers, _ = await book(client, admin, ["Mine"])
    ben = await active_assister(client, admin, "Ben")
    stranger, stranger_id = await new_consumer("Stranger")
    await associate(client, stranger, ben)
    for path in (f"/{stranger_id}", f"/{stranger_id}/acknowledge"):
        method = client.post if path.endswith("acknowledge") else client.get
        r = await method(f"/assisters/{ana['id']}/clients{path}", headers=headers)
        assert r.status_code == 404, r.text
    former, former_id = await new_consumer("Former")
    done = await associate(client, former, ana)
    await fire_association(client, former, done["id"], "disassociate")
    r = await client.get(f"/assisters/{ana['id']}/clients/{former_id}", headers=headers)
    assert r.status_code == 404


async def test_pending_request_details_wait_for_the_consumers_confirmation(client, admin):
    ana = await active_assister(client, admin)
    headers = await new_user_headers("assister", assister_id=ana["id"])
    consumer, cid = await new_consumer("Pending Person")
    await associate(client, consumer, ana, confirm=False)
    r = await client.get(f"/assisters/{ana['id']}/clients/{cid}", headers=headers)
    assert r.status_code == 403 and "not yet confirmed" in r.json()["detail"]


async def test_a_lapsed_assister_is_marked_unable_to_act(client, admin):
    ana, headers, clients = await book(client, admin, ["Maria Lopez"])
    cid = clients[0][1]
    await acknowledge(client, headers, ana["id"], cid)
    await fire_ok(client, admin, ana["id"], "lapse", reason="missed October 31")
    page = await listing(client, headers, ana["id"])
    assert page["total"] == 1 and page["items"][0]["state"] == "confirmed"
    assert page["assister"]["can_act"] is False and "lapsed" in page["assister"]["notice"]
    r = await client.get(f"/assisters/{ana['id']}/clients/{cid}", headers=headers)
    assert r.status_code == 403 and "cannot act" in r.json()["detail"]


async def test_csv_export_of_the_book_of_business(client, admin):
    ana, headers, _ = await book(client, admin, ["Carla Diaz", "=HYPERLINK(1)", "ann lee"])
    r = await client.get(f"/assisters/{ana['id']}/clients/export", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["name"] for row in rows] == ["'=HYPERLINK(1)", "ann lee", "Carla Diaz"]
    assert rows[0]["status"] == "New" and rows[0]["state"] == "confirmed"
    assert set(rows[0]) >= {"association_id", "consumer_id", "requested_at", "application_status"}
    desc = await client.get(
        f"/assisters/{ana['id']}/clients/export?sort=date_requested&order=desc", headers=admin
    )
    assert [row["name"] for row in csv.DictReader(io.StringIO(desc.text))][0] == "ann lee"
    other = await new_user_headers(
        "assister", assister_id=(await active_assister(client, admin))["id"]
    )
    assert (
        await client.get(f"/assisters/{ana['id']}/clients/export", headers=other)
    ).status_code == 404
