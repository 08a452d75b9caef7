"""Importing the learning system's results (on SQLite and PostgreSQL): a dry run changes
nothing, every row gets one of the five results, a second import changes nothing, two
imports of the same file at once apply each attempt once."""

import asyncio
import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine

from tests.helpers import new_assister, new_org
from workflow.core.errors import BadInput
from workflow.tables import History, TrainingImportAttempt, TrainingImportRun, TrainingRecord
from workflow.training.importer import import_text

HEADER = "attempt_id,score,assister,completed_on,course,language,training_year\n"


def at(y, m, d):
    return time_machine.travel(datetime(y, m, d, 12, tzinfo=UTC), tick=False)


async def people(client, admin):
    org = await new_org(client, admin)
    with at(2026, 8, 1):  # TY2027
        ana = await new_assister(client, admin, email="Ana@Example.org", organization_id=org)
        ben = await new_assister(client, admin, email="ben@example.org", organization_id=org)
        broker = await new_assister(client, admin, kind="broker", npn="1234567",
                                    email="cy@example.org")  # fmt: skip
        twin = await new_assister(client, admin, email="twin@example.org", organization_id=org)
        await new_assister(client, admin, email="twin@example.org", organization_id=org)
    return ana, ben, broker, twin


def file_for(ana, ben, broker) -> str:
    rows = [
        "a1,,ana@example.org,2026-09-01,full,en,2027",  # e-mail in another case: applied
        f"a2,91,{ana['reference_number']},2026-09-02,full,en,2027",  # exam after it: applied
        "a3,,1234567,2026-09-03,full,es,2027",  # the broker's NPN: applied
        "a4,55,1234567,2026-09-04,full,es,2027",  # failed exam: refused, but kept
        "a5,,ben@example.org,2026-07-01,full,en,2027",  # before onboarding: refused
        "a6,,nobody@example.org,2026-09-01,full,en,2027",  # unknown assister
        "a7,,twin@example.org,2026-09-01,full,en,2027",  # two people share it: unknown
        "a8,,ben@example.org,2026-09-31,full,en,2027",  # malformed: completed_on
        "a9,,ben@example.org,2026-09-01,deluxe,en,2027",  # malformed: course
        "a1,,ana@example.org,2026-09-01,full,en,2027",  # the same attempt again
        ",,ben@example.org,2026-09-01,full,en,2027",  # malformed: attempt_id
    ]
    return HEADER + "\n".join(rows) + "\n"


def by_attempt(summary) -> dict:
    return {(r.line, r.attempt_id): (r.result, r.detail) for r in summary.results}


async def snapshot():
    return (
        await History.count(),
        await TrainingRecord.count(),
        await TrainingImportAttempt.count(),
    )


async def state(client, admin, a) -> str:
    return (await client.get(f"/assisters/{a['id']}", headers=admin)).json()["state"]


EXPECTED = {
    (2, "a1"): "applied",
    (3, "a2"): "applied",
    (4, "a3"): "applied",
    (5, "a4"): "refused",
    (6, "a5"): "refused",
    (7, "a6"): "unknown assister",
    (8, "a7"): "unknown assister",
    (9, "a8"): "malformed",
    (10, "a9"): "malformed",
    (11, "a1"): "already imported",
    (12, ""): "malformed",
}


async def test_dry_run_says_what_would_happen_and_changes_nothing(client, admin):
    ana, ben, broker, _ = await people(client, admin)
    before = await snapshot()
    with at(2026, 9, 15):
        summary = await import_text(file_for(ana, ben, broker), "results.csv", dry_run=True)
    assert {k: v[0] for k, v in by_attempt(summary).items()} == EXPECTED
    assert summary.dry_run and "would be read" in summary.sentence()
    assert await snapshot() == before
    assert await state(client, admin, ana) == "onboarded"
    run = await (
        TrainingImportRun.select()
        .where(TrainingImportRun.id == summary.run_id)
        .output(load_json=True)
        .first()
    )
    assert run["dry_run"] is True and run["summary"]["applied"] == 3


