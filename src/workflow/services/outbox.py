"""The outbox worker: e-mails mailbox messages, at least once, never losing one.

A worker picks the due messages, then takes each one by itself just before sending it: a
lease in ``claimed_until``, so two workers never hold the same message, and the claim's
``attempts`` value is its token. The send is cut off before the lease ends, and the
result (sent, retry, failed) is written only while that token is still the message's, so
a worker that lost its claim never overwrites the worker that now holds it. Every message
is handled by itself: whatever goes wrong with one (an address that cannot be put in a
header, a refusal, a bug) is recorded on that message and the worker moves on to the next.

A sent message is never claimed again. If the SMTP server is down the message stays
pending and is retried with exponential backoff until ``outbox_max_attempts``, after which
it is marked ``failed`` (and still readable in the mailbox); a message that cannot be
built into an e-mail at all fails at once, with the reason. A worker killed between the
server's acceptance and the "sent" mark resends after the lease expires, with the same
Message-ID, so the receiving side can recognise the duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from workflow.settings import Settings, get_settings
from workflow.tables import Delivery, Message

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
# The send must be over well before the lease ends (another worker may take it then).
SEND_SHARE_OF_LEASE = 0.8

DUE = """
SELECT id FROM messages
WHERE delivery = 'pending'
  AND (next_attempt_at IS NULL OR next_attempt_at <= {})
  AND (claimed_until IS NULL OR claimed_until < {})
ORDER BY id LIMIT {}
"""

CLAIM_ONE = """
UPDATE messages SET claimed_until = {}, attempts = attempts + 1
WHERE id = {} AND delivery = 'pending'
  AND (next_attempt_at IS NULL OR next_attempt_at <= {})
  AND (claimed_until IS NULL OR claimed_until < {})
RETURNING id, recipient_email, subject, body, attempts, created_at
"""


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


class Unbuildable(Exception):
    """The message cannot be made into an e-mail (e.g. a newline in the address)."""


def message_id(message_row_id: int, settings: Settings) -> str:
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    return f"<workflow-message-{message_row_id}@{domain}>"


def build_email(row: dict, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = row["recipient_email"]
    email["Subject"] = row["subject"]
    email["Message-ID"] = message_id(row["id"], settings)
    email["Date"] = format_datetime(_aware(row["created_at"]))
    email.set_content(row["body"])
    email.as_bytes()  # headers are checked when written: fail here, not halfway through SMTP
    return email


async def due(now: datetime, limit: int) -> list[int]:
    return [row["id"] for row in await Message.raw(DUE, now, now, limit)]


async def claim_one(message: int, now: datetime, lease: timedelta) -> dict | None:
    """Take one message if it is still due and nobody holds it; None if not."""
    rows = await Message.raw(CLAIM_ONE, now + lease, message, now, now)
    return rows[0] if rows else None


async def send(email: EmailMessage, settings: Settings) -> None:
    await aiosmtplib.send(
        email,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )


async def deliver_due(now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Send what is due; returns what happened to each message this worker claimed.

    ``now`` fixes the clock (tests); without it each message is claimed at the current
    time, so a long batch never works on an old lease."""
    settings = get_settings()
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    report = DeliveryReport()
    for candidate in await due(now or datetime.now(UTC), limit):
        at = now or datetime.now(UTC)
        row = await claim_one(candidate, at, lease)
        if row is None:
            continue  # another worker took it (or sent it) meanwhile
        await _deliver_one(row, at, lease, settings, report)
    return report


async def _deliver_one(row, now, lease: timedelta, settings: Settings, report) -> None:
    try:
        try:
            email = build_email(row, settings)
        except Exception as exc:
            raise Unbuildable(f"cannot build the e-mail: {type(exc).__name__}: {exc}") from exc
        async with asyncio.timeout(lease.total_seconds() * SEND_SHARE_OF_LEASE):
            await send(email, settings)
    except Unbuildable as exc:
        await _failed_attempt(row, str(exc), now, settings, report, permanent=True)
    except Exception as exc:  # noqa: BLE001 - one message must never stop the others
        if not isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError):
            log.exception("outbox: unexpected error sending message %s", row["id"])
        await _failed_attempt(row, f"{type(exc).__name__}: {exc}", now, settings, report)
    else:
        changes = {
            Message.delivery: Delivery.sent,
            Message.sent_at: now,
            Message.claimed_until: None,
            Message.last_error: None,
        }
        if await _still_ours(row, changes):
            report.sent.append(row["id"])


async def _failed_attempt(row, error: str, now, settings: Settings, report, permanent=False):
    if permanent or row["attempts"] >= settings.outbox_max_attempts:
        changes = {Message.delivery: Delivery.failed}
        outcome = report.failed
    else:
        changes = {Message.next_attempt_at: now + backoff(row["attempts"], settings)}
        outcome = report.retrying
    changes.update({Message.claimed_until: None, Message.last_error: error[:2000]})
    if await _still_ours(row, changes):
        outcome[row["id"]] = error


def backoff(attempt: int, settings: Settings) -> timedelta:
    """The wait after the ``attempt``-th try: doubling from the first delay, at most 6 h."""
    seconds = settings.outbox_backoff_seconds * 2 ** min(max(attempt - 1, 0), 30)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


async def _still_ours(row, changes: dict) -> bool:
    """Write the outcome only if this worker's claim (its ``attempts`` token) still holds:
    once another worker has claimed the message, the outcome is that worker's to write."""
    updated = (
        await Message.update(changes)
        .where(
            (Message.id == row["id"])
            & (Message.attempts == row["attempts"])
            & (Message.delivery == Delivery.pending)
        )
        .returning(Message.id)
    )
    if not updated:
        log.warning("outbox: message %s was claimed by another worker meanwhile", row["id"])
    return bool(updated)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
