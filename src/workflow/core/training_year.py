"""The training-year calendar: pure date arithmetic, no database.

A training year starts on July 1 and is named after the following calendar year (TY2024
runs from July 1, 2023 to June 30, 2024). Everyone must complete the year's training and
exam by the deadline (October 31 by default) to stay active; someone onboarded after the
deadline has a window (60 days by default) from onboarding instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

YEAR_STARTS_MONTH = 7


class CourseKind(StrEnum):
    full = "full"  # the full Marketplace certification course
    refresher = "refresher"  # shorter course for returning assisters
    overview = "overview"  # for assisters of organisations exempt from the full course


class OptionalCourse(StrEnum):
    """Courses offered beside the certification course: recorded and shown, never needed
    for (nor counted towards) certification."""

    enrichment = "enrichment"
    supplemental = "supplemental"
    help_on_demand = "help_on_demand"  # Help On Demand
    portal = "portal"  # assister-portal access, with its own assessment


class Language(StrEnum):
    en = "en"
    es = "es"


@dataclass(frozen=True)
class Calendar:
    """The program's dates, from settings."""

    deadline_month: int = 10
    deadline_day: int = 31
    late_hire_days: int = 60
    reminder_days: tuple[int, ...] = (30, 14, 7)

    def training_year(self, on: date) -> int:
        return on.year + 1 if on.month >= YEAR_STARTS_MONTH else on.year

    def year_starts(self, ty: int) -> date:
        return date(ty - 1, YEAR_STARTS_MONTH, 1)

    def year_ends(self, ty: int) -> date:
        return date(ty, YEAR_STARTS_MONTH, 1) - timedelta(days=1)

    def standard_deadline(self, ty: int) -> date:
        """The deadline everyone on the roster before it shares: the month-day inside the
        training year (Oct 31 falls in year ty-1, a March deadline in year ty)."""
        year = ty - 1 if self.deadline_month >= YEAR_STARTS_MONTH else ty
        return date(year, self.deadline_month, self.deadline_day)

    def deadline(self, ty: int, onboarded_on: date) -> date:
        """When an assister onboarded on ``onboarded_on`` must be certified for ``ty``."""
        standard = self.standard_deadline(ty)
        if onboarded_on > standard:
            return onboarded_on + timedelta(days=self.late_hire_days)
        return standard

    def carried_deadline(self, ty: int, onboarded_on: date) -> date | None:
        """A late hire of TY ty-1 whose window reaches into ``ty`` (they would lapse on
        July 1 or later) keeps it: their deadline, else None. Until it closes they may
        certify for either year; certified for neither once it has, they lapse."""
        hired = ty - 1
        if not self.standard_deadline(hired) < onboarded_on <= self.year_ends(hired):
            return None
        deadline = onboarded_on + timedelta(days=self.late_hire_days)
        return deadline if deadline >= self.year_ends(hired) else None

    def late_hire_onboarded_after(self, ty: int, as_of: date) -> date:
        """Late hires onboarded on or before this date are past their window on ``as_of``."""
        return as_of - timedelta(days=self.late_hire_days + 1)


def exam_course(requested: str | None, completed: list[str], default: str) -> str:
    """The course an exam is for: as given, else the course completed last that year,
    else the course the assister would take."""
    return requested or (completed[-1] if completed else default)


def label(ty: int) -> str:
    return f"TY{ty}"
