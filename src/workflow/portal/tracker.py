"""The assister's registration tracker: every step with its state and date, and the next
step. Step names and sentences are the templates' (so they translate); this module only
says which steps apply, whether each is done, when, and where to do the next one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from workflow.assisters.machine import AssisterKind, AssisterState
from workflow.assisters.registration_list import registration_year
from workflow.assisters.service import get_assister
from workflow.core.principal import Principal
from workflow.tables import History
from workflow.validations.machine import ValidationState

LAST_DATES = """
SELECT event, max(at) AS at FROM history
WHERE machine = 'assister' AND entity_id = {} GROUP BY event
"""
REGISTERED = {AssisterState.registered, AssisterState.active}


@dataclass
class Step:
    key: str  # names the step in the template
    done: bool
    on: date | datetime | None = None
    url: str | None = None  # where to do it, when it is not done
    detail: dict[str, Any] = field(default_factory=dict)


async def tracker(actor: Principal) -> dict[str, Any]:
    """The signed-in assister's record, their steps in order and the first not done."""
    assister = await get_assister(actor.assister_id, actor)
    rows = await History.raw(LAST_DATES, actor.assister_id)
    last = {r["event"]: _moment(r["at"]) for r in rows}
    steps = _steps(assister, last)
    upcoming = next((s for s in steps if not s.done), None)
    return {"assister": assister, "steps": steps, "next": upcoming}


def _moment(value: datetime | str | None) -> datetime | None:
    # SQLite hands an aggregate of a timestamp column back as its text.
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _steps(a: dict[str, Any], last: dict[str, datetime]) -> list[Step]:
    broker = a["kind"] == AssisterKind.broker
    training = a["training"]
    registered = a["state"] in REGISTERED and a["registered_at"] is not None
    steps = [
        Step("profile", bool(a["phone"] and a["address"]), a["updated_at"], "/assister/profile"),
    ]
    if broker:
        steps += [
            Step(
                "npn",
                a["npn_status"] == ValidationState.valid,
                None,
                "/assister/profile",
                {"status": a["npn_status"]},
            ),
            Step(
                "role",
                a["marketplace_role"] is not None,
                None,
                "/assister/profile",
                {"role": a["marketplace_role"]},
            ),
        ]
    deadline = {
        "year": training["training_year"],
        "deadline": training["deadline"],
        "days_left": training["days_left"],
        "overdue": training["overdue"],
        "course": training["course_needed"],
    }
    steps += [
        Step(
            "course",
            bool(training["courses_completed"]),
            last.get("complete_training"),
            None,
            deadline,
        ),
        Step("exam", training["exam_passed"], last.get("record_exam"), None, deadline),
        Step(
            "agreements",
            registered or a["state"] == AssisterState.registered,
            a["registered_at"],
            "/assister/agreements",
            {"agreements": a["agreements"]},
        ),
        Step(
            "activation",
            a["state"] == AssisterState.active,
            a["activated_at"],
            "/assister/agreements",
        ),
    ]
    if broker:
        listed = registered
        year = registration_year(a["registered_at"]) if listed else None
        steps.append(
            Step("listed", listed, a["registered_at"], None, {"year": year, "npn": a["npn"]})
        )
    return steps
