"""Offers expire on time whoever looks, across restarts: an offer whose time ran out while
no server was running is expired, and the referral offered to the next broker, by the
round a freshly started ``serve`` runs (and not when the round is switched off)."""

import asyncio
from datetime import UTC, datetime, timedelta

from tests.e2e.test_referrals import ask, broker
from tests.helpers import load_sample_registry
from tests.server import running_server
from workflow.tables import Referral


async def broker_of(referral_id: int, wanted: int, seconds: float = 20) -> int | None:
    current = None
    for _ in range(int(seconds * 10)):
        row = await Referral.select(Referral.broker).where(Referral.id == referral_id).first()
        current = row["broker"]
        if current == wanted:
            break
        await asyncio.sleep(0.1)
    return current


async def test_a_new_server_expires_what_ran_out_while_it_was_down(client, admin, db):
    await load_sample_registry()
    first, _ = await broker(client, admin, "55401")
    second, _ = await broker(client, admin, "55101", "Saint Paul")
    referral = await ask(client, language="en")
    assert referral["broker_id"] == first["id"]
    # The offer's time ran out while nothing was running.
    past = datetime.now(UTC) - timedelta(minutes=1)
    await Referral.update({Referral.offer_expires_at: past}).where(Referral.id == referral["id"])

    with running_server(db.url, referral_interval_seconds="0"):
        assert await broker_of(referral["id"], second["id"], seconds=2) == first["id"]  # off
    with running_server(db.url):  # on by default: its first round runs at start
        assert await broker_of(referral["id"], second["id"]) == second["id"]
    row = await Referral.select().where(Referral.id == referral["id"]).first()
    assert row["state"] == "offered" and row["offers_made"] == 2
