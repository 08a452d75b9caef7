"""E-mails to portal users about their sign-in (codes, reset links, usernames): straight
to the outbox, never into the secure mailbox, so staff who read mailboxes to help never
see them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workflow.messaging.mailbox import render_message
from workflow.tables import Message


async def send(
    to: str, language: str, template: str, context: Mapping[str, Any], now: datetime
) -> None:
    subject, body = render_message(template, language, context)
    await Message.insert(
        Message(
            assister=None,
            consumer=None,
            recipient_email=to,
            template=template,
            language=language,
            subject=subject,
            body=body,
            created_at=now,
        )
    )
