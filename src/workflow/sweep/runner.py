"""The sweep: date-driven moves the calendar makes by itself.

Each rule finds its cases with one set-based query per batch and moves them through
:func:`workflow.engine.bulk.fire_bulk` (actor ``system``, the rule in the reason), with
the version each case had when the query saw it: a case changed since (say, certified a
moment ago) is left for the next run, which asks the query again. Every
batch commits on its own, so a killed sweep loses at most one batch and the next run
carries on; a case already moved no longer matches, so running twice changes nothing
more. :func:`services.run_lock.exclusive` keeps two sweeps from acting at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.machine import ASSISTER
from workflow.associations.binding import ASSOCIATION_CASE
from workflow.associations.machine import AssociationState
from workflow.core.principal import SYSTEM
from workflow.core.settings import get_settings
from workflow.core.training_year import Calendar, CourseKind, label
from workflow.db import transaction
from workflow.engine.bulk import fire_bulk
from workflow.engine.command import FireBulk
from workflow.messaging.mailbox import write_messages_bulk
from workflow.messaging.summaries import day_bounds, send_daily_summaries
from workflow.sweep.run_lock import exclusive
from workflow.tables import Assister, Association
from workflow.training.records import exempt_organizations, is_certified, year_status_many
from workflow.validations.role_reminders import reminders_due, send_role_reminders
from workflow.validations.support import (
    breached_due,
    escalate_breached,
    retry_unavailable,
    unavailable_due,
)

# The states the machine lapses from, and those whose people get deadline reminders
# (the same, and the first state: not yet trained).
LAPSABLE = ASSISTER.sources("lapse")
NEEDS_CERTIFICATION = (ASSISTER.initial, *LAPSABLE)

Progress = Callable[[str, int, int], None]  # (rule, done, total)


@dataclass
class RuleResult:
    rule: str
    reason: str
    cases: list[dict[str, Any]] = field(default_factory=list)  # what changed (or would)


@dataclass
class SweepReport:
    as_of: date
    dry_run: bool
    results: list[RuleResult] = field(default_factory=list)

    def count(self, rule: str) -> int:
        return sum(len(r.cases) for r in self.results if r.rule == rule)


def _uncertified(ty_param: str = "{}") -> str:
    """SQL: the assister ``a`` lacks this training year's course or passed exam."""
    return (
        "NOT (EXISTS (SELECT 1 FROM training_records t WHERE t.assister = a.id "
        f"AND t.training_year = {ty_param} AND t.kind = 'training') "
        "AND EXISTS (SELECT 1 FROM training_records t WHERE t.assister = a.id "
        f"AND t.training_year = {ty_param} AND t.kind = 'exam' AND t.passed))"
    )


