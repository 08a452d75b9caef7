"""The training-year calendar and the sweep's date windows, without a database."""

from datetime import date

import pytest

from workflow.core.training_year import Calendar, label
from workflow.sweep.deadlines import lapse_groups, reminder_groups

CAL = Calendar()


def this_year(found):
    """Groups for the current training year (not last year's carried-over late hires)."""
    ty, groups = found
    return [g for g in groups if g.ty == ty]


@pytest.mark.parametrize(
    "day, ty",
    [
        (date(2023, 7, 1), 2024),
        (date(2023, 6, 30), 2023),
        (date(2024, 6, 30), 2024),
        (date(2023, 12, 31), 2024),
        (date(2024, 1, 1), 2024),
    ],
)
def test_training_year_starts_july_first(day, ty):
    assert CAL.training_year(day) == ty


def test_ty2024_runs_july_2023_to_june_2024():
    assert CAL.year_starts(2024) == date(2023, 7, 1)
    assert CAL.year_ends(2024) == date(2024, 6, 30)
    assert label(2024) == "TY2024"


def test_deadline_is_october_31_for_everyone_on_the_roster():
    assert CAL.deadline(2024, date(2019, 3, 1)) == date(2023, 10, 31)
    assert CAL.deadline(2024, date(2023, 10, 31)) == date(2023, 10, 31)


def test_late_hires_get_sixty_days_from_onboarding():
    assert CAL.deadline(2024, date(2023, 11, 1)) == date(2023, 12, 31)
    assert Calendar(late_hire_days=30).deadline(2024, date(2023, 11, 1)) == date(2023, 12, 1)


def test_deadline_date_is_a_setting():
    assert Calendar(deadline_month=9, deadline_day=30).standard_deadline(2025) == date(2024, 9, 30)


@pytest.mark.parametrize(
    "month_day, expected",
    [
        ((7, 1), date(2024, 7, 1)),
        ((10, 31), date(2024, 10, 31)),
        ((12, 31), date(2024, 12, 31)),
        ((1, 15), date(2025, 1, 15)),
        ((3, 31), date(2025, 3, 31)),
        ((6, 30), date(2025, 6, 30)),
    ],
)
def test_deadline_set_to_any_month_falls_inside_its_training_year(month_day, expected):
    cal = Calendar(*month_day)
    assert cal.standard_deadline(2025) == expected
    assert cal.year_starts(2025) <= expected <= cal.year_ends(2025)


def test_a_march_deadline_lapses_in_march_of_the_year_named():
    cal = Calendar(deadline_month=3, deadline_day=31)
    assert this_year(lapse_groups(cal, date(2025, 3, 31))) == []
    groups = this_year(lapse_groups(cal, date(2025, 4, 1)))
    assert [(g.ty, g.until) for g in groups] == [(2025, date(2025, 3, 31))]
    # onboarded in August, before the March deadline: March 31, not 60 days
    assert cal.deadline(2025, date(2024, 8, 1)) == date(2025, 3, 31)
    assert cal.deadline(2025, date(2025, 4, 1)) == date(2025, 5, 31)


def test_deadline_setting_from_the_environment(monkeypatch):
    from workflow.core.settings import Settings

    monkeypatch.setenv("WORKFLOW_TRAINING_DEADLINE", "02-15")
    cal = Settings.from_env().calendar
    assert cal.standard_deadline(2027) == date(2027, 2, 15)


def test_nobody_lapses_on_the_deadline_day_itself():
    assert this_year(lapse_groups(CAL, date(2026, 10, 31))) == []
    groups = this_year(lapse_groups(CAL, date(2026, 11, 1)))
    assert [(g.ty, g.until) for g in groups] == [(2027, date(2026, 10, 31))]


def test_late_hire_lapse_window():
    ty, groups = lapse_groups(CAL, date(2027, 1, 20))
    late = groups[1]
    assert late.after == date(2026, 10, 31)
    # onboarded Nov 20: deadline Jan 19, passed on Jan 20; Nov 21: deadline Jan 20, not yet
    assert late.until == date(2026, 11, 20)


@pytest.mark.parametrize(
    "day, due",
    [
        (date(2026, 10, 1), [30]),
        (date(2026, 10, 16), [30]),
        (date(2026, 10, 17), [14]),
        (date(2026, 10, 24), [7]),
        (date(2026, 10, 31), [7]),
        (date(2026, 9, 30), []),
    ],
)
def test_standard_reminders_at_30_14_and_7_days(day, due):
    _, groups = reminder_groups(CAL, day)
    assert [days for days, g in groups if g.after is None] == due


def test_late_hire_reminder_windows_cover_their_own_deadline():
    _, groups = reminder_groups(CAL, date(2026, 12, 20))
    late = {days: g for days, g in groups if g.after is not None}
    # deadline = onboarded + 60; 30 days left on Dec 20 → onboarded Nov 20 (.. Dec 4 at 14)
    assert late[30].after == date(2026, 11, 4) and late[30].until == date(2026, 11, 20)


def test_late_hire_window_reaching_into_the_next_year_is_carried_over():
    # onboarded May 15, 2027 (TY2027, after Oct 31, 2026): 60 days → July 14, 2027 (TY2028)
    assert CAL.deadline(2027, date(2027, 5, 15)) == date(2027, 7, 14)
    assert CAL.carried_deadline(2028, date(2027, 5, 15)) == date(2027, 7, 14)
    assert CAL.carried_deadline(2028, date(2027, 5, 1)) == date(2027, 6, 30)  # lapses July 1
    assert CAL.carried_deadline(2028, date(2027, 4, 30)) is None  # closed inside TY2027
    assert CAL.carried_deadline(2028, date(2026, 10, 15)) is None  # not a late hire
    assert CAL.carried_deadline(2029, date(2027, 5, 15)) is None  # two years back


@pytest.mark.parametrize(
    "day, until",
    [
        (date(2027, 7, 1), date(2027, 5, 1)),  # May 1 + 60 = June 30: lapses July 1
        (date(2027, 7, 14), date(2027, 5, 14)),
        (date(2027, 7, 15), date(2027, 5, 15)),  # May 15: deadline July 14, passed July 15
        (date(2027, 12, 1), date(2027, 6, 30)),
    ],
)
def test_last_years_late_hires_lapse_once_their_window_closes(day, until):
    ty, groups = lapse_groups(CAL, day)
    carried = [g for g in groups if g.ty == ty - 1]
    assert ty == 2028
    assert len(carried) == 1 and carried[0].also == 2028 and carried[0].late_hire
    # Apr 30 + 60 = June 29: that window closed inside TY2027 (lapsed then)
    assert carried[0].after == date(2027, 4, 30) and carried[0].until == until


def test_last_years_late_hires_get_reminders_for_their_carried_window():
    _, groups = reminder_groups(CAL, date(2027, 7, 7))
    carried = {days: g for days, g in groups if g.ty == 2027}
    assert all(g.also == 2028 for g in carried.values())
    # 7 days or fewer left on July 7: deadlines July 7..14, onboarded May 8..15
    assert (carried[7].after, carried[7].until) == (date(2027, 5, 7), date(2027, 5, 15))
    assert (carried[30].after, carried[30].until) == (date(2027, 5, 22), date(2027, 6, 7))
