"""The outbox worker: e-mails mailbox messages, at least once, never losing one.

A worker picks the due messages, then takes each one by itself just before sending it: a
lease in ``claimed_until``, so two workers never hold the same message, and the claim's
``attempts`` value is its token. The send is cut off before the lease ends, and the
result (sent, retry, failed) is written only while that token is still the message's, so
a worker that lost its claim never overwrites the worker that now holds it. Every message
is handled by itself: whatever goes wrong with one (an address that cannot be put in a
header, a refusal, a bug) is recorded on that message and the worker moves on to the next.

A sent message is never claimed again. Failures are of three kinds:
- the server is unreachable, down, slow or refuses for now (a connection error, a timeout,
  a 4xx answer, or a refusal of our sender or login, which is the same for every message):
  the message stays pending and is retried with doubling delays, at most 6 hours apart,
  for as long as it takes. An outage never uses up a message's chances;
- the server refuses this message (5xx for its recipient or its content), or sending it
  fails in a way nobody foresaw: a *refusal*, retried the same way until
  ``outbox_max_attempts`` refusals, after which it is ``failed``;
- the message cannot be built into an e-mail at all (e.g. a newline in the address): it is
  ``failed`` at once, with the reason.
A failed message stays readable in the mailbox; ``requeue_failed`` (``workflow outbox
--retry-failed``) puts failed messages back in the queue. A worker killed between the
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

from workflow.core.settings import Settings, get_settings
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
RETURNING id, recipient_email, subject, body, attempts, refusals, created_at
"""


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


class Unbuildable(Exception):
    """The message cannot be made into an e-mail (e.g. a newline in the address)."""


# Failures that say nothing about the message itself: the server (or our settings for it).
OUTAGES = (
    OSError,  # refused or reset connections, DNS, timeouts, a server that hangs up
    TimeoutError,
    aiosmtplib.SMTPSenderRefused,
    aiosmtplib.SMTPAuthenticationError,
    aiosmtplib.SMTPHeloError,
)


def is_refusal(exc: BaseException) -> bool:
    """Does this failure count towards failing the message? Only the server's permanent
    refusal of this message (5xx for its recipient or its data) and unforeseen errors do;
    a server that is down, slow or says "try again later" (4xx) does not."""
    if isinstance(exc, OUTAGES):
        return False
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return any(refused.code >= 500 for refused in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code >= 500
    return True  # e.g. SMTPNotSupported (an address the server cannot take), a bug


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
        await _failed_attempt(row, str(exc), now, settings, report, unbuildable=True)
    except Exception as exc:  # noqa: BLE001 - one message must never stop the others
        if not isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError):
            log.exception("outbox: unexpected error sending message %s", row["id"])
        error = f"{type(exc).__name__}: {exc}"
        await _failed_attempt(row, error, now, settings, report, refusal=is_refusal(exc))
    else:
        changes = {
            Message.delivery: Delivery.sent,
            Message.sent_at: now,
            Message.claimed_until: None,
            Message.last_error: None,
        }
        if await _still_ours(row, changes):
            report.sent.append(row["id"])


async def _failed_attempt(
    row, error: str, now, settings: Settings, report, refusal=False, unbuildable=False
):
    refusals = row["refusals"] + (1 if refusal or unbuildable else 0)
    if unbuildable or refusals >= settings.outbox_max_attempts:
        changes = {Message.delivery: Delivery.failed}
        outcome = report.failed
    else:
        changes = {Message.next_attempt_at: now + backoff(row["attempts"], settings)}
        outcome = report.retrying
    changes.update(
        {Message.refusals: refusals, Message.claimed_until: None, Message.last_error: error[:2000]}
    )
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


async def requeue_failed(ids: list[int] | None = None) -> list[int]:
    """Put failed messages (all, or those in ``ids``) back in the queue, due now, with
    their refusals forgotten; returns their ids. ``attempts`` and ``last_error`` stay as a
    record until the next try."""
    query = Message.update(
        {
            Message.delivery: Delivery.pending,
            Message.refusals: 0,
            Message.next_attempt_at: None,
            Message.claimed_until: None,
        }
    ).where(Message.delivery == Delivery.failed)
    if ids is not None:
        query = query.where(Message.id.is_in(ids or [0]))
    return sorted(row["id"] for row in await query.returning(Message.id))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
