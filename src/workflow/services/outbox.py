"""The outbox worker: e-mails mailbox messages, at least once, never losing one.

A worker claims due messages (a lease in ``claimed_until``, so two workers never hold the
same message), sends each with aiosmtplib under a stable ``Message-ID``, then marks it
sent; a sent message is never claimed again. If the SMTP server is down the message
stays pending and is retried with exponential backoff until ``outbox_max_attempts``,
after which it is marked ``failed`` (and still readable in the mailbox). A worker killed
between the server's acceptance and the "sent" mark resends after the lease expires,
with the same Message-ID, so the receiving side can recognise the duplicate.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from workflow.settings import Settings, get_settings
from workflow.tables import Delivery, Message

MAX_BACKOFF = timedelta(hours=6)

CLAIM = """
UPDATE messages SET claimed_until = {}, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM messages
    WHERE delivery = 'pending'
      AND (next_attempt_at IS NULL OR next_attempt_at <= {})
      AND (claimed_until IS NULL OR claimed_until < {})
    ORDER BY id LIMIT {}
)
AND delivery = 'pending' AND (claimed_until IS NULL OR claimed_until < {})
RETURNING id, recipient_email, subject, body, attempts, created_at
"""


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


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
    return email


async def claim(now: datetime, limit: int, lease: timedelta) -> list[dict]:
    return await Message.raw(CLAIM, now + lease, now, now, limit, now)


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
    """Send what is due now; returns what happened to each claimed message."""
    settings = get_settings()
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    for row in await claim(now, limit, timedelta(seconds=settings.outbox_lease_seconds)):
        try:
            await send(build_email(row, settings), settings)
        except (aiosmtplib.SMTPException, OSError, socket.gaierror) as exc:
            await _failed_attempt(row, f"{type(exc).__name__}: {exc}", now, settings, report)
        else:
            await Message.update(
                {
                    Message.delivery: Delivery.sent,
                    Message.sent_at: now,
                    Message.claimed_until: None,
                    Message.last_error: None,
                }
            ).where(Message.id == row["id"])
            report.sent.append(row["id"])
    return report


async def _failed_attempt(row, error: str, now, settings: Settings, report) -> None:
    if row["attempts"] >= settings.outbox_max_attempts:
        changes = {Message.delivery: Delivery.failed}
        report.failed[row["id"]] = error
    else:
        delay = timedelta(seconds=settings.outbox_backoff_seconds * 2 ** (row["attempts"] - 1))
        changes = {Message.next_attempt_at: now + min(delay, MAX_BACKOFF)}
        report.retrying[row["id"]] = error
    changes.update({Message.claimed_until: None, Message.last_error: error[:2000]})
    await Message.update(changes).where(Message.id == row["id"])


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
