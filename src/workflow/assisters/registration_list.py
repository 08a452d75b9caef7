"""The public Registration Completion List: registered brokers anyone may look up by NPN
or name, with their NPN validation result and registration year. Nothing private: no
email, phone, Reference Number or anything about the account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflow.assisters.machine import AssisterKind, AssisterState
from workflow.core.errors import BadInput
from workflow.core.sensitive import looks_like_ssn, ssn_refusal
from workflow.core.settings import get_settings
from workflow.db import ilike
from workflow.tables import Assister
from workflow.validations.machine import ValidationState

LISTED_STATES = [AssisterState.registered, AssisterState.active]


def registration_year(registered_at: datetime) -> int:
    """The training (plan) year a registration counts for: the year that starts on
    July 1 and is named after the calendar year it ends in, in the program's time zone."""
    settings = get_settings()
    return settings.calendar.training_year(settings.today(registered_at))


def validation_result(npn_status: str) -> str:
    return "Valid" if npn_status == ValidationState.valid else "Not valid"


async def registration_list(
    q: str | None, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Registered and active brokers by name; ``q`` is an NPN (exact) or part of a name."""
    where = (
        (Assister.kind == AssisterKind.broker)
        & Assister.state.is_in(LISTED_STATES)
        & Assister.registered_at.is_not_null()
    )
    text = (q or "").strip()
    if looks_like_ssn(text):
        raise BadInput(ssn_refusal("q"), "q")
    if text:
        like = "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"
        where &= ilike(Assister.name, like) | (Assister.npn == text)
    rows = (
        await Assister.select(
            Assister.name, Assister.npn, Assister.npn_status, Assister.registered_at
        )
        .where(where)
        .order_by(Assister.name)
        .order_by(Assister.id)
        .limit(limit)
        .offset(offset)
    )
    total = await Assister.count().where(where)
    return [
        {
            "name": r["name"],
            "npn": r["npn"],
            "npn_validation": validation_result(r["npn_status"]),
            "registration_year": registration_year(r["registered_at"]),
        }
        for r in rows
    ], total