def _in(states: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{s}'" for s in states) + ")"


@dataclass(frozen=True)
class Group:
    """Assisters sharing a deadline rule: onboarded within [after, until] (inclusive)."""

    rule: str
    reason: str
    after: date | None
    until: date
    ty: int = 0  # the training year whose certification they lack
    also: int | None = None  # a later year whose certification counts as well
    late_hire: bool = False


async def _batch(
    states, group: Group, ty: int, last_id: int, limit: int, unless_key: str | None = None
) -> list[dict]:
    where = [f"a.state IN {_in(states)}", "a.id > {}", "a.onboarded_on <= {}", _uncertified()]
    args: list[Any] = [last_id, group.until, ty, ty]
    if group.after is not None:
        where.insert(2, "a.onboarded_on > {}")
        args.insert(1, group.after)
    if unless_key is not None:  # not those who already got this message
        where.append(
            "NOT EXISTS (SELECT 1 FROM messages m WHERE m.assister = a.id AND m.dedupe_key = {})"
        )
        args.append(unless_key)
    sql = (
        "SELECT a.id, a.version, a.name, a.email, a.language, a.onboarded_on, a.organization "
        f"FROM assisters a WHERE {' AND '.join(where)} ORDER BY a.id LIMIT {{}}"
    )
    return await Assister.raw(sql, *args, limit)


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


async def _uncertified_batch(states, group: Group, last_id: int, limit: int, key=None):
    """A batch of the group's cases (the id to go on from, the cases still due): those
    certified for ``group.also`` are left out."""
    batch = await _batch(states, group, group.ty, last_id, limit, key)
    if not batch or group.also is None:
        return batch[-1]["id"] if batch else None, batch
    statuses = await year_status_many([r["id"] for r in batch], group.also)
    return batch[-1]["id"], [r for r in batch if not is_certified(statuses[r["id"]])]


async def lapse_overdue(
    as_of: date, now: datetime, dry_run: bool, progress: Progress | None = None
) -> list[RuleResult]:
    settings = get_settings()
    calendar = settings.calendar
    _, groups = lapse_groups(calendar, as_of)
    results = []
    for group in groups:
        result = RuleResult(group.rule, group.reason)
        last_id = 0
        while True:
            last_id, batch = await _uncertified_batch(
                LAPSABLE, group, last_id, settings.sweep_batch_size
            )
            if last_id is None:
                break
            if dry_run or not batch:
                result.cases.extend(batch)
            else:
                outcome = await fire_bulk(
                    FireBulk(
                        ASSISTER_CASE,
                        "lapse",
                        SYSTEM,
                        group.reason,
                        now,
                        cases={r["id"]: r["version"] for r in batch},
                        context={"notice": lambda row, g=group: lapse_context(g, row, calendar)},
                    )
                )
                moved = set(outcome.ids)
                result.cases.extend(r for r in batch if r["id"] in moved)
            if progress:
                progress(group.rule, len(result.cases), 0)
        results.append(result)
    return results


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


async def send_deadline_reminders(as_of: date, now: datetime, dry_run: bool) -> list[RuleResult]:
    settings = get_settings()
    calendar = settings.calendar
    _, groups = reminder_groups(calendar, as_of)
    results = []
    for days, group in groups:
        result = RuleResult(group.rule, group.reason)
        key = f"deadline-reminder:{group.ty}:{days}"
        last_id = 0
        while True:
            last_id, batch = await _uncertified_batch(
                NEEDS_CERTIFICATION, group, last_id, settings.sweep_batch_size, key
            )
            if last_id is None:
                break
            result.cases.extend(batch)
            if not dry_run and batch:
                contexts = await _reminder_contexts(batch, group, as_of, calendar)
                async with transaction():
                    await write_messages_bulk(
                        batch, "deadline_reminder", lambda a, c=contexts: c[a["id"]], now, key
                    )
        results.append(result)
    return results


async def _reminder_contexts(batch, group: Group, as_of: date, calendar: Calendar) -> dict:
    statuses = await year_status_many([r["id"] for r in batch], group.ty)
    exempt_orgs = await exempt_organizations({r["organization"] for r in batch})
    contexts = {}
    for row in batch:
        deadline = calendar.deadline(group.ty, row["onboarded_on"])
        status = statuses[row["id"]]
        exempt = row["organization"] in exempt_orgs
        contexts[row["id"]] = {
            "training_year": label(group.ty),
            "also_training_year": label(group.also) if group.also else None,
            "deadline": deadline,
            "days_left": (deadline - as_of).days,
            "course_needed": None
            if status["courses"]
            else (CourseKind.overview if exempt else CourseKind.full),
            "exam_needed": not status["exam_passed"],
        }
    return contexts


async def expire_requests(as_of: date, now: datetime, dry_run: bool) -> list[RuleResult]:
    """Requested associations nobody confirmed within the setting's days end (the
    consumer is told); a confirmation racing the sweep wins or loses cleanly."""
    settings = get_settings()
    days = settings.association_request_expiry_days
    # Requests made before this day have been open more than `days` full days.
    cutoff, _ = day_bounds(as_of - timedelta(days=days))
    result = RuleResult("expire_requests", f"rule: request not confirmed within {days} days")
    last_id = 0
    while batch := await Association.raw(
        "SELECT id, version FROM associations WHERE state = {} AND requested_at < {} "
        "AND id > {} ORDER BY id LIMIT {}",
        AssociationState.requested,
        cutoff,
        last_id,
        settings.sweep_batch_size,
    ):
        last_id = batch[-1]["id"]
        if dry_run:
            result.cases.extend({"id": r["id"]} for r in batch)
            continue
        outcome = await fire_bulk(
            FireBulk(
                ASSOCIATION_CASE,
                "disassociate",
                SYSTEM,
                result.reason,
                now,
                cases={r["id"]: r["version"] for r in batch},
            )
        )
        result.cases.extend({"id": i} for i in outcome.ids)
    return [result]


async def daily_summaries(as_of: date, now: datetime, dry_run: bool) -> list[RuleResult]:
    """Yesterday's changes, once per assister (the day is over by the time it is sent)."""
    day = as_of - timedelta(days=1)
    result = RuleResult("daily_summary", f"changes on {day.isoformat()}")
    result.cases = await send_daily_summaries(day, now, dry_run)
    return [result]


async def validation_rules(now: datetime, dry_run: bool) -> list[RuleResult]:
    """NPN validations: retry the registry, escalate what breached the SLA, and remind
    brokers to choose an Agent Broker role again (each as the system, one by one)."""
    retry = RuleResult("registry_retry", "rule: registry was unavailable; ask again")
    escalate = RuleResult("sla_escalation", "rule: SLA breached; open a support case")
    remind = RuleResult("role_reminder", "rule: choose an Agent Broker role again")
    retry.cases = await unavailable_due(now)
    escalate.cases = await breached_due(now)
    remind.cases = await reminders_due(now)
    if not dry_run:
        await retry_unavailable(now)
        await escalate_breached(now)
        await send_role_reminders(now)
    return [retry, escalate, remind]


async def sweep(
    as_of: date,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> SweepReport:
    """Run every date-driven rule for ``as_of`` (one sweep at a time per database)."""
    now = now or datetime.now(UTC)
    report = SweepReport(as_of, dry_run)
    async with exclusive("sweep"):
        report.results += await lapse_overdue(as_of, now, dry_run, progress)
        report.results += await send_deadline_reminders(as_of, now, dry_run)
        report.results += await expire_requests(as_of, now, dry_run)
        report.results += await daily_summaries(as_of, now, dry_run)
        report.results += await validation_rules(now, dry_run)
    return report
