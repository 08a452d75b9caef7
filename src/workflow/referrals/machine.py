"""A Help On Demand referral: a consumer asks for help and the referral is offered to one
broker at a time until one accepts (waiting → offered → accepted), or it ends in the
staff queue as unmatched (no broker matches, or ``WORKFLOW_REFERRAL_MAX_OFFERS`` offers
were declined or expired).

An offer is the ``offered`` state: one broker, until ``expires_at``. Declining or letting
it expire puts the referral back to ``waiting``, and the next broker is offered it; a
referral is never offered to two brokers at once, because ``offer`` moves it from
``waiting`` only once (compare-and-set on its version).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from workflow.core.machine import Case, EventSpec, MachineSpec, guard
from workflow.core.roles import Role


class ReferralState(StrEnum):
    waiting = "waiting"
    offered = "offered"
    accepted = "accepted"
    unmatched = "unmatched"


class OfferData(msgspec.Struct, forbid_unknown_fields=True):
    broker_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


@guard("offers left")
def offers_left(case: Case) -> str | None:
    if case.facts["offers_made"] >= case.facts["max_offers"]:
        return (
            f"this referral was offered {case.facts['offers_made']} times already (the most "
            "there may be); it goes to the staff queue"
        )
    return None


_S = ReferralState
ONLY_THE_BROKER = "only the broker the referral is offered to can accept or decline it"

REFERRAL = MachineSpec(
    name="referral",
    title="Help On Demand referral",
    states=[s.value for s in ReferralState],
    initial=_S.waiting,
    state_descriptions={
        _S.waiting: "the consumer asked for help; the next broker is being chosen",
        _S.offered: "offered to one broker, who has a few minutes to accept",
        _S.accepted: "a broker accepted: they have the consumer's contact details",
        _S.unmatched: "no broker took it: staff follow up from the queue",
    },
    transitions=[
        {"trigger": "offer", "source": _S.waiting, "dest": _S.offered, "conditions": [offers_left]},
        {"trigger": "accept", "source": _S.offered, "dest": _S.accepted},
        {"trigger": "decline", "source": _S.offered, "dest": _S.waiting},
        {"trigger": "expire", "source": _S.offered, "dest": _S.waiting},
        {"trigger": "give_up", "source": _S.waiting, "dest": _S.unmatched},
        {"trigger": "retry", "source": _S.unmatched, "dest": _S.waiting},
    ],  # fmt: skip
    events={
        "offer": EventSpec(
            frozenset({Role.system}),
            "offers the referral to the best-matched broker (language, distance, fewest "
            "open offers) until the offer expires",
            OfferData,
        ),
        "accept": EventSpec(
            frozenset({Role.assister}),
            "the broker accepts: they get the consumer's contact details, and a signed-in "
            "consumer gets a requested association to confirm",
            denied={r: ONLY_THE_BROKER for r in (Role.admin, Role.support, Role.consumer)},
        ),
        "decline": EventSpec(
            frozenset({Role.assister}),
            "the broker declines; the next broker is offered the referral",
            denied={r: ONLY_THE_BROKER for r in (Role.admin, Role.support, Role.consumer)},
        ),
        "expire": EventSpec(
            frozenset({Role.system}),
            "the offer was not accepted in time; the next broker is offered the referral",
        ),
        "give_up": EventSpec(
            frozenset({Role.system}),
            "no broker matches, or the most offers were made: the referral goes to staff",
        ),
        "retry": EventSpec(
            frozenset({Role.admin, Role.support}),
            "staff put an unmatched referral back to be offered again (e.g. brokers joined)",
            reason_required=True,
        ),
    },
)
