"""A consumer's association with an assister: requested → confirmed → disassociated.

The consumer requests it by entering the assister's Reference Number and confirms it by
accepting the Assister Authorization / Agent of Record terms. Two more events keep a
confirmed association confirmed and exist so they leave history: the assister's
Acknowledgement of Authorization (``acknowledge``) and an admin's Book of Business
transfer to another assister (``transfer``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from workflow.core.machine import Case, EventSpec, MachineSpec, guard
from workflow.core.roles import Role


class AssociationState(StrEnum):
    requested = "requested"
    confirmed = "confirmed"
    disassociated = "disassociated"


class TransferData(msgspec.Struct, forbid_unknown_fields=True):
    to_assister_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]  # a row id
    # The assister it is expected to move from: a stale transfer is refused, not applied.
    from_assister_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | None = None


class DisassociateData(msgspec.Struct, forbid_unknown_fields=True):
    # Staff's ``reason`` is internal (history, audit); this is all the consumer is told.
    message_to_consumer: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


def assister_can_act(state: str | None) -> bool:
    """Only an active assister may be chosen or act for a client."""
    return state == "active"


@guard("the assister is active")
def assister_active(case: Case) -> str | None:
    if not assister_can_act(case.facts["assister_state"]):
        return (
            f"{case.facts['assister_name']} is not an active assister now (status: "
            f"{case.facts['assister_state']}), so they cannot take this step; choose another "
            "assister or ask them to renew their certification"
        )
    return None


@guard("not yet acknowledged")
def not_yet_acknowledged(case: Case) -> str | None:
    if case.facts["acknowledged_at"] is not None:
        return f"already acknowledged at {case.facts['acknowledged_at']}; nothing to do"
    return None


@guard("to a different assister")
def to_another_assister(case: Case) -> str | None:
    if case.data["to_assister_id"] == case.facts["assister_id"]:
        return "the association is already with that assister; choose another one"
    return None


_S = AssociationState
ASK_SUPPORT = (
    "an assister cannot end an association online: ask support (the Assister Resource "
    "Center or the Broker Line) to end it for you, giving the reason"
)

ASSOCIATION = MachineSpec(
    name="association",
    title="Consumer association",
    states=[s.value for s in AssociationState],
    initial=_S.requested,
    state_descriptions={
        _S.requested: "the consumer entered the assister's Reference Number",
        _S.confirmed: "the consumer accepted the Authorization / Agent of Record terms",
        _S.disassociated: "ended: by the consumer, by support, or replaced by a new assister",
    },
    transitions=[
        {
            "trigger": "confirm",
            "source": _S.requested,
            "dest": _S.confirmed,
            "conditions": [assister_active],
        },
        {
            "trigger": "disassociate",
            "source": [_S.requested, _S.confirmed],
            "dest": _S.disassociated,
        },
        {
            "trigger": "acknowledge",
            "source": _S.confirmed,
            "dest": _S.confirmed,
            "conditions": [assister_active, not_yet_acknowledged],
        },
        {
            "trigger": "transfer",
            "source": _S.confirmed,
            "dest": _S.confirmed,
            "conditions": [to_another_assister],
        },
    ],
    events={
        "confirm": EventSpec(
            frozenset({Role.consumer}),
            "the consumer accepts the Authorization / Agent of Record terms; any other "
            "open association of theirs ends in the same transaction",
            denied={
                role: "only the consumer can confirm an authorization, in their own account"
                for role in (Role.admin, Role.support, Role.assister, Role.agency_admin)
            },
        ),
        "disassociate": EventSpec(
            frozenset({Role.consumer, Role.support, Role.admin, Role.system}),
            "ends the association (the consumer at any time; support on request, with a "
            "reason kept for the history, never shown to the consumer, and optionally a "
            "message to the consumer: all they are told; without one they read a neutral "
            "sentence)",
            DisassociateData,
            reason_required=frozenset({Role.support, Role.admin}),
            denied={Role.assister: ASK_SUPPORT},
        ),
        "acknowledge": EventSpec(
            frozenset({Role.assister}),
            "the assister confirms the Acknowledgement of Authorization before seeing the "
            "consumer's private information",
        ),
        "transfer": EventSpec(
            frozenset({Role.admin}),
            "moves a confirmed association to another active assister (Book of Business)",
            TransferData,
            reason_required=True,
        ),
    },
)
