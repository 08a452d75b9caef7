"""Brokers whose NPN is valid but who are still "Not an Agent Broker" are reminded to
choose an Agent Broker role, at most once every ``role_reminder_days`` days."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import (
    NO_LICENSE,
    VALID,
    fire_ok,
    fire_validation,
    load_sample_registry,
    new_broker,
    patch_profile,
)
from workflow.messaging.mailbox import render_message
from workflow.tables import Message
from workflow.validations.role_reminders import send_role_reminders

T0 = datetime(2026, 11, 23, 14, tzinfo=UTC)


@pytest.fixture
async def registry(db):
    await load_sample_registry()


async def not_agent_broker(client, admin, producer=VALID) -> dict:
    broker = await new_broker(client, admin, producer)
    r = await patch_profile(client, admin, broker["id"], marketplace_role="not_agent_broker")
    assert r.status_code == 200, r.text
    return broker


async def test_reminded_once_per_interval_until_they_choose(client, admin, registry):
    broker = await not_agent_broker(client, admin)
    assert await send_role_reminders(T0) == 1
    assert await send_role_reminders(T0 + timedelta(days=1)) == 0  # no spam
    assert await send_role_reminders(T0 + timedelta(days=2, hours=23)) == 0
    assert await send_role_reminders(T0 + timedelta(days=3)) == 1  # the default: 3 days
    messages = await Message.select().where(Message.assister == broker["id"])
    assert [m["template"] for m in messages] == ["choose_agent_broker_role"] * 2
    assert messages[0]["subject"] == "Choose an Agent Broker role to take part in the Marketplace"
    assert "every 3 days" in messages[0]["body"]
    await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    assert await send_role_reminders(T0 + timedelta(days=30)) == 0


async def test_only_valid_brokers_still_not_agent_broker_are_reminded(client, admin, registry):
    await not_agent_broker(client, admin, NO_LICENSE)  # still stuck: nothing to choose yet
    chose = await new_broker(client, admin, VALID)
    await patch_profile(client, admin, chose["id"], marketplace_role="shop")
    left = await not_agent_broker(client, admin)
    await fire_ok(client, admin, left["id"], "deactivate", reason="left the program")
    assert await send_role_reminders(T0) == 0
    assert await Message.count() == 0


async def test_the_interval_is_a_setting_and_runs_do_not_double_up(client, admin, registry):
    await not_agent_broker(client, admin)
    await not_agent_broker(client, admin)
    sent = await asyncio.gather(*(send_role_reminders(T0, every_days=7) for _ in range(3)))
    assert sum(sent) == 2 and await Message.count() == 2
    assert await send_role_reminders(T0 + timedelta(days=6), every_days=7) == 0
    assert await send_role_reminders(T0 + timedelta(days=7), every_days=7) == 2


def test_the_reminder_exists_in_english_and_spanish():
    context = {"assister": {"name": "Ana Torres"}, "every_days": 3}
    subject_en, body_en = render_message("choose_agent_broker_role", "en", context)
    subject_es, body_es = render_message("choose_agent_broker_role", "es", context)
    assert "Agent Broker" in subject_en and "Agente o Corredor" in subject_es
    assert "Ana Torres" in body_es and "cada 3 días" in body_es
    assert "SHOP" in body_en and "SHOP" in body_es


async def test_a_valid_broker_who_never_chose_a_role_is_reminded_too(client, admin, registry):
    broker = await new_broker(client, admin, VALID)  # onboarded without a marketplace role
    r = await fire_validation(client, admin, broker["id"], "revalidate")
    assert r.json()["state"] == "valid"
    assert (await client.get(f"/assisters/{broker['id']}", headers=admin)).json()[
        "marketplace_role"
    ] is None
    assert await send_role_reminders(T0) == 1
    assert await send_role_reminders(T0 + timedelta(days=1)) == 0  # same interval
    message = (await Message.select().where(Message.assister == broker["id"]))[0]
    assert "You have not chosen a marketplace role yet" in message["body"]
    assert "still" not in message["body"].split("\n\n")[1]
    await patch_profile(client, admin, broker["id"], marketplace_role="both")
    assert await send_role_reminders(T0 + timedelta(days=30)) == 0


def test_the_spanish_reminder_says_no_role_was_chosen():
    context = {"assister": {"name": "Ana Torres"}, "every_days": 3, "role_chosen": False}
    _, body = render_message("choose_agent_broker_role", "es", context)
    assert "Todavía no ha elegido un rol" in body and "sigue siendo" not in body
    _, body = render_message("choose_agent_broker_role", "es", {**context, "role_chosen": True})
    assert "sigue siendo" in body
