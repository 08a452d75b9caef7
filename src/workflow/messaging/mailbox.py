"""Messages in a secure mailbox (an assister's, or a consumer's), rendered from jinja2
templates in the recipient's language, and queued for e-mail by the outbox.

A template ``emails/<name>.<language>.txt`` starts with a ``Subject:`` line; the rest is
the body. It sees the recipient as ``assister`` or ``consumer``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from jinja2 import TemplateNotFound

from workflow.core.templating import environment
from workflow.db.bulk import insert_rows
from workflow.tables import Message

DEFAULT_LANGUAGE = "en"
# A Registration Number (``workflow.core.codes``): four groups of four from its alphabet.
_CODE = "[A-HJ-KMNP-Z2-9]{4}"
REGISTRATION_NUMBER = re.compile(rf"\b{_CODE}-{_CODE}-{_CODE}\b")
MASKED = "••••-••••-•••• (shown only in the assister's own mailbox)"


def mask_secrets(text: str) -> str:
    """The text with any one-time Registration Number hidden: staff read mailboxes to
    help, but the number is the assister's to activate with."""
    return REGISTRATION_NUMBER.sub(MASKED, text)


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
    recipient: Mapping[str, Any],
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    *,
    to: str = "assister",
) -> int | None:
    """Store a message for ``recipient`` (a row with id, name, email, language; ``to`` says
    whether it is an assister or a consumer) in their mailbox and the outbox; returns its
    id, or None if ``dedupe_key`` was used already."""
    sql, args = message_insert(recipient, template, context, now, dedupe_key, to=to)
    rows = await Message.raw(sql + " RETURNING id", *args)
    return rows[0]["id"] if rows else None


def message_insert(
    recipient: Mapping[str, Any],
    template: str,
    context: Mapping[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    *,
    to: str = "assister",
) -> tuple[str, tuple]:
    """The statement that stores the message (``{}`` placeholders) and its values: an
    event's effect hands it to the engine to send with the event's other writes."""
    language = recipient.get("language") or DEFAULT_LANGUAGE
    subject, body = render_message(template, language, {to: recipient, **context})
    args = (recipient["id"], recipient["email"], template, language, subject, body, dedupe_key,
            now, "pending", 0)  # fmt: skip
    return _INSERT_ONE[to], args


async def mailbox(
    assister_id: int | None,
    limit: int,
    offset: int,
    *,
    consumer_id: int | None = None,
    reader_is_recipient: bool = False,
) -> tuple[list[dict], int]:
    """One recipient's messages, newest first, and how many there are. Registration
    Numbers are masked unless the reader is the recipient themselves."""
    owner = (
        Message.consumer == consumer_id
        if consumer_id is not None
        else Message.assister == assister_id
    )
    query = Message.select(
        Message.id,
        Message.template,
        Message.subject,
        Message.body,
        Message.recipient_email,
        Message.language,
        Message.created_at,
    ).where(owner)
    items = await query.order_by(Message.id, ascending=False).limit(limit).offset(offset)
    if not reader_is_recipient:
        for item in items:
            item["body"] = mask_secrets(item["body"])
    total = await Message.count().where(owner)
    return items, total


MESSAGE_COLUMNS = (
    "assister, recipient_email, template, language, subject, body, dedupe_key, created_at, "
    "delivery, attempts"
)


def _columns(to: str) -> str:
    if to not in {"assister", "consumer"}:
        raise ValueError(f"messages go to an assister or a consumer, not {to!r}")
    return MESSAGE_COLUMNS.replace("assister", to, 1)


_INSERT_ONE = {
    to: f"INSERT INTO messages ({_columns(to)}) VALUES ({', '.join(['{}'] * 10)}) "
    "ON CONFLICT DO NOTHING"
    for to in ("assister", "consumer")
}


# Per-person fields a bulk message may show; everything else must be shared by the group.
_PERSONAL = ("name", "email", "reference_number")


async def write_messages_bulk(
    assisters: list[Mapping[str, Any]],
    template: str,
    context_for: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    now: datetime,
    dedupe_key: str | None = None,
    *,
    to: str = "assister",
) -> None:
    """One message per recipient (assisters, or consumers with ``to="consumer"``), in one
    statement. With ``dedupe_key``, a message an
    assister already has (same key) is skipped, so reruns never send it twice.

    Messages are rendered once per distinct (language, context) and the assister's own
    fields filled in after; the first of each group is also rendered the ordinary way and
    compared, and a template that transforms those fields is rendered per person."""
    renders: dict[tuple, Callable[[Mapping[str, Any]], tuple[str, str]]] = {}
    rows = []
    for assister in assisters:
        language = assister.get("language") or DEFAULT_LANGUAGE
        context = dict(context_for(assister))
        key = (language, tuple(sorted((k, repr(v)) for k, v in context.items())))
        if key not in renders:
            renders[key] = _renderer(template, language, context, assister, to)
        subject, body = renders[key](assister)
        rows.append(
            (
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
        )
    columns = _columns(to).split(", ")
    await insert_rows("messages", columns, rows, ignore_conflicts=dedupe_key is not None)


def _renderer(template: str, language: str, context: Mapping[str, Any], sample, to: str):
    marks = {f: f"\x00{f}\x00" for f in _PERSONAL}
    shape = render_message(template, language, {to: marks, **context})

    def fill(assister: Mapping[str, Any]) -> tuple[str, str]:
        subject, body = shape
        for field_name, mark in marks.items():
            value = str(assister.get(field_name) or "")
            subject, body = subject.replace(mark, value), body.replace(mark, value)
        return subject, body

    direct = render_message(template, language, {to: sample, **context})
    if fill(sample) == direct:
        return fill
    return lambda a: render_message(template, language, {to: a, **context})