async def test_every_row_gets_a_result_and_a_second_import_changes_nothing(client, admin):
    ana, ben, broker, _ = await people(client, admin)
    with at(2026, 9, 15):
        first = await import_text(file_for(ana, ben, broker), "fall.csv")
    results = by_attempt(first)
    assert {k: v[0] for k, v in results.items()} == EXPECTED
    assert first.counts == {"applied": 3, "already imported": 1, "refused": 2,
                            "unknown assister": 2, "malformed": 3}  # fmt: skip
    assert "score below pass mark 80" in results[(5, "a4")][1]
    assert "before the assister was onboarded (2026-08-01)" in results[(6, "a5")][1]
    assert "matches 2 assisters" in results[(8, "a7")][1]
    assert results[(9, "a8")][1].startswith("completed_on:")
    assert results[(10, "a9")][1].startswith("course:")
    assert results[(12, "")][1].startswith("attempt_id:")
    assert await state(client, admin, ana) == "exam_passed"
    assert await state(client, admin, broker) == "trained"  # the failed exam kept it there
    assert await state(client, admin, ben) == "onboarded"
    history = await History.select().where(History.entity_id == ana["id"]).order_by(History.id)
    imported = [h for h in history if h["event"] in ("complete_training", "record_exam")]
    assert [h["actor"] for h in imported] == ["import", "import"]
    assert all(h["reason"] == "imported from fall.csv" for h in imported)
    exam = await TrainingRecord.select().where(
        (TrainingRecord.assister == broker["id"]) & (TrainingRecord.kind == "exam")
    )
    assert [(e["score"], e["passed"], str(e["completed_on"])) for e in exam] == [
        (55, False, "2026-09-04")
    ]
    rows = list(csv.DictReader(io.StringIO(first.csv())))
    assert [r["result"] for r in rows] == [EXPECTED[k] for k in sorted(EXPECTED)]

    before = await snapshot()
    with at(2026, 9, 16):
        second = await import_text(file_for(ana, ben, broker), "fall.csv")
    assert await snapshot() == before
    again = {k: v[0] for k, v in by_attempt(second).items()}
    # Applied and kept attempts are not applied twice; refused ones are refused again.
    assert [again[k] for k in [(2, "a1"), (3, "a2"), (4, "a3"), (5, "a4")]] == [
        "already imported"
    ] * 4
    assert again[(6, "a5")] == "refused"


async def test_the_header_must_name_every_required_column(db):
    with pytest.raises(BadInput) as refused:
        await import_text("assister,course,score\nx,full,\n", "bad.csv")
    assert "missing column(s) training_year, language, completed_on, attempt_id" in str(
        refused.value.detail
    )
    with pytest.raises(BadInput) as refused:
        await import_text(HEADER.replace("score", "grade"), "bad.csv")
    assert "unknown column(s) grade" in refused.value.detail


async def test_two_imports_of_the_same_file_at_once_apply_each_attempt_once(client, admin):
    ana, ben, broker, _ = await people(client, admin)
    text = file_for(ana, ben, broker)
    with at(2026, 9, 15):
        one, two = await asyncio.gather(import_text(text, "a.csv"), import_text(text, "b.csv"))
    kept = {"a1": "applied", "a2": "applied", "a3": "applied", "a4": "refused"}
    for attempt, result in kept.items():
        results = [r.result for s in (one, two) for r in s.results if r.attempt_id == attempt]
        assert results.count(result) == 1, (attempt, results)
        assert set(results) == {result, "already imported"}, (attempt, results)
    assert await TrainingImportAttempt.count() == 4
    records = await TrainingRecord.select(TrainingRecord.assister, TrainingRecord.kind)
    assert len(records) == 4  # two courses, one passed and one failed exam
    assert await state(client, admin, ana) == "exam_passed"
