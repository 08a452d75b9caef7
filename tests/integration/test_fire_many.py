"""``fire_many`` (on SQLite and PostgreSQL): each case decided as ``fire`` decides it,
refusals returned per case, a kept attempt written; a case changed meanwhile rolls the
whole batch back (the caller then fires one by one)."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import time_machine

from tests.helpers import new_assister, new_org
from workflow.assisters import binding
from workflow.core.errors import AttemptRecorded, GuardRefused
from workflow.core.principal import Principal
from workflow.engine.command import EventOutcome, FireEvent
from workflow.engine.fire import fire
from workflow.engine.many import BatchConflict, fire_many
from workflow.tables import History, TrainingRecord

ADMIN = Principal(user_id=None, username="test", role="admin")


def at(y, m, d):
    return time_machine.travel(datetime(y, m, d, 12, tzinfo=UTC), tick=False)


async def three(client, admin):
    org = await new_org(client, admin)
    with at(2026, 8, 1):
        return [(await new_assister(client, admin, email=f"{i}@x.org", organization_id=org))["id"]
                for i in range(3)]  # fmt: skip


def cmd(case_id, event="complete_training", **data):
    return FireEvent(binding.ASSISTER_CASE, case_id, event, ADMIN, "batch", data)


async def test_each_case_decided_on_its_own(client, admin):
    a, b, c = await three(client, admin)
    with at(2026, 9, 15):
        await fire(cmd(b))
        results = await fire_many([
            cmd(a),
            cmd(b, "record_exam", score=50),
            cmd(c, completed_on="2026-07-01"),
        ])  # fmt: skip
    assert isinstance(results[0], EventOutcome) and results[0].state == "trained"
    assert isinstance(results[1], AttemptRecorded) and "pass mark 80" in results[1].detail
    assert isinstance(results[2], GuardRefused) and "before the assister was onboarded" in (
        results[2].detail
    )
    kinds = sorted((r["assister"], r["kind"], r["passed"]) for r in await TrainingRecord.select())
    assert kinds == [(a, "training", False), (b, "exam", False), (b, "training", False)]


async def test_a_case_changed_meanwhile_rolls_the_batch_back(client, admin, monkeypatch):
    a, b, _ = await three(client, admin)
    real = binding.ASSISTER_CASE.load_facts_many

    async def meanwhile(rows, now):
        await fire(cmd(b))  # someone else moves b after the batch read it
        return await real(rows, now)

    kind = replace(binding.ASSISTER_CASE, load_facts_many=meanwhile)
    before = await History.count().where(History.entity_id == a)
    with at(2026, 9, 15), pytest.raises(BatchConflict):
        await fire_many([cmd(a).but(kind=kind), cmd(b).but(kind=kind)])
    assert await History.count().where(History.entity_id == a) == before
    assert [r["assister"] for r in await TrainingRecord.select()] == [b]  # b's own event only
