"""Optional courses: what ``record_optional_course`` writes, and what the tracker shows.
They live in their own table, so nothing that decides certification ever reads them."""

from __future__ import annotations

from datetime import date
from typing import Any

from workflow.core.i18n import N_
from workflow.core.settings import get_settings
from workflow.core.training_year import OptionalCourse
from workflow.tables import OptionalCourseRecord

OPTIONAL_INSERT = """
INSERT INTO optional_course_records
    (assister, training_year, course, language, completed_on, score, passed, recorded_at)
VALUES ({}, {}, {}, {}, {}, {}, {}, {})
"""
# Marked for the portal's catalogue: the tracker shows them in the person's language.
LABELS = {
    OptionalCourse.enrichment: N_("Enrichment"),
    OptionalCourse.supplemental: N_("Supplemental"),
    OptionalCourse.help_on_demand: N_("Help On Demand"),
    OptionalCourse.portal: N_("Assister portal access"),
}


def optional_record(ctx) -> tuple[str, tuple]:
    data, facts = ctx.decision.data, ctx.facts
    score = data.get("score")
    passed = None if score is None else score >= get_settings().portal_pass_mark
    day = data.get("completed_on")
    values = (
        ctx.row["id"],
        data.get("training_year") or facts["current_training_year"],
        data["course"],
        str(data.get("language") or ctx.row.get("language") or "en"),
        date.fromisoformat(day) if day else facts["today"],
        score,
        passed,
        ctx.now,
    )
    return OPTIONAL_INSERT, values


async def optional_courses(assister_id: int, year: int) -> list[dict[str, Any]]:
    """The optional courses taken for a training year, oldest first, with their labels."""
    rows = (
        await OptionalCourseRecord.select(
            OptionalCourseRecord.course,
            OptionalCourseRecord.completed_on,
            OptionalCourseRecord.score,
            OptionalCourseRecord.passed,
        )
        .where(
            (OptionalCourseRecord.assister == assister_id)
            & (OptionalCourseRecord.training_year == year)
        )
        .order_by(OptionalCourseRecord.completed_on)
    )
    return [{**r, "label": LABELS.get(r["course"], r["course"])} for r in rows]
