"""Messages in an assister's secure mailbox, rendered from jinja2 templates.

A template ``emails/<name>.<language>.txt`` starts with a ``Subject:`` line; the rest is
the body.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from jinja2 import TemplateNotFound

from workflow.tables import Message
from workflow.templating import environment

DEFAULT_LANGUAGE = "en"


def render_message(template: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of ``template`` in ``language``, falling back to English."""
    env = environment()
    try:
        tpl = env.get_template(f"emails/{template}.{language}.txt")
    except TemplateNotFound:
        tpl = env.get_template(f"emails/{template}.{DEFAULT_LANGUAGE}.txt")
    first, _, body = tpl.render(**context).partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"template {template} must start with a 'Subject:' line")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


async def write_message(
    assister: Mapping[str, Any],
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> int | None:
    """Store a message for ``assister`` (a row with id, name, email, language) in the
    mailbox and the outbox; returns its id, or None if ``dedupe_key`` was used already."""
    language = assister.get("language") or DEFAULT_LANGUAGE
    subject, body = render_message(template, language, {"assister": assister, **context})
    rows = await Message.raw(
        f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ({{}}, {{}}, {{}}, {{}}, {{}}, {{}}, "
        "{}, {}, {}, {}) ON CONFLICT DO NOTHING RETURNING id",
        assister["id"],
        assister["email"],
        template,
        language,
        subject,
        body,
        dedupe_key,
        now,
        "pending",
        0,
    )
    return rows[0]["id"] if rows else None


async def mailbox(assister_id: int, limit: int, offset: int) -> tuple[list[dict], int]:
    query = Message.select(
        Message.id,
        Message.template,
        Message.subject,
        Message.body,
        Message.recipient_email,
        Message.language,
        Message.created_at,
    ).where(Message.assister == assister_id)
    items = await query.order_by(Message.id, ascending=False).limit(limit).offset(offset)
    total = await Message.count().where(Message.assister == assister_id)
    return items, total


MESSAGE_COLUMNS = (
    "assister, recipient_email, template, language, subject, body, dedupe_key, created_at, "
    "delivery, attempts"
)
_ROWS_PER_INSERT = 500


async def write_messages_bulk(
    assisters: list[Mapping[str, Any]],
    template: str,
    context_for: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    """One message per assister in multi-row inserts. With ``dedupe_key`` a message an
    assister already has (same key) is skipped, so reruns never send it twice."""
    for start in range(0, len(assisters), _ROWS_PER_INSERT):
        args: list[Any] = []
        batch = assisters[start : start + _ROWS_PER_INSERT]
        for assister in batch:
            language = assister.get("language") or DEFAULT_LANGUAGE
            context = {"assister": assister, **context_for(assister)}
            subject, body = render_message(template, language, context)
            args += [
                assister["id"],
                assister["email"],
                template,
                language,
                subject,
                body,
                dedupe_key,
                now,
                "pending",
                0,
            ]
        values = ", ".join(["({}, {}, {}, {}, {}, {}, {}, {}, {}, {})"] * len(batch))
        await Message.raw(
            f"INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES {values} ON CONFLICT DO NOTHING",
            *args,
        )
