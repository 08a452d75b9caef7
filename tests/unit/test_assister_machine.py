"""The assister machine on its own: no database, no HTTP."""

from datetime import date

import pytest

from workflow.assisters.machine import ASSISTER
from workflow.core.codes import hash_secret
from workflow.core.errors import BadEventData, EventNotAllowed, GuardRefused, UnknownEvent
from workflow.registry import MACHINES


def facts(**overrides):
    base = {
        "current_training_year": 2027,
        "state_years": [2027],
        "courses_by_year": {2027: ["full"]},
        "pass_marks": {"full": 80, "refresher": 80, "overview": 80},
        "exempt": False,
        "refresher_eligible": False,
        "default_course": "full",
        "kind": "navigator",
        "npn_status": "not_checked",
        "registration_number_hash": hash_secret("K7QMX2PD9HVR"),
        "registration_email": "ana@example.org",
        # Onboarded long ago: past years' records are allowed (see the dated tests).
        "today": date(2026, 9, 15),
        "onboarded_on": date(2013, 8, 1),
        "first_training_year": 2014,
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


OPTIONAL = "record_optional_course"  # recorded in any state but deactivated


@pytest.mark.parametrize(
    "state, expected",
    [
        ("onboarded", ["complete_training", OPTIONAL, "deactivate"]),
        ("trained", ["complete_training", "record_exam", OPTIONAL, "lapse", "deactivate"]),
        (
            "exam_passed",
            ["complete_training", "record_exam", OPTIONAL, "register", "lapse", "deactivate"],
        ),
        (
            "registered",
            [
                "complete_training",
                "record_exam",
                OPTIONAL,
                "activate",
                "reissue_activation",
                "lapse",
                "deactivate",
            ],
        ),
        ("active", ["complete_training", "record_exam", OPTIONAL, "lapse", "deactivate"]),
        ("lapsed", ["complete_training", OPTIONAL, "deactivate"]),
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
    marks = {"full": 70, "refresher": 80, "overview": 80}
    decision = ASSISTER.decide("trained", "record_exam", facts(pass_marks=marks), {"score": 75})
    assert decision.to_state == "exam_passed"


def test_pass_mark_follows_the_course_the_exam_is_for():
    marks = {"full": 80, "refresher": 80, "overview": 70}
    overview = facts(pass_marks=marks, courses_by_year={2027: ["overview"]}, exempt=True)
    assert ASSISTER.decide("trained", "record_exam", overview, {"score": 75}).refused is None
    full = facts(pass_marks=marks)
    decision = ASSISTER.decide("trained", "record_exam", full, {"score": 75})
    assert decision.refused.startswith("score below pass mark 80 (full course)")


def test_an_exam_for_a_course_not_taken_that_year_is_refused():
    with pytest.raises(GuardRefused) as exc:
        ASSISTER.decide("trained", "record_exam", facts(), {"score": 90, "course": "refresher"})
    assert "no refresher course recorded for TY2027" in str(exc.value)


@pytest.mark.parametrize("state", ["onboarded", "lapsed"])
def test_a_past_years_course_is_recorded_without_leaving(state):
    decision = ASSISTER.decide(state, "complete_training", facts(), {"training_year": 2015})
    assert decision.to_state == state
    assert decision.refused.startswith("TY2015 is a past training year")
    assert "moving on takes the TY2027 course" in decision.refused


def test_a_past_years_exam_is_recorded_but_stays_trained():
    decision = ASSISTER.decide(
        "trained", "record_exam", facts(), {"training_year": 2015, "score": 95}
    )
    assert decision.to_state == "trained" and "TY2027 exam" in decision.refused
    data = {"training_year": 2015, "score": 50}
    failed = ASSISTER.decide("trained", "record_exam", facts(), data)
    assert failed.refused.startswith("score below pass mark")


def test_a_late_hires_open_window_year_moves_the_state():
    late = facts(state_years=[2026, 2027], courses_by_year={2026: ["full"]})
    data = {"training_year": 2026, "score": 90}
    assert ASSISTER.decide("trained", "record_exam", late, data).to_state == "exam_passed"
    back = ASSISTER.decide("lapsed", "complete_training", late, {"training_year": 2026})
    assert back.to_state == "trained"


def test_certified_states_record_past_years_in_place():
    decision = ASSISTER.decide("active", "complete_training", facts(), {"training_year": 2025})
    assert decision.to_state == "active" and decision.refused is None


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
    assert exc.value.allowed_events == ["complete_training", OPTIONAL, "deactivate"]


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


BROKER_FACTS = {"kind": "broker", "npn_status": "escalated", "marketplace_role": "individual"}


def test_blocked_lists_guard_refusals_judged_on_facts_alone():
    blocked = ASSISTER.blocked("exam_passed", BROKER_FACTS)
    assert [event for event, _ in blocked] == ["register"]
    assert "NPN not validated" in blocked[0][1] and "'escalated'" in blocked[0][1]
    # A valid NPN: register's other guard needs the agreements (event data): not judged.
    assert ASSISTER.blocked("exam_passed", {**BROKER_FACTS, "npn_status": "valid"}) == []
    # activate's guards all read the typed Registration Number: never listed.
    assert ASSISTER.blocked("registered", {**BROKER_FACTS, "npn_status": "valid"}) == []
    # Nothing is listed from a state the event does not leave.
    assert ASSISTER.blocked("onboarded", BROKER_FACTS) == []


NEW_HIRE = {"onboarded_on": date(2026, 8, 1), "first_training_year": 2027}


@pytest.mark.parametrize("event", ["complete_training", "record_exam"])
def test_a_year_before_onboarding_is_refused(event):
    data = {"training_year": 2026, **({"score": 95} if event == "record_exam" else {})}
    state = "trained" if event == "record_exam" else "onboarded"
    with pytest.raises(GuardRefused) as refused:
        ASSISTER.decide(state, event, facts(**NEW_HIRE), data)
    assert "TY2026 ended before the assister was onboarded (2026-08-01)" in str(refused.value)
    assert "first training year is TY2027" in str(refused.value)


@pytest.mark.parametrize(
    ("day", "words"),
    [("2026-07-31", "before the assister was onboarded (2026-08-01)"),
     ("2026-09-16", "is in the future (today is 2026-09-15)")],
)  # fmt: skip
def test_a_day_before_onboarding_or_in_the_future_is_refused(day, words):
    for state, event, data in [
        ("onboarded", "complete_training", {"completed_on": day}),
        ("trained", "record_exam", {"completed_on": day, "score": 95}),
        ("trained", "record_exam", {"completed_on": day, "score": 10}),  # no attempt kept
        ("active", "complete_training", {"completed_on": day}),
    ]:
        with pytest.raises(GuardRefused) as refused:
            ASSISTER.decide(state, event, facts(**NEW_HIRE), data)
        assert words in str(refused.value)


def test_days_between_onboarding_and_today_are_accepted():
    for day in ("2026-08-01", "2026-09-15"):
        moved = ASSISTER.decide("onboarded", "complete_training", facts(**NEW_HIRE),
                                {"completed_on": day})  # fmt: skip
        assert moved.to_state == "trained" and moved.data["completed_on"] == day
