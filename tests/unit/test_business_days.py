"""Business days (weekends and US federal holidays off) and the SLA, dates passed in."""

from datetime import date, timedelta

import pytest

from workflow.core.business_days import (
    SlaStatus,
    add_business_days,
    business_days_waited,
    is_business_day,
    latest_start_waiting_at_least,
    next_business_day,
    sla,
)


@pytest.mark.parametrize(
    "day, business",
    [
        (date(2026, 11, 23), True),  # Monday
        (date(2026, 11, 26), False),  # Thanksgiving
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 11), False),  # Veterans Day (a Wednesday)
        (date(2026, 7, 3), False),  # Independence Day observed (the 4th is a Saturday)
        (date(2026, 12, 24), True),  # Christmas Eve is not a federal holiday
        (date(2026, 12, 25), False),
        (date(2027, 1, 18), False),  # Martin Luther King Jr. Day
    ],
)
def test_is_business_day(day, business):
    assert is_business_day(day) is business


def test_next_business_day_skips_weekends_and_holidays():
    assert next_business_day(date(2026, 11, 26)) == date(2026, 11, 27)
    assert next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)
    assert next_business_day(date(2026, 11, 30)) == date(2026, 11, 30)


def test_add_business_days_across_year_end():
    assert add_business_days(date(2026, 12, 23), 3) == date(2026, 12, 29)
    assert add_business_days(date(2026, 12, 30), 2) == date(2027, 1, 4)  # Jan 1st off
    assert add_business_days(date(2026, 11, 28), 0) == date(2026, 11, 30)  # rolled forward


@pytest.mark.parametrize(
    "since, today, waited",
    [
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 11, 23), date(2026, 11, 27), 3),  # Thanksgiving in between
        (date(2026, 11, 20), date(2026, 11, 30), 5),
        (date(2026, 11, 21), date(2026, 11, 23), 0),  # stuck on Saturday: waits from Monday
        (date(2026, 11, 21), date(2026, 11, 24), 1),
        (date(2026, 11, 27), date(2026, 11, 29), 0),  # Friday to Sunday
        (date(2026, 12, 18), date(2027, 1, 4), 9),
    ],
)
def test_business_days_waited(since, today, waited):
    assert business_days_waited(since, today) == waited


@pytest.mark.parametrize(
    "since, today, status",
    [
        (date(2026, 11, 30), date(2026, 11, 30), SlaStatus.within),
        (date(2026, 11, 23), date(2026, 11, 27), SlaStatus.within),  # 3 days
        (date(2026, 11, 20), date(2026, 11, 30), SlaStatus.due),  # 5: the target day
        (date(2026, 11, 18), date(2026, 11, 30), SlaStatus.due),  # 7: the last day
        (date(2026, 11, 17), date(2026, 11, 30), SlaStatus.breached),  # 8
    ],
)
def test_sla_status(since, today, status):
    assert sla(since, today, 5, 7).status == status


def test_sla_dates_skip_holidays():
    result = sla(date(2026, 11, 20), date(2026, 11, 23), 5, 7)
    assert result.waiting_business_days == 1
    assert result.due_by == date(2026, 11, 30)  # 23, 24, 25, 27, 30
    assert result.breached_after == date(2026, 12, 2)


def test_thresholds_are_parameters():
    assert sla(date(2026, 11, 23), date(2026, 11, 25), 1, 2).status == SlaStatus.due
    assert sla(date(2026, 11, 23), date(2026, 11, 27), 1, 2).status == SlaStatus.breached


@pytest.mark.parametrize("count", [0, 1, 5, 8, 20])
@pytest.mark.parametrize("today", [date(2026, 11, 30), date(2027, 1, 4), date(2026, 7, 6)])
def test_latest_start_is_the_exact_boundary(today, count):
    latest = latest_start_waiting_at_least(today, count)
    assert business_days_waited(latest, today) >= count
    assert business_days_waited(latest + timedelta(days=1), today) < count or latest == today
    for earlier in range(1, 15):
        assert business_days_waited(latest - timedelta(days=earlier), today) >= count
