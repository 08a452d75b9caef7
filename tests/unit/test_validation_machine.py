"""The NPN validation machine on its own: the registry's answer in, the outcome out."""

import pytest

from workflow.core.errors import BadEventData, GuardRefused
from workflow.registry import MACHINES
from workflow.validations.machine import (
    CHECKABLE,
    FAILURES,
    STUCK,
    VALIDATION,
    first_failure,
    needs_support,
)
from workflow.validations.messages import MESSAGES, broker_message, staff_detail

RECORD = {
    "npn": "17283945",
    "first_name": "Dana",
    "last_name": "Whitfield",
    "state": "OR",
    "license_status": "active",
    "lines_of_authority": [{"name": "Accident & Health", "status": "active"}],
}
CHECK = {
    "npn": "17283945",
    "name": "Dana Whitfield",
    "ssn_provided": True,
    "registry": "answered",
    "record": RECORD,
}
FACTS = {"failure": None, "identity_confirmed": False}


def revalidate(state="not_checked", facts=None, **changes):
    data = {**CHECK, **changes}
    return VALIDATION.decide(state, "revalidate", {**FACTS, **(facts or {})}, data).to_state


def loas(*pairs):
    return {**RECORD, "lines_of_authority": [{"name": n, "status": s} for n, s in pairs]}


def test_registered_with_every_state():
    assert MACHINES["npn_validation"] is VALIDATION
    assert list(VALIDATION.states) == [
        "not_checked",
        "valid",
        "npn_mismatch",
        "missing_ssn",
        "no_license",
        "no_health_loa",
        "loa_inactive",
        "registry_unavailable",
        "escalated",
        "resolved",
    ]
    assert set(MESSAGES) == set(VALIDATION.states)


@pytest.mark.parametrize(
    "changes, outcome",
    [
        ({}, "valid"),
        ({"ssn_provided": False}, "missing_ssn"),
        ({"registry": "unavailable", "record": None}, "registry_unavailable"),
        ({"record": None}, "npn_mismatch"),
        ({"name": "Dana Whitfeld"}, "npn_mismatch"),
        ({"record": {**RECORD, "license_status": "expired"}}, "no_license"),
        ({"record": {**RECORD, "license_status": "inactive"}}, "no_license"),
        ({"record": loas(("Life", "active"), ("Property", "active"))}, "no_health_loa"),
        ({"record": loas()}, "no_health_loa"),
        ({"record": loas(("Health", "inactive"), ("Life", "active"))}, "loa_inactive"),
        ({"record": loas(("Health", "inactive"), ("Accident & Health", "active"))}, "valid"),
        ({"name": "dana m. WHITFIELD"}, "valid"),
    ],
)
def test_revalidate_outcomes(changes, outcome):
    assert revalidate(**changes) == outcome


def test_checks_come_in_the_order_brokers_meet_them():
    # no SSN beats everything else; an unavailable registry beats what it would have said
    assert revalidate(ssn_provided=False, registry="unavailable", record=None) == "missing_ssn"
    assert revalidate(record={**RECORD, "license_status": "expired"}, name="X Y") == "npn_mismatch"
    lapsed_life_only = {**RECORD, "license_status": "expired", "lines_of_authority": []}
    assert revalidate(record=lapsed_life_only) == "no_license"


def test_identity_confirmed_by_support_stands_in_for_the_ssn():
    assert revalidate(ssn_provided=False, facts={"identity_confirmed": True}) == "valid"


@pytest.mark.parametrize("state", [*CHECKABLE, "escalated"])
def test_revalidate_from_every_state(state):
    assert revalidate(state) == "valid"


@pytest.mark.parametrize(
    "changes",
    [
        {"record": {**RECORD, "license_status": "expired"}},
        {"name": "Dana Whitfeld"},
        {"registry": "unavailable", "record": None},
    ],
)
def test_a_failing_check_keeps_an_open_support_case_open(changes):
    assert revalidate("escalated", **changes) == "escalated"
    assert VALIDATION.allowed_events("escalated") == [
        "revalidate",
        "confirm_identity",
        "correct_record",
        "resolve",
    ]
    with pytest.raises(GuardRefused, match="enter your National Producer Number"):
        revalidate("escalated", npn="")


@pytest.mark.parametrize(
    "changes, failure, support",
    [
        ({}, None, False),
        ({"ssn_provided": False}, "missing_ssn", True),
        ({"registry": "unavailable", "record": None}, "registry_unavailable", True),
        ({"name": "Dana Whitfeld"}, "npn_mismatch", True),  # the name: support corrects it
        ({"record": None}, "npn_mismatch", False),  # an unknown NPN: the broker corrects it
        ({"record": {**RECORD, "license_status": "expired"}}, "no_license", False),
        ({"record": loas(("Life", "active"))}, "no_health_loa", False),
        ({"record": loas(("Health", "inactive"))}, "loa_inactive", False),
    ],
)
def test_which_failures_need_support(changes, failure, support):
    data = {**CHECK, **changes}
    assert first_failure(FACTS, data) == failure
    assert needs_support(failure, data) is support


