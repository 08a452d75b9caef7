"""The sweep's batches, on SQLite and PostgreSQL: id windows that find every due case
whatever the gaps in the ids, one pass per batch that writes all or nothing, rows that
are the ones the single-case path writes, and a report that keeps counts, not rows."""

import itertools
import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tests.helpers import active_assister, associate, new_assister, new_consumer, walk_to
from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.machine import ASSISTER, AssisterState
from workflow.associations.binding import ASSOCIATION_CASE
from workflow.core.principal import SYSTEM
from workflow.core.settings import get_settings
from workflow.db.bulk import BulkWriteMismatch
from workflow.engine.bulk import fire_bulk
from workflow.engine.command import FireBulk, Selection
from workflow.engine.records import AUDIT_COLUMNS, HISTORY_COLUMNS, event_audit_row, history_row
from workflow.messaging.mailbox import Wording, render_message
from workflow.sweep import lapses, runner
from workflow.sweep.deadlines import lapse_context, lapse_groups
from workflow.sweep.report import EXAMPLES
from workflow.tables import Assister, Association, AuditEntry, History, Message, TrainingRecord

AS_OF = date(2026, 11, 1)  # TY2027's October 31 deadline has passed
NOW = datetime(2026, 11, 1, 6, tzinfo=UTC)
LONG_AGO = date(2020, 1, 15)
SERIAL = itertools.count(1000)


async def roster(states: list[str], *, ids: list[int] | None = None, **fields) -> list[int]:
    """Assisters written straight to the table (as an import would), onboarded long ago;
    with ``ids``, given those ids."""
    rows = []
    for state in states:
        key = next(SERIAL)
        row = Assister(kind="navigator", name=f"Person {key}", email=f"p{key}@example.org",
                       state=state, reference_number=f"9{key}", onboarded_on=LONG_AGO,
                       created_at=NOW, updated_at=NOW, **fields)  # fmt: skip
        rows.append(row)
    made = [r["id"] for r in await Assister.insert(*rows).returning(Assister.id)]
    for old, new in zip(made, ids or made, strict=True):
        await Assister.raw("UPDATE assisters SET id = {} WHERE id = {}", new, old)
    return ids or made


