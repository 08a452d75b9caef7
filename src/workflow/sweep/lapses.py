"""The lapse rule: assisters whose training deadline passed without this year's
certification lapse, each with a history row, an audit entry and a lapse notice.

A group's assisters are walked in id windows (:mod:`workflow.sweep.windows`); each
window is one :class:`FireBulk` whose cases are a :class:`Selection` the database
evaluates inside the statement that lapses them, so a batch is chosen and moved in one
pass and commits on its own: a killed sweep loses at most one batch, and the next run
carries on (a case already lapsed no longer matches).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.principal import SYSTEM
from workflow.core.settings import get_settings
from workflow.core.training_year import Calendar
from workflow.db.raw import raw
from workflow.engine.bulk import fire_bulk
from workflow.engine.command import FireBulk, Selection
from workflow.messaging.mailbox import Wording
from workflow.sweep.deadlines import LAPSABLE, Group, due, lapse_context, lapse_groups, on_roster
from workflow.sweep.report import RuleResult
from workflow.sweep.windows import windows

TABLE = ASSISTER_CASE.table._meta.tablename


async def lapse_overdue(as_of: date, now: datetime, dry_run: bool, progress=None):
    """Lapse (or, in a dry run, list) every assister whose deadline passed on ``as_of``."""
    settings = get_settings()
    calendar = settings.calendar
    results = []
    for group in lapse_groups(calendar, as_of)[1]:
        result = RuleResult(group.rule, group.reason)
        notice = lapse_wordings(group, calendar)
        roster, args = on_roster(LAPSABLE, group)
        for window in await windows(TABLE, roster, args, settings.sweep_batch_size):
            where, args = due(LAPSABLE, group, window)
            if dry_run:
                sql = f"SELECT a.id, a.name, a.onboarded_on FROM {TABLE} AS a WHERE {where}"
                result.add(await raw(sql + " ORDER BY a.id", *args))
                continue
            selection = Selection(f"SELECT a.id, a.version FROM {TABLE} AS a WHERE {where}", args)
            outcome = await fire_bulk(
                FireBulk(
                    ASSISTER_CASE,
                    "lapse",
                    SYSTEM,
                    group.reason,
                    now,
                    cases=selection,
                    context={"notice": notice},
                )  # fmt: skip
            )
            result.add([{"id": i} for i in outcome.ids], stale=len(outcome.stale))
            if progress:
                progress(group.rule, result.count, 0)
        results.append(result)
    return results


def lapse_wordings(group: Group, calendar: Calendar) -> list[Wording]:
    """The group's lapse notice, worded per onboarding date (runs of dates worded alike
    share one wording). Everyone onboarded by the standard deadline shares its wording,
    so a group without a first date starts with one open range."""
    standard = calendar.standard_deadline(group.ty)
    day = group.after + timedelta(days=1) if group.after else min(group.until, standard)
    wordings: list[Wording] = []
    while day <= group.until:
        context = lapse_context(group, {"onboarded_on": day}, calendar)
        if wordings and wordings[-1].context == context:
            wordings[-1] = Wording(context, wordings[-1].low, day)
        else:
            low = None if group.after is None and not wordings else day
            wordings.append(Wording(context, low, day))
        day += timedelta(days=1)
    return wordings
