"""Asking for help, reading referrals (contact details only to staff, the consumer and
the broker who accepted), the staff queue, and the round that expires offers whose time
is up and offers waiting referrals (the scheduler runs it; it survives restarts because
everything it needs is in the database)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workflow.core.errors import BadInput, GuardRefused, MachineError
from workflow.core.principal import SYSTEM, Principal
from workflow.core.roles import Role
from workflow.core.zips import centroid, five_digits
from workflow.db import transaction
from workflow.db.raw import raw
from workflow.engine.cases import load_case
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.engine.records import record_creation
from workflow.referrals.binding import REFERRAL_CASE, offer_next
from workflow.referrals.machine import REFERRAL, ReferralState
from workflow.tables import Referral

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
CONTACT = ("phone", "email")
OFFERS = """
SELECT o.id, o.broker AS broker_id, a.name AS broker_name, o.offered_at, o.expires_at,
       o.ended_at, o.outcome
FROM referral_offers o JOIN assisters a ON a.id = o.broker
WHERE o.referral = {} ORDER BY o.id
"""


@dataclass(frozen=True)
class HelpRequest:
    name: str
    zip: str
    language: str
    phone: str | None
    email: str | None
    consent: bool


def _checked(ask: HelpRequest) -> dict[str, Any]:
    name = ask.name.strip()
    if not name:
        raise BadInput("name: give your name so the broker knows whom to call", "name")
    digits = five_digits(ask.zip)
    if digits is None or centroid(digits) is None:
        raise BadInput(f"zip: {ask.zip!r} is not a US ZIP code; give the five digits of "
                       "yours, e.g. 55101", "zip")  # fmt: skip
    language = ask.language.strip().lower()
    if not LANGUAGE.match(language):
        raise BadInput("language: give a language code, e.g. en or es", "language")
    phone = (ask.phone or "").strip() or None
    email = (ask.email or "").strip() or None
    if phone is None and email is None:
        raise BadInput("phone: give a phone number or an e-mail address to be reached at",
                       "phone")  # fmt: skip
    if email is not None and not EMAIL.match(email):
        raise BadInput(f"email: {email!r} is not an e-mail address", "email")
    if not ask.consent:
        raise GuardRefused("ask", "we need your consent to share your name and contact "
                           "details with a broker; tick the consent box to go on")  # fmt: skip
    return {"name": name, "zip": digits, "language": language, "phone": phone, "email": email}


async def ask_for_help(ask: HelpRequest, actor: Principal | None, now: datetime | None = None):
    """A referral, offered at once to the best-matched broker (or sent to the staff
    queue when none matches). A signed-in consumer's referral is theirs."""
    now = now or datetime.now(UTC)
    values = _checked(ask)
    consumer = actor.consumer_id if actor and actor.role == Role.consumer else None
    who = actor or SYSTEM
    async with transaction():
        rows = await Referral.insert(
            Referral(consumer=consumer, consent_at=now, created_at=now, updated_at=now, **values)
        )
        referral_id = rows[0]["id"]
        await record_creation(REFERRAL.name, referral_id, ReferralState.waiting, who, now)
    await offer_next(referral_id, now)
    return await get_referral(referral_id, who)


async def get_referral(referral_id: int, actor: Principal) -> dict[str, Any]:
    """One referral as ``actor`` may see it: a broker sees the consumer's contact details
    only once they accepted it; staff also see every offer with its timings."""
    row = await load_case(REFERRAL_CASE, referral_id, actor)
    return await present(row, actor)


async def present(row: dict[str, Any], actor: Principal) -> dict[str, Any]:
    out = {k: row[k] for k in ("id", "state", "version", "name", "zip", "language", "phone",
                               "email", "offers_made", "offered_at", "offer_expires_at",
                               "accepted_at", "unmatched_reason", "created_at")}  # fmt: skip
    out.update(broker_id=row["broker"], consumer_id=row["consumer"],
               association_id=row["association"])  # fmt: skip
    if actor.role == Role.assister and row["state"] != ReferralState.accepted:
        for field in CONTACT:
            out[field] = None  # until they accept it
    out["your_events"] = REFERRAL.events_for(row["state"], actor.role)
    out["offers"] = await raw(OFFERS, row["id"]) if actor.is_staff else None
    return out


async def list_referrals(state: str | None, limit: int, offset: int, actor: Principal):
    """Staff: referrals by state (``unmatched`` is the queue), oldest first."""
    where, args = ("WHERE state = {}", [state]) if state else ("", [])
    rows = await raw(f"SELECT * FROM referrals {where} ORDER BY created_at, id LIMIT {{}} "
                     "OFFSET {}", *args, limit, offset)  # fmt: skip
    total = (await raw(f"SELECT count(*) AS n FROM referrals {where}", *args))[0]["n"]
    return [await present(r, actor) for r in rows], total


async def broker_referrals(assister_id: int, actor: Principal) -> list[dict[str, Any]]:
    """The referrals offered to the broker now and those they accepted, newest first."""
    rows = await raw("SELECT * FROM referrals WHERE broker = {} ORDER BY created_at DESC, id "
                     "DESC LIMIT 200", assister_id)  # fmt: skip
    return [await present(r, actor) for r in rows]


async def referral_round(now: datetime | None = None) -> dict[str, list[int]]:
    """Expire every offer whose time is up (each is then offered to the next broker) and
    offer referrals left waiting (e.g. by a restart between a decline and the next
    offer). Safe to run in several processes at once: each move is a compare-and-set."""
    now = now or datetime.now(UTC)
    due = await raw("SELECT id FROM referrals WHERE state = 'offered' AND offer_expires_at <= {} "
                    "ORDER BY offer_expires_at, id", now)  # fmt: skip
    expired: list[int] = []
    for row in due:
        try:
            await fire(FireEvent(REFERRAL_CASE, row["id"], "expire", actor=SYSTEM, now=now,
                                 reason="not accepted in time"))  # fmt: skip
            expired.append(row["id"])
        except MachineError:  # accepted, or moved by another process meanwhile
            continue
    waiting = await raw("SELECT id FROM referrals WHERE state = 'waiting' ORDER BY id")
    for row in waiting:
        await offer_next(row["id"], now)
    return {"expired": expired, "waiting": [row["id"] for row in waiting]}
