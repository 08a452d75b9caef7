"""Training records per training year, and what an assister still needs this year."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from workflow.core.settings import get_settings
from workflow.core.training_year import Calendar, CourseKind, exam_course, label
from workflow.db.raw import in_list, list_arg, raw, read
from workflow.tables import ExemptionRequest, ExemptionState, RecordKind, TrainingRecord
from workflow.training.optional import optional_courses

EXEMPT = """
SELECT 1 AS yes FROM exemption_requests
WHERE organization = {} AND state = 'approved' LIMIT 1
"""


async def organization_exempt(organization_id: int | None) -> bool:
    """Whether the organisation's request to skip the full course was approved."""
    if organization_id is None:
        return False
    return bool(await ExemptionRequest.raw(EXEMPT, organization_id))


async def certified_years(assister_id: int, years: list[int]) -> dict[int, dict[str, Any]]:
    """Per training year: which course was completed and whether an exam was passed."""
    rows = await TrainingRecord.select(
        TrainingRecord.training_year,
        TrainingRecord.kind,
        TrainingRecord.course,
        TrainingRecord.passed,
    ).where((TrainingRecord.assister == assister_id) & TrainingRecord.training_year.is_in(years))
    status = {y: {"courses": set(), "exam_passed": False} for y in years}
    for r in rows:
        entry = status[r["training_year"]]
        if r["kind"] == RecordKind.training:
            entry["courses"].add(r["course"])
        elif r["passed"]:
            entry["exam_passed"] = True
    return status


