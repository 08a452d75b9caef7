"""Requesting, reading and listing associations; what a consumer sees of their own."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from workflow.associations.application_lock import lock_status
from workflow.associations.binding import ASSOCIATION_CASE
from workflow.associations.machine import ASSOCIATION, AssociationState
from workflow.associations.notices import NEUTRAL_END
from workflow.associations.periods import open_period
from workflow.consumers.service import (
    assister_public,
    get_consumer,
    lock_consumer,
    require_consumer,
)
from workflow.core.errors import Conflict, GuardRefused
from workflow.core.principal import Principal
from workflow.core.roles import Role
from workflow.db import transaction
from workflow.db.raw import raw
from workflow.engine.cases import blocked_events, load_case
from workflow.engine.fire import conflicts_as_409
from workflow.engine.history import case_history
from workflow.engine.records import record_creation
from workflow.tables import Assister, Association, PeriodStage

ROW_COLUMNS = [
    Association.id,
    Association.consumer,
    Association.assister,
    Association.state,
    Association.version,
    Association.client_status,
    Association.requested_at,
    Association.confirmed_at,
    Association.terms_accepted_at,
    Association.terms_version,
    Association.acknowledged_at,
    Association.opened_at,
    Association.ended_at,
    Association.end_reason,
    Association.end_message,
    Association.transferred_at,
    Association.updated_at,
]
_SEPARATORS = re.compile(r"[\s\-.]")


def normalize_reference_number(value: str) -> str:
    """Digits only; a clear refusal for anything that cannot be a Reference Number."""
    cleaned = _SEPARATORS.sub("", value or "")
    if cleaned.isdigit():
        return cleaned
    hint = ""
    if len(_SEPARATORS.sub("", value or "")) == 12 and any(c.isalpha() for c in cleaned):
        hint = (
            " That looks like a Registration Number, which the assister keeps to "
            "themselves; ask them for their Reference Number."
        )
    raise GuardRefused(
        "request",
        f"{value!r} is not a Reference Number: it is a number of digits (for example "
        f"1234567) that your assister gives you.{hint}",
    )


async def request_association(
    actor: Principal, reference_number: str, now: datetime | None = None
) -> tuple[dict[str, Any], bool]:
    """A consumer asks for the assister with ``reference_number``. Returns the
    association (with the assister's public details) and whether it is new: asking the
    same assister again while the request is open returns the open request."""
    number = normalize_reference_number(reference_number)
    hint = "check the number with your assister (it is near the top of their activation email)"
    return await _request(actor, Assister.reference_number == number,
                          f"Reference Number {number}", hint, now)  # fmt: skip


async def request_listed_assister(
    actor: Principal, assister_id: int, now: datetime | None = None
) -> tuple[dict[str, Any], bool]:
    """``request_association`` for an assister the consumer found in the public directory
    (the Reference Number is never listed there); assisters not listed cannot be chosen
    this way."""
    listed = (Assister.id == assister_id) & (Assister.directory_display != "not_listed")
    hint = "search the directory again: they may have left it"
    return await _request(actor, listed, f"id {assister_id} in the directory", hint, now)


async def _request(
    actor: Principal, which, described: str, hint: str, now: datetime | None
) -> tuple[dict[str, Any], bool]:
    consumer_id = require_consumer(actor)
    now = now or datetime.now(UTC)
    async with conflicts_as_409("association request", consumer_id), transaction():
        assister = await Assister.select(Assister.id, Assister.state).where(which).first()
        if assister is None:
            raise GuardRefused(
                "request",
                f"no assister has {described}: {hint} and try again",
            )
        if assister["state"] != "active":
            raise GuardRefused(
                "request",
                f"the assister with {described} is not active now, so they "
                "cannot be chosen; ask them to renew, or choose another assister",
            )
        await lock_consumer(consumer_id)
        existing = await _open_association(consumer_id, assister["id"])
        if existing and existing["state"] == AssociationState.confirmed:
            raise Conflict(
                f"this assister is already your assister (association {existing['id']}); "
                "nothing to do"
            )
        if existing:
            association_id, created = existing["id"], False
        else:
            association_id, created = await _insert(consumer_id, assister["id"], actor, now), True
    return await get_association(association_id, actor), created


async def _open_association(consumer_id: int, assister_id: int) -> dict[str, Any] | None:
    return (
        await Association.select(Association.id, Association.state)
        .where(
            (Association.consumer == consumer_id)
            & (Association.assister == assister_id)
            & (Association.state != AssociationState.disassociated)
        )
        .first()
    )


async def _insert(consumer_id: int, assister_id: int, actor: Principal, now: datetime) -> int:
    consumer = await get_consumer(consumer_id)
    rows = await Association.insert(
        Association(
            consumer=consumer_id,
            assister=assister_id,
            sort_name=consumer["name"].casefold(),
            requested_at=now,
            updated_at=now,
        )
    )
    association_id = rows[0]["id"]
    sql, args = open_period(association_id, consumer_id, assister_id, PeriodStage.requested, now)
    await raw(sql, *args)
    await record_creation(ASSOCIATION.name, association_id, AssociationState.requested, actor, now)
    return association_id


async def get_association(association_id: int, actor: Principal) -> dict[str, Any]:
    """One association with the events allowed now and the assister's public details;
    404 for anyone who may not see it."""
    row = await load_case(ASSOCIATION_CASE, association_id, actor)
    out = await present(row, viewer=actor)
    out["your_events"] = ASSOCIATION.events_for(row["state"], actor.role)
    out["blocked_events"] = await blocked_events(ASSOCIATION_CASE, row)
    return out


async def present(
    row: dict[str, Any], seen: dict[int, dict] | None = None, viewer: Principal | None = None
) -> dict[str, Any]:
    """The API's view of a row; ``seen`` caches assisters' public details across a page.
    Staff's reason for ending it is internal: others read what the consumer was told."""
    out = {column._meta.name: row[column._meta.name] for column in ROW_COLUMNS}
    told = out.pop("end_message")
    if viewer is not None and not viewer.is_staff and out["end_reason"] is not None:
        out["end_reason"] = told or NEUTRAL_END
    out["consumer_id"] = out.pop("consumer")
    out["assister_id"] = out.pop("assister")
    out["allowed_events"] = ASSOCIATION.allowed_events(row["state"])
    seen = {} if seen is None else seen
    if out["assister_id"] not in seen:
        seen[out["assister_id"]] = await assister_public(out["assister_id"])
    out["assister"] = seen[out["assister_id"]]
    return out


async def list_associations(
    actor: Principal,
    *,
    consumer_id: int | None = None,
    assister_id: int | None = None,
    state: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Newest first: a consumer's own associations, or (staff) any, filtered."""
    where = []
    if actor.role == Role.consumer:
        where.append(Association.consumer == require_consumer(actor))
    elif not actor.is_staff:
        return [], 0
    if consumer_id is not None:
        where.append(Association.consumer == consumer_id)
    if assister_id is not None:
        where.append(Association.assister == assister_id)
    if state:
        where.append(Association.state == state)
    query = Association.select(*ROW_COLUMNS).order_by(Association.id, ascending=False)
    count = Association.count()
    if where:
        query, count = query.where(*where), count.where(*where)
    rows = await query.limit(limit).offset(offset)
    seen: dict[int, dict] = {}
    return [await present(r, seen, actor) for r in rows], await count


async def consumer_overview(actor: Principal) -> dict[str, Any]:
    """``GET /consumers/me``: the record, the current assister (and whether they can act
    now), pending requests and who holds the application lock."""

    consumer_id = require_consumer(actor)
    consumer = await get_consumer(consumer_id)
    rows = await Association.select(*ROW_COLUMNS).where(
        (Association.consumer == consumer_id)
        & (Association.state != AssociationState.disassociated)
    )
    current = [await present(r, viewer=actor) for r in rows if r["state"] == "confirmed"]
    pending = [await present(r, viewer=actor) for r in rows if r["state"] == "requested"]
    return {
        **consumer,
        "current_association": current[0] if current else None,
        "pending_requests": pending,
        "application_lock": await lock_status(consumer_id, actor),
    }


async def open_request_for(consumer_id: int, assister_id: int, actor: Principal, now) -> int:
    """A requested association of the consumer with the assister, made for them inside
    the caller's transaction (a broker accepting their Help On Demand referral); their
    open one with that assister if there is one already. The consumer confirms it."""
    await lock_consumer(consumer_id)
    existing = await _open_association(consumer_id, assister_id)
    if existing:
        return existing["id"]
    return await _insert(consumer_id, assister_id, actor, now)


_BY_STAFF = """
SELECT h.id FROM history h JOIN accounts a ON a."user" = h.actor_user_id
WHERE h.machine = {} AND h.entity_id = {} AND a.role IN ('admin', 'support')
"""


async def association_history(association_id: int, actor: Principal) -> list[dict[str, Any]]:
    """Every applied event, oldest first. Staff's reasons are internal: anyone else reads
    the message staff left for the consumer, or a neutral sentence, in their place."""
    await load_case(ASSOCIATION_CASE, association_id, actor)
    rows = await case_history(ASSOCIATION.name, association_id)
    if actor.is_staff:
        return rows
    by_staff = {r["id"] for r in await Association.raw(_BY_STAFF, ASSOCIATION.name, association_id)}
    for row in rows:
        if row["id"] in by_staff:
            row["reason"] = row["data"].get("message_to_consumer") or NEUTRAL_END
    return rows
