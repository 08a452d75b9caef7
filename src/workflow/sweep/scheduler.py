"""Background jobs inside ``serve``: the sweep and the outbox worker, each off unless its
interval setting is above zero (cron can run ``workflow sweep`` / ``workflow outbox``
instead)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from workflow.core.settings import Settings
from workflow.messaging.outbox import deliver_due
from workflow.referrals.service import referral_round
from workflow.sweep.run_lock import AlreadyRunning
from workflow.sweep.runner import sweep

log = logging.getLogger("workflow.scheduler")


async def every(seconds: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    while True:
        try:
            await job()
        except AlreadyRunning:
            log.info("%s: another runner is busy; skipping this round", name)
        except Exception:  # a failing round must not stop the schedule
            log.exception("%s failed; next round in %s s", name, seconds)
        await asyncio.sleep(seconds)


async def sweep_today(settings: Settings) -> None:
    report = await sweep(settings.today())
    for result in report.results:
        if result.count:
            log.info("sweep %s: %d (%s)", result.rule, result.count, result.reason)


async def drain_outbox() -> None:
    while (await deliver_due()).sent:
        pass


def start_jobs(settings: Settings) -> list[asyncio.Task]:
    tasks = []
    if settings.sweep_interval_minutes > 0:
        seconds = settings.sweep_interval_minutes * 60
        tasks.append(asyncio.create_task(every(seconds, lambda: sweep_today(settings), "sweep")))
    if settings.referral_interval_seconds > 0:  # offers expire on time, whoever looks
        seconds = settings.referral_interval_seconds
        tasks.append(asyncio.create_task(every(seconds, referral_round, "referrals")))
    if settings.outbox_interval_seconds > 0:
        tasks.append(
            asyncio.create_task(every(settings.outbox_interval_seconds, drain_outbox, "outbox"))
        )
    return tasks