def test_an_open_case_keeps_the_failures_instructions():
    text = broker_message("escalated", 5, 7, failure="no_license")
    assert text.startswith("Support is working on your NPN validation")
    assert "within 5 to 7 business days" in text
    assert "then save your profile again to validate your NPN" in text
    assert "state Department of Insurance" in text
    assert text.count("Not an Agent Broker") == 1
    assert broker_message("escalated", 5, 7) == MESSAGES["escalated"].replace("{due}", "5").replace(
        "{breach}", "7"
    )


def test_no_npn_is_refused_with_what_to_do():
    with pytest.raises(GuardRefused, match="enter your National Producer Number"):
        revalidate(npn="")


def test_revalidate_data_is_checked():
    with pytest.raises(BadEventData):
        revalidate(registry="maybe")
    with pytest.raises(BadEventData):
        revalidate(record={**RECORD, "npn": "12ab"})


@pytest.mark.parametrize("failure", FAILURES)
def test_support_escalates_any_failure(failure):
    decision = VALIDATION.decide(failure, "escalate", FACTS, {})
    assert decision.to_state == "escalated"


def test_confirm_identity_then_correct_then_resolve():
    assert VALIDATION.decide("missing_ssn", "confirm_identity", FACTS).to_state == "escalated"
    change = {"registry_npn": "17283945", "changes": {"name": {"old": "D W", "new": "Dana W"}}}
    with pytest.raises(GuardRefused, match="confirm the broker's identity"):
        VALIDATION.decide("escalated", "correct_record", FACTS, change)
    confirmed = {**FACTS, "identity_confirmed": True}
    assert VALIDATION.decide("escalated", "correct_record", confirmed, change).to_state == (
        "escalated"
    )
    with pytest.raises(GuardRefused, match="nothing to correct"):
        VALIDATION.decide("escalated", "correct_record", confirmed, {**change, "changes": {}})
    with pytest.raises(BadEventData):
        email = {"email": {"old": "a", "new": "b"}}  # only name and NPN come from the registry
        VALIDATION.decide("escalated", "correct_record", confirmed, {**change, "changes": email})


def test_missing_ssn_resolves_only_with_a_confirmed_identity():
    facts = {"failure": "missing_ssn", "identity_confirmed": False}
    with pytest.raises(GuardRefused, match="confirm_identity first"):
        VALIDATION.decide("escalated", "resolve", facts)
    facts["identity_confirmed"] = True
    assert VALIDATION.decide("escalated", "resolve", facts).to_state == "resolved"
    other = {"failure": "no_license", "identity_confirmed": False}
    assert VALIDATION.decide("escalated", "resolve", other).to_state == "resolved"


def test_resolved_is_validated_again_and_nothing_else():
    assert VALIDATION.allowed_events("resolved") == ["revalidate"]
    assert VALIDATION.allowed_events("valid") == ["revalidate"]


def test_roles_and_reasons():
    spec = VALIDATION.events
    assert spec["revalidate"].roles == {"admin", "support", "assister", "system"}
    for event in ("escalate", "confirm_identity", "correct_record", "resolve"):
        assert spec[event].reason_required and "assister" not in spec[event].roles
        assert {"support", "admin"} <= spec[event].roles
    assert set(STUCK) == {*FAILURES, "escalated"}


def test_guards_carry_readable_labels_for_the_diagrams():
    labels = {
        c.__name__
        for t in VALIDATION.transitions
        for c in [*t.get("conditions", []), *t.get("unless", [])]
    }
    assert "registry answered" in labels
    assert "SSN given at sign-up, or identity confirmed" in labels
    assert all(" " in label for label in labels)


def test_messages_use_the_words_brokers_know():
    assert broker_message("npn_mismatch").startswith("NPN validation failed")
    assert broker_message("missing_ssn").startswith("Saving Data Failed")
    assert "state Department of Insurance" in broker_message("no_health_loa")
    assert "Not an Agent Broker" in broker_message("registry_unavailable")
    assert "within 3 to 4 business days" in broker_message("escalated", 3, 4)
    assert "Agent Broker options" in broker_message("resolved")


def test_staff_detail_says_what_did_not_match():
    assert staff_detail("npn_mismatch", {**CHECK, "record": None}) == (
        "NPN 17283945 is not in the producer registry"
    )
    detail = staff_detail("loa_inactive", {**CHECK, "record": loas(("Health", "inactive"))})
    assert detail == "health line of authority not active; has: Health:inactive"
    assert staff_detail("valid", CHECK) is None