async def year_status_many(assister_ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """``certified_years`` for many assisters and one year, in one query."""
    rows = await TrainingRecord.select(
        TrainingRecord.assister,
        TrainingRecord.kind,
        TrainingRecord.course,
        TrainingRecord.passed,
    ).where(TrainingRecord.assister.is_in(assister_ids) & (TrainingRecord.training_year == year))
    status = {i: {"courses": set(), "exam_passed": False} for i in assister_ids}
    for r in rows:
        entry = status[r["assister"]]
        if r["kind"] == RecordKind.training:
            entry["courses"].add(r["course"])
        elif r["passed"]:
            entry["exam_passed"] = True
    return status


async def exempt_organizations(organization_ids: set[int | None]) -> set[int]:
    ids = [i for i in organization_ids if i is not None]
    if not ids:
        return set()
    rows = await ExemptionRequest.select(ExemptionRequest.organization).where(
        ExemptionRequest.organization.is_in(ids)
        & (ExemptionRequest.state == ExemptionState.approved)
    )
    return {r["organization"] for r in rows}


def is_certified(entry: Mapping[str, Any]) -> bool:
    return bool(entry["courses"]) and entry["exam_passed"]


# One fixed statement for the facts below (they are read inside every training event).
TRAINING_FACTS = """
SELECT (SELECT COUNT(*) FROM exemption_requests e
        WHERE e.organization = {} AND e.state = 'approved') AS exempt,
       (SELECT COUNT(*) FROM history h WHERE h.machine = 'assister' AND h.entity_id = {}
        AND h.event = 'lapse' AND h.at >= {}) AS lapses,
       r.training_year, r.kind, r.course, r.passed
FROM (SELECT 1) AS one
LEFT JOIN training_records r ON r.assister = {}
ORDER BY r.id
"""


def refresher_eligible(
    ty: int, records: list[Mapping[str, Any]], lapsed: bool, allowed: bool
) -> bool:
    """Oregon's rule: the full course and its exam passed in each of the past two
    training years, and no lapse since (anyone who let training lapse takes the full
    course)."""
    full = {
        (r["training_year"], r["kind"])
        for r in records
        if r["course"] == CourseKind.full and (r["kind"] == RecordKind.training or r["passed"])
    }
    done = all(
        (y, RecordKind.training) in full and (y, RecordKind.exam) in full for y in (ty - 1, ty - 2)
    )
    return allowed and not lapsed and done


def _lapses_since(now: datetime) -> datetime:
    """Lapses count from the start of the training year two years back."""
    settings = get_settings()
    ty = settings.calendar.training_year(settings.today(now))
    return datetime.combine(settings.calendar.year_starts(ty - 2), time.min, tzinfo=UTC)


async def training_facts(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Facts the assister machine's course, year and exam guards read."""
    since = _lapses_since(now)
    rows = await read(TRAINING_FACTS, row["organization"], row["id"], since, row["id"])
    exempt = bool(rows and rows[0]["exempt"])
    lapsed = bool(rows and rows[0]["lapses"])
    records = [r for r in rows if r["training_year"] is not None]
    return facts_from(row, records, exempt, lapsed, now)


MANY_RECORDS = """
SELECT assister, training_year, kind, course, passed FROM training_records
WHERE {ids} ORDER BY id
"""
MANY_LAPSES = """
SELECT DISTINCT entity_id FROM history WHERE machine = 'assister' AND event = 'lapse'
AND at >= {{}} AND {ids}
"""


async def training_facts_many(
    rows: Sequence[Mapping[str, Any]], now: datetime
) -> dict[int, dict[str, Any]]:
    """``training_facts`` for many assisters, in three queries."""
    if not rows:
        return {}
    ids = list_arg(r["id"] for r in rows)
    records: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    for record in await raw(MANY_RECORDS.format(ids=in_list("assister")), ids):
        records[record["assister"]].append(record)
    lapses = await raw(MANY_LAPSES.format(ids=in_list("entity_id")), _lapses_since(now), ids)
    lapsed = {r["entity_id"] for r in lapses}
    exempt = await exempt_organizations({r["organization"] for r in rows})
    return {
        r["id"]: facts_from(
            r, records[r["id"]], r["organization"] in exempt, r["id"] in lapsed, now
        )  # fmt: skip
        for r in rows
    }


def facts_from(row: Mapping[str, Any], records: list[Mapping[str, Any]], exempt: bool,
               lapsed_since: bool, now: datetime) -> dict[str, Any]:  # fmt: skip
    """The facts, from the assister's records, exemption and lapses."""
    settings = get_settings()
    calendar = settings.calendar
    today = settings.today(now)
    ty = calendar.training_year(today)
    lapsed = row["state"] == "lapsed" or lapsed_since
    courses: dict[int, list[str]] = {}
    for r in records:
        if r["kind"] == RecordKind.training:
            courses.setdefault(r["training_year"], []).append(r["course"])
    onboarded = row.get("onboarded_on") or row["created_at"].date()
    carried = calendar.carried_deadline(ty, onboarded)
    return {
        "current_training_year": ty,
        # Years whose course or exam may move the state (a late hire's open window too).
        "state_years": [ty - 1, ty] if carried and today <= carried else [ty],
        "exempt": exempt,
        "refresher_eligible": refresher_eligible(ty, records, lapsed, settings.refresher_allowed),
        "default_course": CourseKind.overview if exempt else CourseKind.full,
        "courses_by_year": courses,
        "pass_marks": settings.pass_marks,
        "today": today,
        "onboarded_on": onboarded,
        "first_training_year": calendar.training_year(onboarded),
    }


TRAINING_INSERT = """
INSERT INTO training_records
    (assister, training_year, kind, course, language, score, passed, completed_on, recorded_at)
VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})
"""


def training_record(ctx, *, exam: bool) -> tuple[str, tuple]:
    """What ``complete_training`` / ``record_exam`` write: one record for the year, an
    exam with the course it is for and whether it reached that course's pass mark. Reads
    the facts the guards read (``training_facts``), nothing more."""
    settings = get_settings()
    data, facts = ctx.decision.data, ctx.facts
    year = data.get("training_year") or facts["current_training_year"]
    default = facts["default_course"]
    if exam:
        course = exam_course(data.get("course"), facts["courses_by_year"].get(year, []), default)
    else:  # the course was settled by the guards (the default follows the exemption)
        course = data.get("course") or default
    score = data.get("score")
    values = (
        ctx.row["id"],
        year,
        str(RecordKind.exam if exam else RecordKind.training),
        str(course),
        str(data.get("language") or ctx.row.get("language") or "en"),
        score,
        exam and score >= settings.pass_marks[course],
        date.fromisoformat(data["completed_on"]) if data.get("completed_on") else facts["today"],
        ctx.now,
    )
    return TRAINING_INSERT, values


async def courses_in(assister_id: int, year: int) -> list[str]:
    """The courses an assister completed in a training year, oldest first."""
    rows = (
        await TrainingRecord.select(TrainingRecord.course)
        .where(
            (TrainingRecord.assister == assister_id)
            & (TrainingRecord.training_year == year)
            & (TrainingRecord.kind == RecordKind.training)
        )
        .order_by(TrainingRecord.id)
    )
    return [r["course"] for r in rows]


def obligation(
    row: Mapping[str, Any], today: date, calendar: Calendar, status: Mapping[int, Any]
) -> tuple[int, date, bool, int | None]:
    """(training year, deadline, late hire?, other year that also counts) that applies to
    the assister on ``today``: a late hire's window carried over from last training year
    comes first while they are certified for neither year."""
    ty = calendar.training_year(today)
    onboarded = row.get("onboarded_on") or row["created_at"].date()
    carried = calendar.carried_deadline(ty, onboarded)
    if (
        carried is not None
        and row.get("state") != "lapsed"
        and not (is_certified(status[ty - 1]) or is_certified(status[ty]))
    ):
        return ty - 1, carried, True, ty
    late = onboarded > calendar.standard_deadline(ty)
    return ty, calendar.deadline(ty, onboarded), late, None


async def requirements(row: Mapping[str, Any], today: date, calendar: Calendar) -> dict[str, Any]:
    """What the training year still requires of the assister, and by when."""
    ty = calendar.training_year(today)
    statuses = await certified_years(row["id"], [ty - 1, ty])
    year, deadline, late_hire, also = obligation(row, today, calendar, statuses)
    status = statuses[year]
    exempt = await organization_exempt(row["organization"])
    needs = []
    course_needed = None
    if not status["courses"]:
        course_needed = CourseKind.overview if exempt else CourseKind.full
        course = "the Overview course" if exempt else "the full Marketplace course"
        needs.append(f"complete {course} for {label(year)} (English or Spanish)")
    if not status["exam_passed"]:
        needs.append(f"pass the {label(year)} certification exam")
    if needs and also is not None:
        needs.append(f"or, instead, certify for {label(also)}")
    done = not needs
    return {
        "course_needed": course_needed,
        "exam_needed": not status["exam_passed"],
        "training_year": label(year),
        "deadline": deadline,
        "late_hire": late_hire,
        "also_met_by": label(also) if also is not None else None,
        "certified": done,
        "still_required": needs,
        "overdue": not done and today > deadline,
        "days_left": (deadline - today).days,
        "courses_completed": sorted(status["courses"]),
        "exam_passed": status["exam_passed"],
        "optional_courses": await optional_courses(row["id"], year),
    }
