"""E-mail delivery through a real local SMTP server (aiosmtpd), on both databases."""

import asyncio
import email
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import new_assister, walk_to
from workflow.services import outbox
from workflow.settings import get_settings
from workflow.tables import Message


class Inbox:
    def __init__(self):
        self.received: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port(monkeypatch):
    port = free_port()
    settings = replace(
        get_settings(),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_timeout_seconds=5,
        outbox_backoff_seconds=60,
        outbox_max_attempts=3,
        mail_from="program@example.gov",
    )
    monkeypatch.setattr(outbox, "get_settings", lambda: settings)
    return port


@pytest.fixture
def smtp_server(smtp_port):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield inbox
    controller.stop()


async def mail_something(client, admin) -> dict:
    """Registering writes the activation message to the mailbox (and the outbox)."""
    return await walk_to(client, admin, await new_assister(client, admin), "registered")


async def test_messages_are_emailed_once(client, admin, smtp_server):
    a = await mail_something(client, admin)
    report = await outbox.deliver_due()
    assert len(report.sent) == 1 and not report.retrying
    [received] = smtp_server.received
    assert received["To"] == a["email"]
    assert received["Subject"] == "Activate your assister account"
    assert a["reference_number"] in received.get_payload()
    assert received["Message-ID"] == f"<workflow-message-{report.sent[0]}@example.gov>"
    row = await Message.select().where(Message.id == report.sent[0]).first()
    assert row["delivery"] == "sent" and row["sent_at"] is not None
    again = await outbox.deliver_due()
    assert again.sent == [] and len(smtp_server.received) == 1  # never sent twice


async def test_smtp_down_keeps_the_message_and_retries_with_backoff(client, admin, smtp_port):
    await mail_something(client, admin)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    report = await outbox.deliver_due(now=now)
    [(message_id, error)] = report.retrying.items()
    assert "Connect" in error or "refused" in error.lower()
    row = await Message.select().where(Message.id == message_id).first()
    assert row["delivery"] == "pending" and row["attempts"] == 1
    assert row["next_attempt_at"] == now + timedelta(seconds=60)
    assert (await outbox.deliver_due(now=now + timedelta(seconds=30))).retrying == {}  # not due
    second = await outbox.deliver_due(now=now + timedelta(seconds=61))
    assert message_id in second.retrying
    row = await Message.select().where(Message.id == message_id).first()
    assert row["next_attempt_at"] == now + timedelta(seconds=61 + 120)  # doubled

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        later = await outbox.deliver_due(now=now + timedelta(seconds=400))
    finally:
        controller.stop()
    assert later.sent == [message_id] and len(inbox.received) == 1


async def test_gives_up_after_max_attempts_but_keeps_the_message(client, admin, smtp_port):
    await mail_something(client, admin)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for hour in range(3):
        await outbox.deliver_due(now=now + timedelta(hours=hour))
    row = await Message.select().first()
    assert row["delivery"] == "failed" and row["attempts"] == 3
    assert row["body"]  # still in the mailbox


async def test_two_workers_never_send_the_same_message(client, admin, smtp_server):
    for i in range(3):
        a = await new_assister(client, admin, email=f"w{i}@example.org")
        await walk_to(client, admin, a, "registered")
    reports = await asyncio.gather(*(outbox.deliver_due(limit=2) for _ in range(4)))
    sent = [i for r in reports for i in r.sent]
    while more := (await outbox.deliver_due()).sent:
        sent += more
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 3
    assert len(smtp_server.received) == 3
