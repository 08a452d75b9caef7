"""The support SLA for stuck validations, from timestamps to business days in the
program's time zone (a setting), with the thresholds from settings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workflow.core.business_days import Sla, SlaStatus, latest_start_waiting_at_least, sla
from workflow.core.errors import BadInput
from workflow.core.settings import get_settings


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().program_timezone)


def business_date(moment: datetime) -> date:
    """The calendar date of ``moment`` where the program works."""
    return get_settings().today(moment)


def sla_for(stuck_since: datetime, now: datetime) -> Sla:
    settings = get_settings()
    return sla(
        business_date(stuck_since),
        business_date(now),
        settings.validation_sla_due_business_days,
        settings.validation_sla_breach_business_days,
    )


def _start_of_day_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=_zone())


def stuck_before_for(now: datetime, waited_at_least: int) -> datetime:
    """Cases stuck before this moment have waited at least ``waited_at_least`` business
    days by ``now``: the bound list filters use in SQL."""
    latest = latest_start_waiting_at_least(business_date(now), waited_at_least)
    return _start_of_day_after(latest)


def breached_before(now: datetime) -> datetime:
    return stuck_before_for(now, get_settings().validation_sla_breach_business_days + 1)


def due_before(now: datetime) -> datetime:
    return stuck_before_for(now, get_settings().validation_sla_due_business_days)


def status_bounds(now: datetime, status: SlaStatus) -> tuple[datetime | None, datetime | None]:
    """(stuck at or after, stuck before) for cases in ``status`` on ``now``."""
    if status == SlaStatus.breached:
        return None, breached_before(now)
    if status == SlaStatus.due:
        return breached_before(now), due_before(now)
    return due_before(now), None


def as_of_moment(text: str | None, now: datetime) -> datetime:
    """The moment the SLA is judged at: ``now``, or midday of ``as_of`` (YYYY-MM-DD) in
    the program's time zone, to see the queue as it stood (or will stand) on that day."""
    if text is None or not text.strip():
        return now
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            f"as_of: {text[:20]!r} is not a day; give it as YYYY-MM-DD, e.g. 2026-12-01",
            field="as_of",
        ) from None
    return datetime.combine(day, time(12), tzinfo=_zone())
