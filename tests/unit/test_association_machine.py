"""The association machine on its own: no database, no HTTP."""

import pytest

from workflow.associations.machine import ASK_SUPPORT, ASSOCIATION
from workflow.core.errors import BadEventData, EventNotAllowed, GuardRefused
from workflow.registry import MACHINES


def facts(**overrides):
    base = {
        "assister_id": 7,
        "assister_state": "active",
        "assister_name": "Ana Torres",
        "acknowledged_at": None,
    }
    return {**base, **overrides}


def test_registered_with_the_states_of_the_issue():
    assert MACHINES["association"] is ASSOCIATION
    assert list(ASSOCIATION.states) == ["requested", "confirmed", "disassociated"]
    assert ASSOCIATION.initial == "requested"


@pytest.mark.parametrize(
    "state, expected",
    [
        ("requested", ["confirm", "disassociate"]),
        ("confirmed", ["disassociate", "acknowledge", "transfer"]),
        ("disassociated", []),
    ],
)
def test_allowed_events_per_state(state, expected):
    assert ASSOCIATION.allowed_events(state) == expected


def test_confirm_needs_an_active_assister():
    assert ASSOCIATION.decide("requested", "confirm", facts()).to_state == "confirmed"
    with pytest.raises(GuardRefused, match="Ana Torres is not an active assister"):
        ASSOCIATION.decide("requested", "confirm", facts(assister_state="lapsed"))


def test_disassociate_from_requested_or_confirmed_is_final():
    for state in ("requested", "confirmed"):
        assert ASSOCIATION.decide(state, "disassociate", facts()).to_state == "disassociated"
    with pytest.raises(EventNotAllowed, match="final state"):
        ASSOCIATION.decide("disassociated", "confirm", facts())


def test_acknowledge_once_and_only_by_an_active_assister():
    decision = ASSOCIATION.decide("confirmed", "acknowledge", facts())
    assert (decision.from_state, decision.to_state) == ("confirmed", "confirmed")
    with pytest.raises(GuardRefused, match="already acknowledged"):
        ASSOCIATION.decide("confirmed", "acknowledge", facts(acknowledged_at="yesterday"))
    with pytest.raises(GuardRefused, match="not an active assister"):
        ASSOCIATION.decide("confirmed", "acknowledge", facts(assister_state="deactivated"))


def test_transfer_keeps_it_confirmed_and_needs_another_assister():
    decision = ASSOCIATION.decide("confirmed", "transfer", facts(), {"to_assister_id": 9})
    assert decision.to_state == "confirmed"
    assert decision.data == {"to_assister_id": 9, "from_assister_id": None}
    with pytest.raises(GuardRefused, match="already with that assister"):
        ASSOCIATION.decide("confirmed", "transfer", facts(), {"to_assister_id": 7})
    with pytest.raises(BadEventData, match="to_assister_id"):
        ASSOCIATION.decide("confirmed", "transfer", facts(), {})
    with pytest.raises(EventNotAllowed):
        ASSOCIATION.decide("requested", "transfer", facts(), {"to_assister_id": 9})


def test_roles_per_event():
    events = ASSOCIATION.events
    assert events["confirm"].roles == {"consumer"}
    assert "assister" not in events["disassociate"].roles
    assert events["disassociate"].denied["assister"] == ASK_SUPPORT
    assert "ask support" in ASK_SUPPORT
    assert events["acknowledge"].roles == {"assister"}
    assert events["transfer"].roles == {"admin"}


def test_support_must_give_a_reason_the_consumer_need_not():
    spec = ASSOCIATION.events["disassociate"]
    assert spec.needs_reason("support") and spec.needs_reason("admin")
    assert not spec.needs_reason("consumer") and not spec.needs_reason("system")
    assert ASSOCIATION.events["transfer"].needs_reason("admin")
