"""Consumers: created with their login (API and CLI), reading their own record."""

from tests.e2e.test_cli import run_cli
from tests.helpers import (
    active_assister,
    associate,
    bearer,
    fire_ok,
    new_consumer,
    new_user_headers,
)
from workflow.tables import Account, Consumer


async def test_cli_creates_the_consumer_record_and_prints_the_token_last(client, db):
    done = run_cli(
        db,
        *("users", "create", "maria", "--role", "consumer", "--email", "maria@example.org"),
        *("--full-name", "Maria Lopez", "--phone", "612-555-0101", "--address", "1 Main St"),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    token = lines[-1]
    assert token.startswith("wf_")
    assert any("consumer record" in line for line in lines[:-1])
    row = await Consumer.select().first()
    account = await Account.select().where(Account.user == row["user"]).first()
    assert account["role"] == "consumer"
    assert (row["name"], row["email"], row["phone"], row["address"]) == (
        "Maria Lopez",
        "maria@example.org",
        "612-555-0101",
        "1 Main St",
    )
    assert row["application_status"] == "not_started"
    me = await client.get("/consumers/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == row["id"] and me.json()["name"] == "Maria Lopez"


async def test_cli_consumer_name_defaults_to_the_username(client, db):
    done = run_cli(db, "users", "create", "li.wei", "--role", "consumer")
    assert done.returncode == 0, done.stderr
    me = await client.get("/consumers/me", headers=bearer(done.stdout.strip().splitlines()[-1]))
    assert me.json()["name"] == "li.wei"


async def test_me_shows_record_current_assister_pending_requests_and_lock(client, admin):
    consumer, cid = await new_consumer("Maria Lopez", email="m@example.org")
    body = (await client.get("/consumers/me", headers=consumer)).json()
    assert body["id"] == cid and body["email"] == "m@example.org"
    assert body["current_association"] is None and body["pending_requests"] == []
    assert body["application_lock"]["held"] is False
    ana = await active_assister(client, admin, "Ana Torres", phone="612-555-0199")
    ben = await active_assister(client, admin, "Ben Okafor")
    await associate(client, consumer, ana)
    await associate(client, consumer, ben, confirm=False)
    body = (await client.get("/consumers/me", headers=consumer)).json()
    current = body["current_association"]
    assert current["state"] == "confirmed" and current["assister"]["name"] == "Ana Torres"
    assert current["assister"]["phone"] == "612-555-0199"
    assert current["assister"]["can_act"] is True and current["assister"]["notice"] is None
    assert [p["assister"]["name"] for p in body["pending_requests"]] == ["Ben Okafor"]


async def test_me_says_when_the_assister_cannot_act(client, admin):
    consumer, _ = await new_consumer()
    ana = await active_assister(client, admin, "Ana Torres")
    await associate(client, consumer, ana)
    await fire_ok(client, admin, ana["id"], "lapse", reason="missed October 31")
    current = (await client.get("/consumers/me", headers=consumer)).json()["current_association"]
    assert current["state"] == "confirmed"  # stays associated
    assert current["assister"]["can_act"] is False
    assert "lapsed" in current["assister"]["notice"]


async def test_me_is_for_consumers_only(client, admin):
    assert (await client.get("/consumers/me")).status_code == 401
    support = await new_user_headers("support")
    assert (await client.get("/consumers/me", headers=support)).status_code == 403
    assert (await client.get("/consumers/me", headers=admin)).status_code == 403
