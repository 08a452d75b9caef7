"""E-mail delivery through a real local SMTP server (aiosmtpd), on both databases."""

import asyncio
import email
import os
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from tests.helpers import new_assister, walk_to
from workflow.core.settings import get_settings
from workflow.messaging import outbox
from workflow.tables import Message


class Inbox:
    def __init__(self, delay: float = 0):
        self.received: list[email.message.Message] = []
        self.delay = delay  # a slow server: seconds before answering DATA

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.received]


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


def configure(monkeypatch, **changes):
    """Change the outbox's settings for one test (on top of the ``smtp_port`` fixture's)."""
    settings = replace(outbox.get_settings(), **changes)
    monkeypatch.setattr(outbox, "get_settings", lambda: settings)
    return settings


async def queue(recipient: str, subject: str = "Hello") -> int:
    """A message straight into the outbox (as rows written before addresses were checked)."""
    [row] = await Message.insert(
        Message(
            recipient_email=recipient,
            template="test",
            subject=subject,
            body="Body text",
            created_at=datetime.now(UTC),
        )
    ).returning(Message.id)
    return row["id"]


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


async def test_an_outage_never_uses_up_a_message(client, admin, smtp_port):
    """However long the server is down, the message stays pending: retried with doubling
    delays up to 6 hours apart, then every 6 hours, and sent once the server is back."""
    await mail_something(client, admin)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for _ in range(20):  # far beyond outbox_max_attempts (3); about 4 days of outage
        report = await outbox.deliver_due(now=now)
        assert len(report.retrying) == 1 and not report.failed
        row = await Message.select().first()
        tried, now = now, row["next_attempt_at"]
    assert row["delivery"] == "pending" and row["attempts"] == 20 and row["refusals"] == 0
    assert now - tried == timedelta(hours=6)  # capped, and still trying

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        later = await outbox.deliver_due(now=now)
    finally:
        controller.stop()
    assert later.sent == [row["id"]] and len(inbox.received) == 1


class Refusing(Inbox):
    """A server that refuses some recipients: 5xx (never) or 4xx (not now)."""

    def __init__(self, answers: dict[str, str]):
        super().__init__()
        self.answers = answers

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_permanent_refusals_fail_the_message_and_temporary_ones_do_not(db, smtp_port):
    refused = await queue("nobody@example.org")
    later = await queue("greylisted@example.org")
    fine = await queue("someone@example.org")
    inbox = Refusing(
        {
            "nobody@example.org": "550 5.1.1 no such mailbox",
            "greylisted@example.org": "451 4.7.1 try again later",
        }
    )
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    try:
        for hour in range(5):  # every message is due again each hour
            report = await outbox.deliver_due(now=now + timedelta(hours=hour))
            if hour == 0:
                assert report.sent == [fine]
            if hour < 2:
                assert "550" in report.retrying[refused]
            if hour == 2:
                assert "550" in report.failed[refused]
            assert "451" in report.retrying[later]
    finally:
        controller.stop()
    rows = {r["id"]: r for r in await Message.select()}
    assert rows[refused]["delivery"] == "failed" and rows[refused]["refusals"] == 3
    assert "no such mailbox" in rows[refused]["last_error"] and rows[refused]["body"]
    assert rows[later]["delivery"] == "pending" and rows[later]["refusals"] == 0
    assert rows[later]["attempts"] == 5
    assert [m["To"] for m in inbox.received] == ["someone@example.org"]


async def test_requeue_failed_puts_failed_messages_back(db, smtp_port):
    message = await queue("moved@example.org")
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    inbox = Refusing({"moved@example.org": "550 5.1.1 no such mailbox"})
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        for hour in range(3):
            await outbox.deliver_due(now=now + timedelta(hours=hour))
    finally:
        controller.stop()
    assert (await Message.select().first())["delivery"] == "failed"
    assert await outbox.requeue_failed() == [message]
    assert await outbox.requeue_failed() == []  # nothing failed any more
    row = await Message.select().first()
    assert row["delivery"] == "pending" and row["refusals"] == 0
    assert row["next_attempt_at"] is None and row["attempts"] == 3

    inbox = Inbox()  # the mailbox exists now
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        report = await outbox.deliver_due(now=now + timedelta(hours=3))
    finally:
        controller.stop()
    assert report.sent == [message] and len(inbox.received) == 1


