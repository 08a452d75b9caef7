"""A sign-up for a scheduled training session: ``waiting`` until a seat is theirs
(``confirmed``), then ``attended`` once staff mark it; ``cancelled`` by the person or
staff (and back on the waiting list with ``rejoin``)."""

from __future__ import annotations

from enum import StrEnum

from workflow.core.machine import Case, EventSpec, MachineSpec, guard
from workflow.core.roles import Role


class SignupState(StrEnum):
    waiting = "waiting"
    confirmed = "confirmed"
    cancelled = "cancelled"
    attended = "attended"


@guard("the session has not started")
def not_started(case: Case) -> str | None:
    if case.facts["started"]:
        return (
            f"the session started at {case.facts['starts_at']:%Y-%m-%d %H:%M} UTC: sign-ups "
            "can no longer change; staff mark who attended"
        )
    return None


@guard("the session has started")
def started(case: Case) -> str | None:
    if not case.facts["started"]:
        return (
            f"the session starts at {case.facts['starts_at']:%Y-%m-%d %H:%M} UTC: mark "
            "attendance once it has begun"
        )
    return None


SIGN_UP_AGAIN = (
    "sign up again with POST /training/sessions/{session_id}/signups: a seat if one is "
    "free, else the end of the waiting list"
)
_S = SignupState
STAFF_OR_SELF = frozenset({Role.admin, Role.assister})

SIGNUP = MachineSpec(
    name="session_signup",
    title="Training session sign-up",
    states=[s.value for s in SignupState],
    initial=_S.waiting,
    state_descriptions={
        _S.waiting: "on the session's waiting list",
        _S.confirmed: "holds a seat; reminded the day before",
        _S.cancelled: "gave up their seat or place in line",
        _S.attended: "attended; the course is recorded for the training year",
    },
    transitions=[
        {
            "trigger": "confirm",
            "source": _S.waiting,
            "dest": _S.confirmed,
            "conditions": [not_started],
        },
        {
            "trigger": "cancel",
            "source": [_S.waiting, _S.confirmed],
            "dest": _S.cancelled,
            "conditions": [not_started],
        },
        {
            "trigger": "rejoin",
            "source": _S.cancelled,
            "dest": _S.waiting,
            "conditions": [not_started],
        },
        {"trigger": "attend", "source": _S.confirmed, "dest": _S.attended, "conditions": [started]},
    ],  # fmt: skip
    events={
        "confirm": EventSpec(
            frozenset({Role.system}),
            "gives a seat: at sign-up when one is free, else when one frees, in line order",
        ),
        "cancel": EventSpec(
            STAFF_OR_SELF, "gives up the seat or place in line; the next in line gets the seat"
        ),
        "rejoin": EventSpec(
            frozenset({Role.system}),
            "signs up again after cancelling: back on the waiting list, at its end",
            denied={
                Role.admin: SIGN_UP_AGAIN,
                Role.assister: SIGN_UP_AGAIN,
            },
        ),
        "attend": EventSpec(
            frozenset({Role.admin}),
            "staff mark attendance: records the course for the assister's training year",
        ),
    },
)
