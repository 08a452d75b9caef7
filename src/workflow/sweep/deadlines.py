"""Who is due what on a day: the deadline groups of the training year (pure date
arithmetic) and the SQL that finds a group's assisters, a window at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from workflow.assisters.machine import ASSISTER
from workflow.core.training_year import Calendar, label
from workflow.sweep.windows import Window, within

# The states the machine lapses from, and those whose people get deadline reminders
# (the same, and the first state: not yet trained).
LAPSABLE = ASSISTER.sources("lapse")
NEEDS_CERTIFICATION = (ASSISTER.initial, *LAPSABLE)


@dataclass(frozen=True)
class Group:
    """Assisters sharing a deadline rule: onboarded within (after, until]."""

    rule: str
    reason: str
    after: date | None
    until: date
    ty: int = 0  # the training year whose certification they lack
    also: int | None = None  # a later year whose certification counts as well
    late_hire: bool = False


def lapse_groups(calendar: Calendar, as_of: date) -> tuple[int, list[Group]]:
    """Whose deadline has passed on ``as_of``: everyone on the roster before the standard
    deadline once it is behind us, late hires whose window has closed, and last training
    year's late hires whose window closed uncertified for both years."""
    ty = calendar.training_year(as_of)
    standard = calendar.standard_deadline(ty)
    window_closed = as_of - timedelta(days=calendar.late_hire_days + 1)
    late = f"rule: late-hire window ({calendar.late_hire_days} days from onboarding) passed"
    groups = []
    if as_of > standard:
        reason = f"rule: training deadline {standard.isoformat()} passed without {label(ty)}"
        groups.append(Group("lapse", reason + " certification", None, standard, ty))
    if window_closed > standard:
        reason = f"{late} without {label(ty)} certification"
        groups.append(Group("lapse", reason, standard, window_closed, ty, late_hire=True))
    # Last year's late hires whose window reaches into this year (Calendar.carried_deadline)
    last_end = calendar.year_ends(ty - 1)
    after = max(
        calendar.standard_deadline(ty - 1), last_end - timedelta(days=calendar.late_hire_days + 1)
    )
    until = min(window_closed, last_end)
    if until > after:
        reason = f"{late} without {label(ty - 1)} or {label(ty)} certification"
        groups.append(Group("lapse", reason, after, until, ty - 1, ty, late_hire=True))
    return ty, groups


def reminder_groups(calendar: Calendar, as_of: date) -> tuple[int, list[tuple[int, Group]]]:
    """Who is due which reminder on ``as_of``: the reminder for ``days`` goes to those
    with more than the next smaller offset and at most ``days`` days left (late hires
    of last training year whose window reaches into this one included)."""
    ty = calendar.training_year(as_of)
    standard = calendar.standard_deadline(ty)
    offsets = sorted(calendar.reminder_days, reverse=True)
    # Late hires: deadline = onboarded_on + window, so a window of onboarding dates.
    base = as_of - timedelta(days=calendar.late_hire_days)
    groups = []
    for i, days in enumerate(offsets):
        floor = offsets[i + 1] if i + 1 < len(offsets) else -1
        rule, reason = f"reminder:{days}", f"{days}-day reminder"
        if floor < (standard - as_of).days <= days:
            groups.append((days, Group(rule, reason, None, standard, ty)))
        for hired, also in ((ty, None), (ty - 1, ty)):
            after = max(base + timedelta(days=floor), calendar.standard_deadline(hired))
            # (last year's late hires found here have deadlines this year: carried over)
            until = min(base + timedelta(days=days), as_of, calendar.year_ends(hired))
            if until > after:
                groups.append((days, Group(rule, reason, after, until, hired, also, True)))
    return ty, groups


def lapse_context(group: Group, row: dict, calendar: Calendar) -> dict[str, Any]:
    """What a lapse notice says, as values each language's template words itself."""
    return {
        "training_year": label(group.ty),
        "also_training_year": label(group.also) if group.also else None,
        "deadline": calendar.deadline(group.ty, row["onboarded_on"]),
        "late_hire": group.late_hire,
        "late_hire_days": calendar.late_hire_days,
        "note": None,
    }


def _in(states: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{s}'" for s in states) + ")"


def _uncertified() -> str:
    """SQL: the assister ``a`` lacks the course or a passed exam of the training year
    (``{}``). A scalar subquery, not ``EXISTS``: PostgreSQL may hash an ``EXISTS`` by
    reading every training record, once per batch; this stays one index probe per
    assister."""
    return (
        "(SELECT count(DISTINCT t.kind) FROM training_records t WHERE t.assister = a.id "
        "AND t.training_year = {} AND (t.kind = 'training' OR (t.kind = 'exam' AND t.passed))"
        ") < 2"
    )


def on_roster(states: tuple[str, ...], group: Group) -> tuple[str, tuple[Any, ...]]:
    """SQL over assisters ``a``: in one of ``states`` and onboarded within the group's
    dates (what an index answers: the windows are cut by it)."""
    where = [f"a.state IN {_in(states)}", "a.onboarded_on <= {}"]
    args: list[Any] = [group.until]
    if group.after is not None:
        where.append("a.onboarded_on > {}")
        args.append(group.after)
    return " AND ".join(where), tuple(args)


def due(
    states: tuple[str, ...], group: Group, window: Window, unless_key: str | None = None
) -> tuple[str, tuple[Any, ...]]:
    """SQL over assisters ``a``: the group's assisters in ``window`` who lack the
    certification (for ``group.ty``, and for ``group.also`` if the group has one) and,
    with ``unless_key``, have no message with that key yet."""
    inside, args = within(window)
    roster, roster_args = on_roster(states, group)
    where = [inside, roster, _uncertified()]
    args += (*roster_args, group.ty)
    if group.also is not None:
        where.append(_uncertified())
        args += (group.also,)
    if unless_key is not None:  # (a count, for the same reason)
        where.append(
            "(SELECT count(*) FROM messages m WHERE m.assister = a.id AND m.dedupe_key = {}) = 0"
        )
        args += (unless_key,)
    return " AND ".join(where), args
