from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from workflow.tables.assisters import Assister
from workflow.tables.consumers import Consumer


class Delivery(StrEnum):
    pending = "pending"  # waiting for the outbox worker (or for a retry)
    sent = "sent"
    failed = "failed"  # refused too often, or cannot be built; stays in the mailbox


class Message(Table, tablename="messages"):
    """A message in an assister's (or consumer's) secure mailbox, and the outbox row that
    e-mails it.

    Delivery is at-least-once: the worker claims a row, sends it with a stable
    Message-ID, then marks it sent; a sent message is never picked up again.
    """

    # The recipient: an assister, or a consumer (notices about their association).
    assister = ForeignKey(Assister, null=True, on_delete=OnDelete.cascade, index=True)
    consumer = ForeignKey(Consumer, null=True, on_delete=OnDelete.cascade, index=True)
    recipient_email = Varchar(length=254)
    template = Varchar(length=60)
    language = Varchar(length=5, default="en")
    subject = Varchar(length=300)
    body = Text()
    # Messages that must go out once per occasion (a reminder) carry a key; a unique
    # index on (assister, dedupe_key) makes writing them twice a no-op.
    dedupe_key = Varchar(length=120, null=True, default=None)
    created_at = Timestamptz()
    delivery = Varchar(length=10, choices=Delivery, default=Delivery.pending)
    attempts = Integer(default=0)  # tries (each claim); the backoff doubles with them
    # Tries the server refused for this message (5xx) or that failed in an unknown way;
    # the message fails at ``outbox_max_attempts`` of them. A server that is down or slow
    # never counts, so a message is never lost to an outage.
    refusals = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)  # None: right away
    claimed_until = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(null=True, default=None)
