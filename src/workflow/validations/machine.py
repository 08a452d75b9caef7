"""NPN validation, one machine per broker.

``revalidate`` carries what the producer registry answered (looked up by the service
before its transaction) and the machine's guards pick the outcome: the first check that
fails names the failure state, all passing gives ``valid``. Support works a stuck
validation through ``escalate``, ``confirm_identity`` and ``correct_record`` (each opens
or keeps a support case: ``escalated``) and ``resolve``; a resolved validation is
validated again. ``revalidate`` also runs while a case is open (the broker fixed their
license with their state, or their NPN): a pass closes the case (``valid``), a failure
keeps it open with the failure brought up to date.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import msgspec

from workflow.core.machine import Case, EventSpec, MachineSpec, guard
from workflow.core.roles import Role
from workflow.validations.data import CorrectRecordData, RevalidateData
from workflow.validations.producer import (
    RegistryRecordData,
    health_loa_active,
    health_loas,
    license_active,
    names_match,
)


class ValidationState(StrEnum):
    not_checked = "not_checked"
    valid = "valid"
    npn_mismatch = "npn_mismatch"
    missing_ssn = "missing_ssn"
    no_license = "no_license"
    no_health_loa = "no_health_loa"
    loa_inactive = "loa_inactive"
    registry_unavailable = "registry_unavailable"
    escalated = "escalated"
    resolved = "resolved"


_V = ValidationState
FAILURES = (
    _V.npn_mismatch,
    _V.missing_ssn,
    _V.no_license,
    _V.no_health_loa,
    _V.loa_inactive,
    _V.registry_unavailable,
)
STUCK = (*FAILURES, _V.escalated)  # what the support queue lists
CHECKABLE = [_V.not_checked, _V.valid, *FAILURES, _V.resolved]  # revalidate: the outcome
# Failures only support can fix (or, for the registry, that have lasted too long): the
# ones the SLA sweep opens a support case for. A missing or inactive license or health
# LOA, and an NPN the registry does not know, are the broker's to fix.
SUPPORT_FAILURES = (_V.missing_ssn, _V.npn_mismatch, _V.registry_unavailable)


def _record(case: Case) -> RegistryRecordData | None:
    raw = case.data.get("record")
    return msgspec.convert(raw, RegistryRecordData) if raw else None


@guard("profile has an NPN")
def profile_has_npn(case: Case) -> str | None:
    if not case.data["npn"]:
        return (
            "no NPN on the profile: enter your National Producer Number and save; it is "
            "not your state license number or your Federal Tax ID"
        )
    return None


@guard("SSN given at sign-up, or identity confirmed")
def ssn_on_file(case: Case) -> str | None:
    if case.data["ssn_provided"] or case.facts["identity_confirmed"]:
        return None
    return "Saving Data Failed: the account was created without an SSN"


@guard("registry answered")
def registry_answered(case: Case) -> str | None:
    return None if case.data["registry"] == "answered" else "the producer registry did not answer"


@guard("NPN and name match the registry")
def npn_and_name_match(case: Case) -> str | None:
    record = _record(case)
    if record is None:
        return "NPN validation failed: the NPN is not in the producer registry"
    if not names_match(case.data["name"], record.first_name, record.last_name):
        return "NPN validation failed: the name does not match the producer registry"
    return None


@guard("state license active")
def state_license_active(case: Case) -> str | None:
    return None if license_active(_record(case)) else "no active state license"


@guard("holds a health LOA")
def holds_health_loa(case: Case) -> str | None:
    return None if health_loas(_record(case)) else "no health-related line of authority"


@guard("health LOA active")
def health_loa_is_active(case: Case) -> str | None:
    return None if health_loa_active(_record(case)) else "health line of authority not active"


@guard("identity confirmed by support")
def identity_confirmed(case: Case) -> str | None:
    if case.facts["identity_confirmed"]:
        return None
    return (
        "confirm the broker's identity against the producer registry first "
        "(confirm_identity), then correct their record"
    )


@guard("correction changes the profile")
def correction_changes_profile(case: Case) -> str | None:
    if case.data["changes"]:
        return None
    return (
        f"the profile already has the name and NPN of registry record "
        f"{case.data['registry_npn']}: nothing to correct; resolve the case instead"
    )


@guard("a missing SSN is covered by a confirmed identity")
def missing_ssn_covered(case: Case) -> str | None:
    if case.facts["failure"] != _V.missing_ssn or case.facts["identity_confirmed"]:
        return None
    return (
        "Saving Data Failed is resolved only by confirming the broker's identity against "
        "the producer registry: fire confirm_identity first"
    )


# Checks in the order a broker meets them; the first that fails names the outcome.
CHECKS = [
    (ssn_on_file, _V.missing_ssn),
    (registry_answered, _V.registry_unavailable),
    (npn_and_name_match, _V.npn_mismatch),
    (state_license_active, _V.no_license),
    (holds_health_loa, _V.no_health_loa),
    (health_loa_is_active, _V.loa_inactive),
]


@guard("every check passes")
def every_check_passes(case: Case) -> str | None:
    return next((reason for check, _ in CHECKS if (reason := check.check(case))), None)


def first_failure(facts: Mapping[str, Any], data: Mapping[str, Any]) -> ValidationState | None:
    """The failure a ``revalidate`` with ``data`` finds (``None``: every check passes);
    what an open support case records as its failure when a check runs meanwhile."""
    case = Case(facts, data)
    return next((failure for check, failure in CHECKS if check.check(case)), None)


def needs_support(failure: str | None, data: Mapping[str, Any]) -> bool:
    """Whether a failure found by a check with ``data`` is support's to fix: no SSN, a
    name that differs from the registry's record of the NPN, or a registry that does not
    answer. An NPN the registry does not know is the broker's to correct."""
    if failure == _V.npn_mismatch:
        return bool(data.get("record"))
    return failure in SUPPORT_FAILURES


