"""Help On Demand referrals: offered to the best-matched broker (language, distance,
fewest open offers), accepted or declined by that broker only, expired on time by the
scheduler's round and offered to the next, unmatched after the most offers or when no
broker matches (the staff queue), never offered to two brokers at once."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import time_machine

from tests.helpers import (
    VALID,
    fire_association,
    fire_ok,
    latest_registration_number,
    load_sample_registry,
    new_consumer,
    new_user_headers,
    registered_broker,
)
from workflow.core.settings import get_settings
from workflow.referrals import binding
from workflow.referrals.binding import offer_next
from workflow.referrals.service import referral_round
from workflow.tables import Message, Referral, ReferralOffer

T0 = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


async def broker(client, admin, zip, city="Minneapolis", languages=("en",)):
    """An active broker at ``zip`` who takes referrals; (row, bearer headers)."""
    b = await registered_broker(client, admin, VALID)
    number = await latest_registration_number(client, admin, b["id"])
    await fire_ok(client, admin, b["id"], "activate",
                  data={"registration_number": number, "email": b["email"]})  # fmt: skip
    address = {"street": "1 Main St", "city": city, "state": "MN", "zip": zip}
    r = await client.patch(f"/assisters/{b['id']}", json={"address": address}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.put(f"/assisters/{b['id']}/directory",
                         json={"languages": list(languages), "accepts_referrals": True},
                         headers=admin)  # fmt: skip
    assert r.status_code == 200, r.text
    return b, await new_user_headers("assister", assister_id=b["id"])


async def ask(client, headers=None, **body):
    base = {"name": "María López", "zip": "55401", "language": "es", "phone": "555-0100",
            "email": "maria@example.org", "consent": True}  # fmt: skip
    r = await client.post("/referrals", json={**base, **body}, headers=headers or {})
    assert r.status_code == 201, r.text
    return r.json()


async def event(client, headers, referral_id, name, **body):
    return await client.post(f"/referrals/{referral_id}/events/{name}", json=body,
                             headers=headers)  # fmt: skip


async def offers(referral_id):
    return (
        await ReferralOffer.select()
        .where(ReferralOffer.referral == referral_id)
        .order_by(ReferralOffer.id)
    )


async def test_accept_gives_contact_and_a_request_to_confirm(client, admin):
    await load_sample_registry()
    with at(T0):
        speaks_es, es_headers = await broker(client, admin, "55101", "Saint Paul", ("en", "es"))
        nearer, nearer_headers = await broker(client, admin, "55401")
        consumer, cid = await new_consumer(name="María López")
        referral = await ask(client, consumer)
    # Language first: the Spanish speaker, though the other is nearer.
    assert referral["state"] == "offered" and referral["broker_id"] == speaks_es["id"]
    seen = (await client.get(f"/referrals/{referral['id']}", headers=es_headers)).json()
    assert seen["phone"] is None and seen["email"] is None  # not before accepting
    assert seen["your_events"] == ["accept", "decline"]
    r = await client.get(f"/referrals/{referral['id']}", headers=nearer_headers)
    assert r.status_code == 404
    r = await event(client, nearer_headers, referral["id"], "accept")
    assert r.status_code == 404  # offered to someone else
    r = await event(client, admin, referral["id"], "accept")
    assert r.status_code == 403 and "only the broker" in r.json()["detail"]
    listed = await client.get(f"/assisters/{speaks_es['id']}/referrals", headers=es_headers)
    assert [x["id"] for x in listed.json()] == [referral["id"]]

    with at(T0 + timedelta(minutes=5)):
        r = await event(client, es_headers, referral["id"], "accept")
    assert r.status_code == 200, r.text
    seen = (await client.get(f"/referrals/{referral['id']}", headers=es_headers)).json()
    assert seen["state"] == "accepted" and seen["phone"] == "555-0100"
    association = seen["association_id"]
    r = await fire_association(client, consumer, association, "confirm")
    assert r.status_code == 200, r.text
    me = (await client.get("/consumers/me", headers=consumer)).json()
    assert me["current_association"]["assister_id"] == speaks_es["id"]
    [offer] = await offers(referral["id"])
    assert offer["outcome"] == "accepted" and offer["ended_at"] is not None
    mail = (
        await Message.select(Message.template, Message.subject, Message.body)
        .where(Message.template.like("referral_%"))
        .order_by(Message.id)
    )
    by_template = {m["template"]: m for m in mail}
    assert sorted(by_template) == ["referral_accepted", "referral_found", "referral_offered"]
    assert len(mail) == 3 and "555-0100" in by_template["referral_accepted"]["body"]
    assert by_template["referral_found"]["subject"].endswith("le ayudará")  # in Spanish


async def test_decline_moves_on_then_the_staff_queue(client, admin):
    await load_sample_registry()
    first, first_headers = await broker(client, admin, "55401")
    second, second_headers = await broker(client, admin, "55101", "Saint Paul")
    referral = await ask(client, language="en")  # not signed in
    assert referral["broker_id"] == first["id"]
    r = await event(client, first_headers, referral["id"], "decline")
    assert r.status_code == 200, r.text
    now = (await client.get(f"/referrals/{referral['id']}", headers=admin)).json()
    assert now["state"] == "offered" and now["broker_id"] == second["id"]
    r = await client.get(f"/referrals/{referral['id']}", headers=first_headers)
    assert r.status_code == 404  # declined: no longer theirs
    r = await event(client, second_headers, referral["id"], "decline")
    assert r.status_code == 200, r.text
    queue = (await client.get("/referrals?state=unmatched", headers=admin)).json()
    assert [x["id"] for x in queue["items"]] == [referral["id"]]
    item = queue["items"][0]
    assert "no active broker" in item["unmatched_reason"]
    assert [(o["broker_id"], o["outcome"]) for o in item["offers"]] == [
        (first["id"], "declined"),
        (second["id"], "declined"),
    ]
    assert all(o["offered_at"] and o["expires_at"] and o["ended_at"] for o in item["offers"])
    [told] = await Message.select().where(Message.template == "referral_unmatched")
    assert told["consumer"] is None and told["recipient_email"] == "maria@example.org"
    # Staff put it back once another broker joins.
    third, _ = await broker(client, admin, "55402")
    support = await new_user_headers("support")
    r = await event(client, support, referral["id"], "retry", reason="a broker joined")
    assert r.status_code == 200, r.text
    now = (await client.get(f"/referrals/{referral['id']}", headers=admin)).json()
    assert now["state"] == "offered" and now["broker_id"] == third["id"]


async def test_an_offer_expires_on_time_and_goes_to_the_next(client, admin):
    await load_sample_registry()
    with at(T0):
        first, first_headers = await broker(client, admin, "55401")
        second, _ = await broker(client, admin, "55101", "Saint Paul")
        referral = await ask(client, language="en")
    minutes = get_settings().referral_accept_minutes
    with at(T0 + timedelta(minutes=minutes - 1)):
        assert (await referral_round())["expired"] == []
        r = await event(client, admin, referral["id"], "expire")
        assert r.status_code == 403  # the service expires offers, nobody else
    with at(T0 + timedelta(minutes=minutes, seconds=1)):
        assert (await referral_round())["expired"] == [referral["id"]]
        r = await event(client, first_headers, referral["id"], "accept")
        assert r.status_code == 404  # too late: it is someone else's now
    now = (await client.get(f"/referrals/{referral['id']}", headers=admin)).json()
    assert now["broker_id"] == second["id"] and now["offers_made"] == 2
    assert [o["outcome"] for o in now["offers"]] == ["expired", None]


async def test_most_offers_then_unmatched_and_no_match_at_all(client, admin, monkeypatch):
    await load_sample_registry()
    settings = replace(get_settings(), referral_max_offers=2)
    monkeypatch.setattr(binding, "get_settings", lambda: settings)
    for zip in ("55401", "55402", "55403"):
        await broker(client, admin, zip)
    referral = await ask(client, language="en")
    for _ in range(2):
        current = (await client.get(f"/referrals/{referral['id']}", headers=admin)).json()
        headers = await new_user_headers("assister", assister_id=current["broker_id"])
        assert (await event(client, headers, referral["id"], "decline")).status_code == 200
    done = (await client.get(f"/referrals/{referral['id']}", headers=admin)).json()
    assert done["state"] == "unmatched" and "offered to 2 brokers" in done["unmatched_reason"]
    # Far away from every broker: unmatched at once.
    far = await ask(client, zip="97201", language="en")
    assert far["state"] == "unmatched" and far["offers_made"] == 0


async def test_refusals_say_what_to_do(client, admin):
    for body, words in [
        ({"zip": "00000"}, "is not a US ZIP code"),
        ({"phone": None, "email": None}, "give a phone number or an e-mail"),
        ({"email": "not-an-address"}, "is not an e-mail address"),
        ({"name": "  "}, "give your name"),
    ]:
        base = {"name": "Ana", "zip": "55401", "language": "en", "phone": "555", "consent": True}
        r = await client.post("/referrals", json={**base, **body})
        assert r.status_code == 400 and words in r.json()["detail"], r.text
    r = await client.post("/referrals", json={"name": "Ana", "zip": "55401", "phone": "555"})
    assert r.status_code == 422 and "consent" in r.json()["detail"]
    assert await Referral.count() == 0


async def test_two_brokers_race_for_one_offer(client, admin):
    await load_sample_registry()
    with at(T0):
        first, first_headers = await broker(client, admin, "55401")
        second, second_headers = await broker(client, admin, "55101", "Saint Paul")
        consumer, _ = await new_consumer()
        referral = await ask(client, consumer, language="en")
        rid = referral["id"]
        # Both brokers press Accept at once: only the one it is offered to gets it.
        a, b = await asyncio.gather(
            event(client, first_headers, rid, "accept"),
            event(client, second_headers, rid, "accept"),
        )
    assert (a.status_code, b.status_code) == (200, 404)
    row = await Referral.select().where(Referral.id == rid).first()
    assert row["state"] == "accepted" and row["broker"] == first["id"]

    # The offered broker accepts just as the offer expires: exactly one of the two wins,
    # and the referral is never offered to two brokers at once.
    with at(T0):
        other = await ask(client, consumer, language="en")
    assert other["broker_id"] == first["id"]
    with at(T0 + timedelta(minutes=get_settings().referral_accept_minutes, seconds=1)):
        accepted, swept = await asyncio.gather(
            event(client, first_headers, other["id"], "accept"), referral_round()
        )
    row = await Referral.select().where(Referral.id == other["id"]).first()
    rows = await offers(other["id"])
    assert sum(1 for o in rows if o["outcome"] is None) <= 1
    if accepted.status_code == 200:
        assert row["state"] == "accepted" and swept["expired"] == []
        assert [o["outcome"] for o in rows] == ["accepted"]
    else:
        assert accepted.status_code in (404, 409), accepted.text
        assert swept["expired"] == [other["id"]] and row["broker"] == second["id"]
        assert [o["outcome"] for o in rows] == ["expired", None]


async def test_one_waiting_referral_is_offered_once(client, admin):
    await load_sample_registry()
    await broker(client, admin, "55401")
    await broker(client, admin, "55402")
    now = datetime.now(UTC)
    rows = await Referral.insert(
        Referral(
            name="Ana",
            zip="55401",
            language="en",
            phone="555",
            consent_at=now,
            created_at=now,
            updated_at=now,
        )  # fmt: skip
    )
    rid = rows[0]["id"]
    await asyncio.gather(offer_next(rid), offer_next(rid), referral_round())
    row = await Referral.select().where(Referral.id == rid).first()
    assert row["state"] == "offered" and row["offers_made"] == 1
    assert len(await offers(rid)) == 1


async def test_requests_are_limited_per_address_with_a_clear_429(client, admin):
    """Ten Help On Demand requests per client address per five minutes, counted in the
    database (login_attempts, shared by every server process); the eleventh is a 429
    saying when to try again, with Retry-After, and creates nothing."""
    limit = get_settings().referral_rate_limit
    with at(T0):
        for _ in range(limit):
            await ask(client, zip="97201", language="en")  # far from brokers: unmatched
        r = await client.post("/referrals", json={"name": "Ana", "zip": "55401",
                                                  "phone": "555", "consent": True})  # fmt: skip
    assert r.status_code == 429, r.text
    body = r.json()
    assert body["retry_after"] == 301 and r.headers["retry-after"] == "301"
    assert "try again in 301 seconds" in body["detail"] and "Help On Demand" in body["detail"]
    assert await Referral.count() == limit
    with at(T0 + timedelta(minutes=5, seconds=1)):
        assert (await ask(client, zip="97201", language="en"))["state"] == "unmatched"
    document = (await client.get("/schema/openapi.json")).json()
    documented = document["paths"]["/referrals"]["post"]["responses"]
    assert "retry_after" in documented["429"]["description"]
