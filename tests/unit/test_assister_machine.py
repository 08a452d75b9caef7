"""The assister machine on its own: no database, no HTTP."""

import pytest

from workflow.codes import hash_secret
from workflow.machines import MACHINES
from workflow.machines.assister import ASSISTER
from workflow.machines.errors import BadEventData, EventNotAllowed, GuardRefused, UnknownEvent


def facts(**overrides):
    base = {
        "current_training_year": 2027,
        "exempt": False,
        "refresher_eligible": False,
        "default_course": "full",
        "kind": "navigator",
        "npn_status": "not_checked",
        "pass_mark": 80,
        "registration_number_hash": hash_secret("K7QMX2PD9HVR"),
        "registration_email": "ana@example.org",
    }
    return {**base, **overrides}


def test_registry_holds_the_assister_machine_built_once():
    assert MACHINES["assister"] is ASSISTER
    assert ASSISTER.machine is ASSISTER.machine  # cached: one transitions.Machine per kind


def test_states_are_the_lifecycle():
    assert list(ASSISTER.states) == [
        "onboarded",
        "trained",
        "exam_passed",
        "registered",
        "active",
        "lapsed",
        "deactivated",
    ]


@pytest.mark.parametrize(
    "state, expected",
    [
        ("onboarded", ["complete_training", "deactivate"]),
        ("trained", ["complete_training", "record_exam", "lapse", "deactivate"]),
        ("exam_passed", ["complete_training", "record_exam", "register", "lapse", "deactivate"]),
        ("registered", ["complete_training", "record_exam", "activate", "lapse", "deactivate"]),
        ("active", ["complete_training", "record_exam", "lapse", "deactivate"]),
        ("lapsed", ["complete_training", "deactivate"]),
        ("deactivated", ["reinstate"]),
    ],
)
def test_allowed_events_per_state(state, expected):
    assert ASSISTER.allowed_events(state) == expected


def test_exam_at_pass_mark_passes():
    decision = ASSISTER.decide("trained", "record_exam", facts(), {"score": 80})
    assert decision.to_state == "exam_passed"
    assert decision.refused is None


def test_exam_below_pass_mark_is_a_recorded_refusal():
    decision = ASSISTER.decide("trained", "record_exam", facts(), {"score": 79})
    assert decision.to_state == "trained"
    assert decision.refused.startswith("score below pass mark 80")


def test_pass_mark_is_a_fact_not_a_constant():
    decision = ASSISTER.decide("trained", "record_exam", facts(pass_mark=70), {"score": 75})
    assert decision.to_state == "exam_passed"


@pytest.mark.parametrize("data", [{}, {"score": 101}, {"score": -1}, {"score": "90"}, {"x": 1}])
def test_exam_data_is_validated(data):
    with pytest.raises(BadEventData) as exc:
        ASSISTER.decide("trained", "record_exam", facts(), data)
    assert "record_exam" in exc.value.detail


def test_broker_needs_valid_npn_to_register():
    with pytest.raises(GuardRefused, match="NPN not validated"):
        ASSISTER.decide(
            "exam_passed", "register", facts(kind="broker"), {"agreements": ["individual"]}
        )
    ok = ASSISTER.decide(
        "exam_passed",
        "register",
        facts(kind="broker", npn_status="valid", marketplace_role="both"),
        {"agreements": ["individual", "shop"]},
    )
    assert ok.to_state == "registered"


def test_navigators_register_without_npn():
    ok = ASSISTER.decide("exam_passed", "register", facts(), {"agreements": ["shop"]})
    assert ok.to_state == "registered"


@pytest.mark.parametrize("agreements", [[], ["medicare"], "individual"])
def test_register_needs_known_agreements(agreements):
    with pytest.raises(BadEventData):
        ASSISTER.decide("exam_passed", "register", facts(), {"agreements": agreements})


def test_activation_needs_number_and_email():
    good = {"registration_number": "k7qm-x2pd-9hvr", "email": " Ana@Example.org "}
    assert ASSISTER.decide("registered", "activate", facts(), good).to_state == "active"
    with pytest.raises(GuardRefused, match="Registration Number does not match"):
        ASSISTER.decide("registered", "activate", facts(), {**good, "registration_number": "X"})
    with pytest.raises(GuardRefused, match="email does not match"):
        ASSISTER.decide("registered", "activate", facts(), {**good, "email": "other@example.org"})


def test_used_registration_number_no_longer_works():
    data = {"registration_number": "K7QMX2PD9HVR", "email": "ana@example.org"}
    with pytest.raises(GuardRefused):
        ASSISTER.decide("registered", "activate", facts(registration_number_hash=None), data)


def test_event_not_allowed_names_the_allowed_ones():
    with pytest.raises(EventNotAllowed) as exc:
        ASSISTER.decide("onboarded", "activate", facts(), {})
    assert exc.value.allowed_events == ["complete_training", "deactivate"]


def test_unknown_event():
    with pytest.raises(UnknownEvent) as exc:
        ASSISTER.decide("onboarded", "fly", facts(), {})
    assert "complete_training" in exc.value.events


def test_lapsed_assister_comes_back_through_training():
    assert ASSISTER.decide("lapsed", "complete_training", facts(), {}).to_state == "trained"


def test_secrets_are_redacted_for_history():
    spec = ASSISTER.event("activate")
    logged = spec.loggable({"registration_number": "K7QM", "email": "a@b.org"})
    assert logged == {"registration_number": "[redacted]", "email": "a@b.org"}


def test_every_event_declares_roles_and_every_transition_a_known_event():
    triggers = {t["trigger"] for t in ASSISTER.transitions}
    assert triggers == set(ASSISTER.events)
    assert all(spec.roles for spec in ASSISTER.events.values())
