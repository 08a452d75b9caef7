"""Business days and the support SLA, as plain date arithmetic.

A business day is a weekday that is not a US federal holiday (observed dates included,
from the ``holidays`` package). Every function takes its dates as parameters: nothing
here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import holidays

# How far back the SLA cut-off search may walk; far beyond any SLA a setting would hold.
_MAX_LOOKBACK_DAYS = 400


@cache
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def next_business_day(day: date) -> date:
    """``day`` itself if it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int) -> date:
    """The business day ``count`` business days after ``day`` (rolled forward first)."""
    day = next_business_day(day)
    for _ in range(count):
        day = next_business_day(day + timedelta(days=1))
    return day


def business_days_waited(since: date, today: date) -> int:
    """Business days from ``since`` to ``today``: 0 on the day itself. Something that got
    stuck on a weekend or holiday starts waiting on the next business day."""
    start = next_business_day(since)
    waited, day = 0, start
    while day < today:
        day += timedelta(days=1)
        if is_business_day(day):
            waited += 1
    return waited


def latest_start_waiting_at_least(today: date, count: int) -> date:
    """The latest date such that a case stuck on it (or before) has waited at least
    ``count`` business days by ``today``: lists filter on it in SQL."""
    day = today
    for _ in range(_MAX_LOOKBACK_DAYS):
        if business_days_waited(day, today) >= count:
            return day
        day -= timedelta(days=1)
    raise ValueError(f"no start date within {_MAX_LOOKBACK_DAYS} days waits {count} days")


class SlaStatus(StrEnum):
    within = "within"  # still inside the target
    due = "due"  # past the target, not yet breached: resolve now
    breached = "breached"  # past the limit: escalate


@dataclass(frozen=True)
class Sla:
    waiting_business_days: int
    due_by: date  # the target: resolved by the end of this business day
    breached_after: date  # the limit: breached from the next business day on
    status: SlaStatus


def sla(since: date, today: date, due_days: int, breach_days: int) -> Sla:
    """Where a case stuck on ``since`` stands on ``today``: due within ``due_days``
    business days, breached once it has waited more than ``breach_days``."""
    waited = business_days_waited(since, today)
    if waited > breach_days:
        status = SlaStatus.breached
    elif waited >= due_days:
        status = SlaStatus.due
    else:
        status = SlaStatus.within
    return Sla(
        waiting_business_days=waited,
        due_by=add_business_days(since, due_days),
        breached_after=add_business_days(since, breach_days),
        status=status,
    )