async def test_cli_retry_failed_requeues_and_sends(db, smtp_server):
    message = await queue("again@example.org")
    await Message.update({Message.delivery: "failed", Message.refusals: 3}).where(
        Message.id == message
    )
    settings = outbox.get_settings()
    env = {
        **os.environ,
        "WORKFLOW_DATABASE_URL": db.url,
        "WORKFLOW_SMTP_HOST": settings.smtp_host,
        "WORKFLOW_SMTP_PORT": str(settings.smtp_port),
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "workflow.cli.main", "outbox", "--retry-failed", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "requeued 1 failed message(s)",
        "sent 1, retrying 0, failed 0",
    ]
    assert [m["To"] for m in smtp_server.received] == ["again@example.org"]
    assert (await Message.select().first())["delivery"] == "sent"


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


async def test_a_message_that_cannot_be_built_fails_alone(db, smtp_server):
    poison = await queue("a@b.c\nBcc: x@y.z")  # the oldest: claimed first
    good = [await queue(f"good{i}@example.org") for i in range(3)]
    report = await outbox.deliver_due()
    assert report.sent == good and len(smtp_server.received) == 3
    assert "linefeed" in report.failed[poison] and "cannot build" in report.failed[poison]
    row = await Message.select().where(Message.id == poison).first()
    assert row["delivery"] == "failed" and "cannot build" in row["last_error"]
    assert row["body"]  # still in the mailbox
    assert [m["To"] for m in smtp_server.received] == [f"good{i}@example.org" for i in range(3)]
    assert (await outbox.deliver_due()).failed == {}  # not retried


async def test_an_unexpected_error_on_one_message_does_not_stop_the_others(
    db, smtp_server, monkeypatch
):
    first, second = await queue("one@example.org"), await queue("two@example.org")
    real_send = outbox.send

    async def flaky(email, settings):
        if email["To"] == "one@example.org":
            raise RuntimeError("a bug in a library")
        await real_send(email, settings)

    monkeypatch.setattr(outbox, "send", flaky)
    report = await outbox.deliver_due()
    assert report.sent == [second] and "RuntimeError" in report.retrying[first]
    row = await Message.select().where(Message.id == first).first()
    assert row["delivery"] == "pending" and row["claimed_until"] is None


async def test_a_batch_longer_than_the_lease_sends_each_message_once(db, smtp_port, monkeypatch):
    """Each message is claimed just before it is sent, so a second worker starting while
    the first is still busy with a long batch (longer than a lease) takes only what
    nobody holds."""
    configure(monkeypatch, outbox_lease_seconds=1)
    ids = [await queue(f"slow{i}@example.org") for i in range(5)]
    inbox = Inbox(delay=0.35)  # the batch takes about 1.75 s; the lease is 1 s
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:

        async def second_worker():
            await asyncio.sleep(1.1)  # after the first worker's first lease ran out
            return await outbox.deliver_due()

        first, second = await asyncio.gather(outbox.deliver_due(), second_worker())
    finally:
        controller.stop()
    assert second.sent  # the second worker did help
    assert sorted(first.sent + second.sent) == ids
    assert sorted(inbox.message_ids()) == sorted(set(inbox.message_ids()))
    assert len(inbox.received) == 5
    rows = await Message.select(Message.delivery, Message.attempts)
    assert {r["delivery"] for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}


async def test_a_worker_that_lost_its_claim_does_not_write_the_outcome(
    db, smtp_server, monkeypatch
):
    """Worker A's send outlives its lease; worker B claims the message and sends it.
    A's late answer must not touch the message: it is B's now."""
    message = await queue("late@example.org")
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    lease = timedelta(seconds=get_settings().outbox_lease_seconds)
    real_send = outbox.send
    reports = {}

    async def slow_then_fail(email, settings):
        if not reports:  # A's send: B runs while it is "on the wire"
            reports["a"] = "sending"
            reports["b"] = await outbox.deliver_due(now=now + lease + timedelta(seconds=1))
            raise aiosmtplib.SMTPServerDisconnected("gone")
        await real_send(email, settings)

    monkeypatch.setattr(outbox, "send", slow_then_fail)
    a = await outbox.deliver_due(now=now)
    assert reports["b"].sent == [message]
    assert a.sent == [] and a.retrying == {} and a.failed == {}  # A wrote nothing
    row = await Message.select().where(Message.id == message).first()
    assert row["delivery"] == "sent" and row["attempts"] == 2 and row["last_error"] is None
    assert len(smtp_server.received) == 1