def _revalidate_transitions() -> list[dict]:
    """One edge per outcome. ``transitions`` tries a trigger's edges in the order given
    and takes the first whose guards pass, so each failure edge only names the check
    that failed: the ones before it passed, or an earlier edge would have been taken."""
    failures = [
        {
            "trigger": "revalidate",
            "source": CHECKABLE,
            "dest": failure,
            "conditions": [profile_has_npn],
            "unless": [check],
        }
        for check, failure in CHECKS
    ]
    # While support has a case open, a failing check keeps it open (its failure is
    # brought up to date); a passing one closes it.
    still_open = {
        "trigger": "revalidate",
        "source": _V.escalated,
        "dest": _V.escalated,
        "conditions": [profile_has_npn],
        "unless": [every_check_passes],
    }
    valid = {
        "trigger": "revalidate",
        "source": [*CHECKABLE, _V.escalated],
        "dest": _V.valid,
        "conditions": [profile_has_npn, every_check_passes],
    }
    return [*failures, still_open, valid]


SUPPORT = frozenset({Role.support, Role.admin})
# What a broker is told when they try support's events on their own validation.
ASK_SUPPORT = {
    Role.assister: "only support works a stuck NPN validation: contact the Marketplace Service "
    "Desk, who will confirm your identity and update your record"
}

VALIDATION = MachineSpec(
    name="npn_validation",
    title="NPN validation",
    states=[s.value for s in ValidationState],
    initial=_V.not_checked,
    state_descriptions={
        _V.not_checked: "the registry has not been asked yet",
        _V.valid: "license, health line of authority and name all check out",
        _V.npn_mismatch: "NPN validation failed: NPN or name does not match the registry",
        _V.missing_ssn: "Saving Data Failed: the account was created without an SSN",
        _V.no_license: "no active state license",
        _V.no_health_loa: "no health-related line of authority",
        _V.loa_inactive: "the health line of authority is not active",
        _V.registry_unavailable: "the registry did not answer; retried later",
        _V.escalated: "a support case is open; a check that passes closes it",
        _V.resolved: "support resolved the case; validated again next",
    },
    transitions=[
        *_revalidate_transitions(),
        {"trigger": "escalate", "source": list(FAILURES), "dest": _V.escalated},
        {
            "trigger": "confirm_identity",
            "source": [_V.missing_ssn, _V.npn_mismatch, _V.escalated],
            "dest": _V.escalated,
        },
        {
            "trigger": "correct_record",
            "source": [_V.missing_ssn, _V.npn_mismatch, _V.escalated],
            "dest": _V.escalated,
            "conditions": [identity_confirmed, correction_changes_profile],
        },
        {
            "trigger": "resolve",
            "source": _V.escalated,
            "dest": _V.resolved,
            "conditions": [missing_ssn_covered],
        },
    ],
    events={
        "revalidate": EventSpec(
            frozenset({Role.admin, Role.support, Role.assister, Role.system}),
            "asks the producer registry again and records the outcome",
            RevalidateData,
        ),
        "escalate": EventSpec(
            SUPPORT | {Role.system},
            "opens a support case",
            reason_required=True,
            denied=ASK_SUPPORT,
        ),
        "confirm_identity": EventSpec(
            SUPPORT,
            "support confirmed the broker's identity against the producer registry",
            reason_required=True,
            denied=ASK_SUPPORT,
        ),
        "correct_record": EventSpec(
            SUPPORT,
            "copies the name and NPN from the registry record onto the profile",
            CorrectRecordData,
            reason_required=True,
            denied=ASK_SUPPORT,
        ),
        "resolve": EventSpec(
            SUPPORT,
            "closes the support case; the NPN is validated again",
            reason_required=True,
            denied=ASK_SUPPORT,
        ),
    },
)
