"""The assister lifecycle: onboarded → trained → exam_passed → registered → active,
with ``lapsed`` when a training-year deadline passes and ``deactivated`` for people who
leave the program (the roster marks them inactive)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

import msgspec

from workflow.assisters.marketplace import AGREEMENTS_FOR_ROLE, ROLE_LABELS
from workflow.core.codes import normalize_registration_number, verify_secret
from workflow.core.machine import Case, EventSpec, MachineSpec, guard, record_refusal
from workflow.core.roles import Role
from workflow.core.training_year import CourseKind, Language, OptionalCourse, exam_course


class AssisterState(StrEnum):
    onboarded = "onboarded"
    trained = "trained"
    exam_passed = "exam_passed"
    registered = "registered"
    active = "active"
    lapsed = "lapsed"
    deactivated = "deactivated"


class AssisterKind(StrEnum):
    broker = "broker"
    navigator = "navigator"
    cac = "cac"


Score = Annotated[int, msgspec.Meta(ge=0, le=100)]
Year = Annotated[int, msgspec.Meta(ge=2014, le=2100)]
Agreement = Literal["individual", "shop"]


class CompleteTrainingData(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    training_year: Year | None = None  # default: the training year of the day it is recorded
    course: CourseKind | None = None  # default: overview for exempt organisations, else full
    language: Language | None = None  # default: the assister's preferred language
    completed_on: date | None = None  # default: the day it is recorded


class RecordExamData(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    score: Score
    training_year: Year | None = None
    # default: the course completed last in that training year (else full, or overview)
    course: CourseKind | None = None
    language: Language | None = None
    completed_on: date | None = None  # default: the day it is recorded


class OptionalCourseData(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    course: OptionalCourse
    training_year: Year | None = None
    language: Language | None = None
    completed_on: date | None = None
    score: Score | None = None  # the portal access course's assessment only


class RegisterData(msgspec.Struct, forbid_unknown_fields=True):
    agreements: Annotated[list[Agreement], msgspec.Meta(min_length=1, max_length=2)]


class ActivateData(msgspec.Struct, forbid_unknown_fields=True):
    registration_number: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]


def _year(case: Case) -> int:
    return case.data.get("training_year") or case.facts["current_training_year"]


def _exam_course(case: Case) -> str:
    completed = case.facts["courses_by_year"].get(_year(case), [])
    return exam_course(case.data.get("course"), completed, case.facts["default_course"])


@guard("score at or above the course's pass mark")
def passes_exam(case: Case) -> str | None:
    course = _exam_course(case)
    pass_mark = case.facts["pass_marks"][course]
    if case.data["score"] < pass_mark:
        return (
            f"score below pass mark {pass_mark} ({course} course): the failed attempt is "
            "recorded and the assister stays trained and may take the exam again"
        )
    return None


@guard("exam is for a course completed that year")
def exam_course_taken(case: Case) -> str | None:
    course, year = case.data.get("course"), _year(case)
    if course is not None and course not in case.facts["courses_by_year"].get(year, []):
        return f"no {course} course recorded for TY{year}: record the course before its exam"
    return None


@guard("training year is current")
def year_moves_state(case: Case) -> str | None:
    """Leaving onboarded, lapsed or trained takes the current training year (or a late
    hire's window still open from last year); other years are only recorded."""
    year, current = _year(case), case.facts["current_training_year"]
    if year in case.facts["state_years"]:
        return None
    step = "course" if case.state in (AssisterState.onboarded, AssisterState.lapsed) else "exam"
    return (
        f"TY{year} is a past training year: its record is kept, but the assister stays "
        f"{case.state}; moving on takes the TY{current} {step}"
    )


@guard("course suits the assister")
def course_allowed(case: Case) -> str | None:
    course = case.data.get("course") or case.facts["default_course"]
    if course == CourseKind.overview and not case.facts["exempt"]:
        return (
            "the Overview course is only for assisters of organisations exempt from the full "
            "Marketplace training; take the full course"
        )
    if course == CourseKind.refresher and not case.facts["refresher_eligible"]:
        return (
            "the refresher is for returning assisters who completed the full course and exam "
            "in each of the past two training years and did not lapse since; anyone who let "
            "training lapse takes the full course"
        )
    return None


@guard("approved on the organisation's roster, where the program requires it")
def roster_approved(case: Case) -> str | None:
    if case.facts.get("needs_roster_approval"):
        return (
            "your agency admin has not approved you on your organisation's roster yet; the "
            "program requires it before training: ask them to approve you in the portal"
        )
    return None


@guard("training year is not in the future")
def training_year_not_future(case: Case) -> str | None:
    year, current = case.data.get("training_year"), case.facts["current_training_year"]
    if year is not None and year > current:
        return f"training_year {year} is in the future; the current training year is TY{current}"
    return None


@guard("dated between onboarding and today")
def dated_since_onboarding(case: Case) -> str | None:
    """A course or exam counts only from the day the person joined the program up to
    today: otherwise a new hire could backfill past years (and so qualify for the
    refresher) or a record could claim a day that has not come yet."""
    facts, data = case.facts, case.data
    onboarded, today = facts["onboarded_on"], facts["today"]
    if (day := data.get("completed_on")) is not None:
        day = date.fromisoformat(str(day))
        if day > today:
            return f"completed_on {day} is in the future (today is {today}): record it once taken"
        if day < onboarded:
            return (
                f"completed_on {day} is before the assister was onboarded ({onboarded}): "
                "only courses and exams taken since then count"
            )
    year, first = data.get("training_year"), facts["first_training_year"]
    if year is not None and year < first:
        return (
            f"TY{year} ended before the assister was onboarded ({onboarded}): their first "
            f"training year is TY{first}"
        )
    return None


@guard("a score only for the portal assessment")
def score_only_for_portal(case: Case) -> str | None:
    course = case.data["course"]
    if case.data.get("score") is not None and course != OptionalCourse.portal:
        return f"the {course} course has no assessment: record it without a score"
    return None


@guard("broker's NPN is validated")
def npn_validated(case: Case) -> str | None:
    if case.facts["kind"] == AssisterKind.broker and case.facts["npn_status"] != "valid":
        return (
            f"NPN not validated: a broker can register only once their NPN status is "
            f"'valid' (it is '{case.facts['npn_status']}'); correct the NPN or ask support"
        )
    return None


@guard("broker's agreements follow their Agent Broker role")
def agreements_follow_role(case: Case) -> str | None:
    if case.facts["kind"] != AssisterKind.broker:
        return None
    role = case.facts.get("marketplace_role")
    if role not in AGREEMENTS_FOR_ROLE:
        current = ROLE_LABELS.get(role, "not chosen")
        return (
            f"choose an Agent Broker role (individual, shop or both) on your profile before "
            f"registering; your marketplace role is {current}"
        )
    needed = sorted(AGREEMENTS_FOR_ROLE[role])
    if sorted(set(case.data["agreements"])) != needed:
        return (
            f"the agreements follow your marketplace role ({role}): accept exactly "
            f"{' and '.join(needed)}"
        )
    return None


@guard("Registration Number matches the activation email")
def registration_number_matches(case: Case) -> str | None:
    typed = normalize_registration_number(case.data["registration_number"])
    if not verify_secret(typed, case.facts["registration_number_hash"]):
        return NUMBER_MISMATCH
    return None


NUMBER_MISMATCH = (
    "Registration Number does not match: use the one in the most recent "
    "activation email (numbers from earlier emails no longer work)"
)
EMAIL_MISMATCH = "email does not match: enter the exact address the activation email was sent to"


@guard("email is the one the activation email went to")
def email_matches(case: Case) -> str | None:
    expected = (case.facts["registration_email"] or "").strip().lower()
    if case.data["email"].strip().lower() != expected:
        return EMAIL_MISMATCH
    return None


_S = AssisterState
ADMIN = frozenset({Role.admin})
# States in which a (new) training year's course and exam can be recorded in place.
CERTIFIED = [_S.trained, _S.exam_passed, _S.registered, _S.active]

ASSISTER = MachineSpec(
    name="assister",
    title="Assister lifecycle",
    states=[s.value for s in AssisterState],
    initial=_S.onboarded,
    state_descriptions={
        _S.onboarded: "account created; this training year's course not yet completed",
        _S.trained: "completed the certification course for the training year",
        _S.exam_passed: "passed the certification exam",
        _S.registered: "accepted the agreement(s); activation email sent",
        _S.active: "activated with the Registration Number; may help consumers",
        _S.lapsed: "missed the training-year deadline; retraining starts the way back",
        _S.deactivated: "left the program (the roster marks them inactive)",
    },
    transitions=[
        {
            "trigger": "complete_training",
            "source": [_S.onboarded, _S.lapsed],
            "dest": _S.trained,
            "conditions": [
                roster_approved,
                dated_since_onboarding,
                course_allowed,
                training_year_not_future,
                year_moves_state,
            ],
        },
        # A past year's course: recorded, the state stays (the caller hears why).
        {
            "trigger": "complete_training",
            "source": [_S.onboarded, _S.lapsed],
            "dest": "=",
            "conditions": [
                roster_approved,
                dated_since_onboarding,
                course_allowed,
                training_year_not_future,
            ],
            "unless": [year_moves_state],
            "after": [record_refusal],
        },
        # A new training year's course and exam, taken without leaving the state.
        {
            "trigger": "complete_training",
            "source": CERTIFIED,
            "dest": "=",
            "conditions": [dated_since_onboarding, course_allowed, training_year_not_future],
        },
        {
            "trigger": "record_exam",
            "source": _S.trained,
            "dest": _S.exam_passed,
            "conditions": [
                dated_since_onboarding,
                training_year_not_future,
                exam_course_taken,
                passes_exam,
                year_moves_state,
            ],
        },
        # A past year's passed exam while trained: recorded, the state stays.
        {
            "trigger": "record_exam",
            "source": _S.trained,
            "dest": "=",
            "conditions": [
                dated_since_onboarding,
                training_year_not_future,
                exam_course_taken,
                passes_exam,
            ],
            "unless": [year_moves_state],
            "after": [record_refusal],
        },
        {
            "trigger": "record_exam",
            "source": [_S.exam_passed, _S.registered, _S.active],
            "dest": "=",
            "conditions": [
                dated_since_onboarding,
                training_year_not_future,
                exam_course_taken,
                passes_exam,
            ],
        },
        {
            "trigger": "record_exam",
            "source": CERTIFIED,
            "dest": "=",
            "conditions": [dated_since_onboarding, training_year_not_future, exam_course_taken],
            "unless": [passes_exam],
            "after": [record_refusal],
        },
        # Optional courses are recorded in any state; certification never hears of them.
        {
            "trigger": "record_optional_course",
            "source": [s for s in AssisterState if s != _S.deactivated],
            "dest": "=",
            "conditions": [dated_since_onboarding, training_year_not_future, score_only_for_portal],
        },
        {
            "trigger": "register",
            "source": _S.exam_passed,
            "dest": _S.registered,
            "conditions": [npn_validated, agreements_follow_role],
        },
        {
            "trigger": "activate",
            "source": _S.registered,
            "dest": _S.active,
            "conditions": [registration_number_matches, email_matches],
        },
        # A lost Registration Number: a new one replaces it, the state stays.
        {"trigger": "reissue_activation", "source": _S.registered, "dest": "="},
        {
            "trigger": "lapse",
            "source": [_S.trained, _S.exam_passed, _S.registered, _S.active],
            "dest": _S.lapsed,
        },
        {
            "trigger": "deactivate",
            "source": [s for s in AssisterState if s != _S.deactivated],
            "dest": _S.deactivated,
        },
        {"trigger": "reinstate", "source": _S.deactivated, "dest": _S.onboarded},
    ],
    events={
        "complete_training": EventSpec(
            ADMIN,
            "completed a course (full, refresher or overview) for a training year",
            CompleteTrainingData,
        ),
        "record_exam": EventSpec(
            ADMIN, "records an exam attempt and its score for a training year", RecordExamData
        ),
        "record_optional_course": EventSpec(
            ADMIN,
            "records an optional course (enrichment, supplemental, Help On Demand, portal "
            "access with its assessment); certification is unchanged",
            OptionalCourseData,
        ),
        "register": EventSpec(
            frozenset({Role.admin, Role.assister}),
            "accepts the agreement(s); issues the Registration Number",
            RegisterData,
        ),
        "activate": EventSpec(
            frozenset({Role.admin, Role.assister}),
            "activates the account with the Registration Number and email",
            ActivateData,
            redact=("registration_number",),
        ),
        "reissue_activation": EventSpec(
            frozenset({Role.admin, Role.support}),
            "sends a new activation email with a new Registration Number; the old one "
            "stops working",
        ),
        "lapse": EventSpec(frozenset({Role.admin, Role.system}), "training-year deadline missed"),
        "deactivate": EventSpec(
            frozenset({Role.admin, Role.agency_admin}),
            "removes the assister from the program",
            reason_required=True,
        ),
        "reinstate": EventSpec(
            ADMIN, "brings a deactivated assister back to start over", reason_required=True
        ),
    },
)
