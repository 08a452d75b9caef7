"""Messages in an assister's secure mailbox, rendered from jinja2 templates.

A template ``emails/<name>.<language>.txt`` starts with a ``Subject:`` line; the rest is
the body.
"""

from __future__ import annotations

from collections.abc import Mapping
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
) -> int:
    """Store a message for ``assister`` (a row with id, name, email) and return its id."""
    language = assister.get("language") or DEFAULT_LANGUAGE
    subject, body = render_message(template, language, {"assister": assister, **context})
    rows = await Message.insert(
        Message(
            assister=assister["id"],
            recipient_email=assister["email"],
            template=template,
            language=language,
            subject=subject,
            body=body,
            created_at=now,
        )
    )
    return rows[0]["id"]


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