def batches_of(size: int, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(lapses, "get_settings", lambda: _sized(settings, size))
    seen = []
    real = lapses.windows

    async def recorded(*args):
        found = await real(*args)
        seen.extend(found)
        return found

    monkeypatch.setattr(lapses, "windows", recorded)
    return seen


def _sized(settings, size):
    from dataclasses import replace

    return replace(settings, sweep_batch_size=size)


async def test_windows_find_every_due_case_across_gaps_in_ids(db, monkeypatch):
    active = AssisterState.active
    due = await roster([active] * 3)
    far = await roster([active, active], ids=[due[-1] + 5_000, due[-1] + 900_000])
    kept = await roster([ASSISTER.initial])  # not lapsable: onboarded only
    certified = await roster([active])
    for kind, passed in (("training", None), ("exam", True)):
        await TrainingRecord.insert(
            TrainingRecord(
                assister=certified[0],
                training_year=2027,
                kind=kind,
                course="full",
                language="en",
                score=90 if passed else None,
                passed=bool(passed),
                recorded_at=NOW,
            )  # fmt: skip
        )
    windows = batches_of(2, monkeypatch)
    report = await runner.sweep(AS_OF, now=NOW)

    lapsed = await Assister.select(Assister.id).where(Assister.state == AssisterState.lapsed)
    assert sorted(r["id"] for r in lapsed) == sorted(due + far)
    assert report.count("lapse") == 5
    assert {c["id"] for c in report.examples("lapse")} == set(due + far)
    assert len(windows) == 3  # 5 due (and one certified) in windows of at most 2
    assert windows[-1][1] is None  # the last window is open: cases added meanwhile count
    for i in kept + certified:
        row = await Assister.select().where(Assister.id == i).first()
        assert row["version"] == 1 and row["state"] != AssisterState.lapsed
    assert (await runner.sweep(AS_OF, now=NOW)).count("lapse") == 0


async def test_a_batch_writes_all_or_nothing(db):
    """The notice's wordings do not cover one assister's onboarding date: that batch
    fails as a whole, with no state, history, audit entry or notice left behind."""
    ids = await roster([AssisterState.active] * 3)
    late = Wording({"deadline": None, "late_hire": False, "training_year": None,
                    "also_training_year": None, "late_hire_days": None, "note": "x"},
                   low=date(2024, 1, 1))  # fmt: skip
    cases = Selection("SELECT id, version FROM assisters WHERE id IN ({}, {}, {})", tuple(ids))
    command = FireBulk(ASSISTER_CASE, "lapse", SYSTEM, "rule: test", NOW, cases,
                       context={"notice": [late]})  # fmt: skip
    with pytest.raises(BulkWriteMismatch):
        await fire_bulk(command)
    rows = await Assister.select(Assister.state, Assister.version).where(Assister.id.is_in(ids))
    assert {(r["state"], r["version"]) for r in rows} == {(AssisterState.active, 1)}
    assert await History.count() == 0 and await Message.count() == 0
    assert await AuditEntry.count().where(AuditEntry.action == "event") == 0


async def test_bulk_rows_are_the_rows_the_records_builder_makes(client, admin):
    a = await new_assister(client, admin, name="Zoë O'Brien-100%_\\")
    a = await walk_to(client, admin, a, "active")
    await Assister.update({Assister.onboarded_on: LONG_AGO, Assister.language: "es"}).where(
        Assister.id == a["id"]
    )
    group = lapse_groups(get_settings().calendar, AS_OF)[1][0]
    outcome = await fire_bulk(
        FireBulk(ASSISTER_CASE, "lapse", SYSTEM, group.reason, NOW,
                 Selection("SELECT id, version FROM assisters WHERE id = {}", (a["id"],)),
                 context={"notice": lapses.lapse_wordings(group, get_settings().calendar)})
    )  # fmt: skip
    assert outcome.applied == {"active": [a["id"]]}

    history = await History.select().where(
        (History.entity_id == a["id"]) & (History.event == "lapse")
    )
    built = dict(zip(HISTORY_COLUMNS, history_row("assister", a["id"], "lapse", "active",
                 "lapsed", SYSTEM, group.reason, {}, NOW), strict=True))  # fmt: skip
    assert _comparable(history[0], HISTORY_COLUMNS) == _comparable(built, HISTORY_COLUMNS)
    audit = await AuditEntry.select().where(
        (AuditEntry.object_id == str(a["id"])) & (AuditEntry.action == "event")
        & (AuditEntry.object_type == "assister")
    ).order_by(AuditEntry.id, ascending=False).first()  # fmt: skip
    built = dict(zip(AUDIT_COLUMNS, event_audit_row("assister", a["id"], "lapse", "active",
                 "lapsed", SYSTEM, NOW, bulk=True), strict=True))  # fmt: skip
    assert _comparable(audit, AUDIT_COLUMNS) == _comparable(built, AUDIT_COLUMNS)

    [notice] = await Message.select().where(
        (Message.assister == a["id"]) & (Message.template == "lapse_notice")
    )
    person = await Assister.select().where(Assister.id == a["id"]).first()
    context = lapse_context(group, person, get_settings().calendar)
    subject, body = render_message("lapse_notice", "es", {"assister": person, **context})
    assert (notice["subject"], notice["body"]) == (subject, body)
    assert "Zoë O'Brien-100%_\\" in notice["body"] and "31/10/2026" in notice["body"]
    assert (notice["language"], notice["recipient_email"]) == ("es", a["email"])


def _comparable(row, columns):
    def plain(column, value):
        if column in ("data", "detail") and isinstance(value, str):
            return json.loads(value)
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return value

    return {c: plain(c, row[c]) for c in columns}


async def test_the_report_keeps_counts_and_a_few_examples(db, monkeypatch):
    ids = await roster([AssisterState.active] * (EXAMPLES + 7))
    batches_of(4, monkeypatch)
    dry = await runner.sweep(AS_OF, now=NOW, dry_run=True)
    assert dry.count("lapse") == EXAMPLES + 7
    assert [c["id"] for c in dry.examples("lapse")] == ids[:EXAMPLES]
    report = await runner.sweep(AS_OF, now=NOW)
    assert report.count("lapse") == EXAMPLES + 7
    assert [c["id"] for c in report.examples("lapse")] == ids[:EXAMPLES]


async def test_a_sweep_that_moved_many_cases_tidies_their_table(db, monkeypatch):
    await roster([AssisterState.active] * 3)
    tidied = []
    real = runner.refresh_statistics

    async def spy(**tables):
        tidied.append(tables)
        await real(**tables)  # VACUUM (ANALYZE) on PostgreSQL; nothing on SQLite

    monkeypatch.setattr(runner, "refresh_statistics", spy)
    settings = replace(get_settings(), sweep_tidy_after=4)
    monkeypatch.setattr(runner, "get_settings", lambda: settings)
    await runner.sweep(AS_OF, now=NOW)
    assert tidied == []  # 3 moved: under the threshold
    await roster([AssisterState.active] * 4)
    await runner.sweep(AS_OF, now=NOW)
    assert tidied == [{"vacuum": ["assisters"], "analyze": ["history", "audit_log", "messages"]}]


async def test_python_bulk_hooks_still_run_around_the_move(client, admin):
    """``disassociate`` declares its bulk form as Python hooks (queue on the consumers
    first; record the ends and tell the consumers after): listed cases take that path in
    one transaction, and a case at another version is left alone."""
    ana = await active_assister(client, admin)
    pending = []
    for name in ("Carla Diaz", "Dev Patel"):
        consumer, consumer_id = await new_consumer(name=name)
        pending.append((await associate(client, consumer, ana, confirm=False), consumer_id))
    (ended, ended_consumer), (raced, raced_consumer) = pending
    cases = {ended["id"]: ended["version"], raced["id"]: raced["version"] - 1}
    outcome = await fire_bulk(FireBulk(ASSOCIATION_CASE, "disassociate", SYSTEM, "rule: test",
                                       NOW, cases))  # fmt: skip
    assert (outcome.applied, outcome.stale) == ({"requested": [ended["id"]]}, [raced["id"]])
    rows = {r["id"]: r for r in await Association.select()}
    assert rows[ended["id"]]["state"] == "disassociated"
    assert rows[ended["id"]]["end_reason"] == "rule: test" and rows[ended["id"]]["ended_at"]
    assert rows[raced["id"]]["state"] == "requested" and rows[raced["id"]]["ended_at"] is None
    told = await Message.select(Message.consumer).where(Message.template == "association_ended")
    assert [m["consumer"] for m in told] == [ended_consumer]
