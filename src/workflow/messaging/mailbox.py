"""Messages in a secure mailbox (an assister's, or a consumer's), rendered from jinja2
templates in the recipient's language, and queued for e-mail by the outbox.

A template ``emails/<name>.<language>.txt`` starts with a ``Subject:`` line; the rest is
the body. It sees the recipient as ``assister`` or ``consumer``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateNotFound

from workflow.core.templating import environment
from workflow.core.training_year import Language
from workflow.db.bulk import insert_rows, json_rows, param
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


@dataclass(frozen=True)
class Wording:
    """What a set-based message says to the recipients whose ``key`` value lies within
    [``low``, ``high``] (``None``: unbounded), e.g. a lapse notice per onboarding date."""

    context: Mapping[str, Any]
    low: Any = None
    high: Any = None


# Stand-ins for the personal fields in a message rendered once for many recipients: the
# database puts each recipient's own values in (private-use characters: never in a text).
_SQL_MARKS = {f: f"\ue000{f}\ue000" for f in _PERSONAL}
_SAMPLE = {
    "name": "Ana Q. Sample",
    "email": "ana.sample@example.org",
    "reference_number": "7654321",
}


def messages_sql(
    template: str,
    wordings: Sequence[Wording],
    now: datetime,
    *,
    key: str | None = None,
    dedupe_key: str | None = None,
    to: str = "assister",
    source: str = "moved",
) -> tuple[str, tuple[Any, ...]]:
    """SQL (``{}`` placeholders) and its args: one message per row of ``source`` (with
    ``id``, ``name``, ``email``, ``language``, ``reference_number`` and ``key``), worded
    by the wording whose range holds the row's ``key``, rendered once per wording and
    language and the recipient's own fields filled in by the database. The same rows as
    :func:`write_message` writes (a template that transforms a personal field cannot be
    written this way: refused here)."""
    rendered = [
        {"language": language, "low": w.low, "high": w.high, "subject": subject, "body": body}
        for w in wordings
        for language in Language
        for subject, body in [_sql_shape(template, language, w.context, to)]
    ]
    language = (f"CASE WHEN m.language IN ({', '.join(repr(str(x)) for x in Language)}) "
                f"THEN m.language ELSE '{DEFAULT_LANGUAGE}' END")  # fmt: skip
    fill, fill_args = _fill_sql("w.subject", [r["subject"] for r in rendered])
    fill_body, fill_body_args = _fill_sql("w.body", [r["body"] for r in rendered])
    words = json_rows("w", {"language": "varchar", "low": "date", "high": "date",
                            "subject": "text", "body": "text"})  # fmt: skip
    sql = (
        f"INSERT INTO messages ({_columns(to)}) "
        f"SELECT m.id, m.email, {param('varchar')}, "
        f"COALESCE(NULLIF(m.language, ''), '{DEFAULT_LANGUAGE}'), {fill}, {fill_body}, "
        f"{param('varchar')}, {param('timestamptz')}, 'pending', 0 "
        f"FROM {source} AS m JOIN {words} ON w.language = {language}"
    )
    if key is not None:
        sql += (f' AND (w.low IS NULL OR m."{key}" >= w.low) '
                f'AND (w.high IS NULL OR m."{key}" <= w.high)')  # fmt: skip
    elif any(w.low is not None or w.high is not None for w in wordings):
        raise ValueError("wordings with ranges need the key they are ranges of")
    if dedupe_key is not None:  # (WHERE: SQLite reads ON after a join as its condition)
        sql += " WHERE 1 = 1 ON CONFLICT DO NOTHING"
    wording_rows = json.dumps(rendered, default=str)
    return sql, (template, *fill_args, *fill_body_args, dedupe_key, now, wording_rows)


def _fill_sql(column: str, texts: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """``column`` with each personal mark found in ``texts`` replaced by the row's value
    (in the order :func:`_renderer` fills them; a mark no text has needs no replace)."""
    sql, args = column, []
    for field_name, mark in _SQL_MARKS.items():
        if not any(mark in text for text in texts):
            continue
        sql = f"replace({sql}, {param('text')}, COALESCE(m.\"{field_name}\", ''))"
        args.append(mark)
    return sql, tuple(args)


def _sql_shape(template: str, language: str, context: Mapping[str, Any], to: str):
    """(subject, body) with marks for the personal fields, checked on a sample: filled
    in, it must read exactly as the template renders for that sample."""
    subject, body = render_message(template, language, {to: _SQL_MARKS, **context})
    filled = [subject, body]
    for field_name, mark in _SQL_MARKS.items():
        filled = [text.replace(mark, _SAMPLE[field_name]) for text in filled]
    if tuple(filled) != render_message(template, language, {to: _SAMPLE, **context}):
        raise ValueError(f"{template}: a personal field is transformed; write it per message")
    return subject, body
