"""The sweep: date-driven moves the calendar makes by itself.

Each rule walks its table in id windows (:mod:`workflow.sweep.windows`), one batch per
window, and moves cases through :func:`workflow.engine.bulk.fire_bulk` (actor
``system``, the rule in the reason). Every batch commits on its own, so a killed sweep
loses at most one batch and the next run carries on; a case already moved no longer
matches, so running twice changes nothing more. A case changed by someone else while
its batch runs is left for the next run (the compare-and-set on its version).
:func:`run_lock.exclusive` keeps two sweeps from acting at once. The report keeps counts
and a few example cases per rule, never every row, so memory stays flat.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from workflow.assisters.binding import ASSISTER_CASE
from workflow.associations.binding import ASSOCIATION_CASE
from workflow.associations.machine import AssociationState
from workflow.core.principal import SYSTEM
from workflow.core.settings import get_settings
from workflow.db.bulk import refresh_statistics
from workflow.db.raw import raw
from workflow.engine import audit
from workflow.engine.bulk import fire_bulk
from workflow.engine.command import FireBulk, Selection
from workflow.messaging.summaries import day_bounds, send_daily_summaries
from workflow.readiness.reminders import send_readiness_reminders
from workflow.referrals.service import referral_round
from workflow.sessions.reminders import send_session_reminders
from workflow.sweep.lapses import lapse_overdue
from workflow.sweep.reminders import send_deadline_reminders
from workflow.sweep.report import RuleResult, SweepReport
from workflow.sweep.run_lock import exclusive
from workflow.sweep.windows import windows, within
from workflow.tables import AuditEntry, History, Message
from workflow.validations.role_reminders import reminders_due, send_role_reminders
from workflow.validations.support import (
    breached_due,
    escalate_breached,
    retry_unavailable,
    unavailable_due,
)

# A rule that moved at least this many cases has the planner's statistics and the
# visibility map of its table refreshed (PostgreSQL), so counts by state stay fast.
MOVES = {"lapse": ASSISTER_CASE, "expire_requests": ASSOCIATION_CASE}


async def expire_requests(as_of: date, now: datetime, dry_run: bool) -> list[RuleResult]:
    """Requested associations nobody confirmed within the setting's days end (the
    consumer is told); a confirmation racing the sweep wins or loses cleanly."""
    settings = get_settings()
    days = settings.association_request_expiry_days
    # Requests made before this day have been open more than `days` full days.
    cutoff, _ = day_bounds(as_of - timedelta(days=days))
    result = RuleResult("expire_requests", f"rule: request not confirmed within {days} days")
    table = ASSOCIATION_CASE.table._meta.tablename
    unconfirmed, args = "a.state = {} AND a.requested_at < {}", (AssociationState.requested, cutoff)
    for window in await windows(table, unconfirmed, args, settings.sweep_batch_size):
        inside, window_args = within(window)
        sql = f"SELECT a.id, a.version FROM {table} AS a WHERE {inside} AND {unconfirmed}"
        if dry_run:
            result.add(await raw(sql + " ORDER BY a.id", *window_args, *args))
            continue
        outcome = await fire_bulk(
            FireBulk(
                ASSOCIATION_CASE,
                "disassociate",
                SYSTEM,
                result.reason,
                now,
                cases=Selection(sql, (*window_args, *args)),
            )  # fmt: skip
        )
        result.add([{"id": i} for i in outcome.ids], stale=len(outcome.stale))
    return [result]


async def daily_summaries(as_of: date, now: datetime, dry_run: bool) -> list[RuleResult]:
    """Yesterday's changes, once per assister (the day is over by the time it is sent)."""
    day = as_of - timedelta(days=1)
    result = RuleResult("daily_summary", f"changes on {day.isoformat()}")
    result.add(await send_daily_summaries(day, now, dry_run))
    return [result]


async def validation_rules(now: datetime, dry_run: bool) -> list[RuleResult]:
    """NPN validations: retry the registry, escalate what breached the SLA, and remind
    brokers to choose an Agent Broker role again (each as the system, one by one)."""
    retry = RuleResult("registry_retry", "rule: registry was unavailable; ask again")
    escalate = RuleResult("sla_escalation", "rule: SLA breached; open a support case")
    remind = RuleResult("role_reminder", "rule: choose an Agent Broker role again")
    retry.add(await unavailable_due(now))
    escalate.add(await breached_due(now))
    remind.add(await reminders_due(now))
    if not dry_run:
        await retry_unavailable(now)
        await escalate_breached(now)
        await send_role_reminders(now)
    return [retry, escalate, remind]


async def referral_rule(now: datetime) -> RuleResult:
    """Help On Demand offers whose time is up expire (and go to the next broker)."""
    result = RuleResult("referral_offers", "rule: offer not accepted in time")
    result.add([{"id": i} for i in (await referral_round(now))["expired"]])
    return result


async def sweep(
    as_of: date,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    progress=None,
) -> SweepReport:
    """Run every date-driven rule for ``as_of`` (one sweep at a time per database)."""
    now = now or datetime.now(UTC)
    report = SweepReport(as_of, dry_run)
    started = time.perf_counter()
    async with exclusive("sweep"):
        report.results += await lapse_overdue(as_of, now, dry_run, progress)
        report.results += await send_deadline_reminders(as_of, now, dry_run)
        report.results += await expire_requests(as_of, now, dry_run)
        report.results += await daily_summaries(as_of, now, dry_run)
        report.results += await validation_rules(now, dry_run)
        report.results += await send_session_reminders(as_of, now, dry_run)
        report.results += await send_readiness_reminders(as_of, now, dry_run)
        if not dry_run:
            report.results.append(await referral_rule(now))
        if not dry_run:
            await tidy(report)
            await _record_run(report, time.perf_counter() - started)
    return report


async def _record_run(report: SweepReport, seconds: float) -> None:
    """The run in the audit log, for operators and ``GET /metrics`` (the last sweep's
    time, duration and counts), whichever process or host ran it."""
    counts = {r.rule: report.count(r.rule) for r in report.results}
    await audit.record(
        "sweep", "success", actor=SYSTEM, object_type="sweep", object_id="run",
        detail={"as_of": report.as_of.isoformat(), "seconds": round(seconds, 3),
                "counts": counts},
    )  # fmt: skip


async def tidy(report: SweepReport) -> None:
    """After rules that moved many cases: their case tables are vacuumed (index-only
    scans, such as the counts by state, need the visibility map back) and analyzed,
    with the tables every move appends to."""
    least = get_settings().sweep_tidy_after
    churned = [k.table._meta.tablename for r, k in MOVES.items() if report.count(r) >= least]
    if churned:
        appended = [t._meta.tablename for t in (History, AuditEntry, Message)]
        await refresh_statistics(vacuum=churned, analyze=appended)
