"""The bulk form of the event function, on both databases."""

from datetime import UTC, datetime

import pytest

from tests.helpers import fire_ok, new_assister, walk_to
from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.errors import Forbidden
from workflow.core.principal import SYSTEM, Principal
from workflow.engine.bulk import NotForBulk, fire_bulk
from workflow.engine.command import FireBulk
from workflow.tables import Assister, AuditEntry, History

NOW = datetime(2026, 11, 1, 6, tzinfo=UTC)


async def test_moves_allowed_cases_and_reports_the_rest(client, admin):
    trained = [
        await walk_to(client, admin, await new_assister(client, admin), "trained") for _ in range(3)
    ]
    active = await walk_to(client, admin, await new_assister(client, admin), "active")
    fresh = await new_assister(client, admin)  # onboarded: lapse is not allowed
    cases = {a["id"]: a["version"] for a in [*trained, active, fresh]}
    cases[99999] = 1  # no such assister: ignored

    outcome = await fire_bulk(FireBulk(ASSISTER_CASE, "lapse", SYSTEM, "rule: test", NOW, cases))
    assert sorted(outcome.applied["trained"]) == sorted(a["id"] for a in trained)
    assert outcome.applied["active"] == [active["id"]]
    assert "not allowed while the assister is onboarded" in outcome.refused[fresh["id"]]
    assert outcome.count == 4

    for a in [*trained, active]:
        row = await Assister.select().where(Assister.id == a["id"]).first()
        assert row["state"] == "lapsed" and row["version"] == a["version"] + 1
        last = (
            await History.select()
            .where(History.entity_id == a["id"])
            .order_by(History.id, ascending=False)
            .first()
        )
        assert (last["event"], last["actor"], last["reason"]) == ("lapse", "system", "rule: test")
    assert (await Assister.select().where(Assister.id == fresh["id"]).first())["version"] == 1
    audited = await AuditEntry.select(AuditEntry.object_id).where(
        (AuditEntry.action == "event") & (AuditEntry.actor == "system")
        & (AuditEntry.outcome == "applied") & (AuditEntry.object_type == "assister")
    )  # fmt: skip
    assert sorted(int(e["object_id"]) for e in audited) == sorted(
        a["id"] for a in [*trained, active]
    )

    again = await fire_bulk(FireBulk(ASSISTER_CASE, "lapse", SYSTEM, "rule: test", NOW, cases))
    assert again.count == 0  # idempotent: nothing written twice
    assert sorted(again.stale) == sorted(a["id"] for a in [*trained, active])


async def test_roles_still_apply(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "trained")
    support = Principal(user_id=None, username="s", role="support")
    with pytest.raises(Forbidden):
        await fire_bulk(
            FireBulk(ASSISTER_CASE, "lapse", support, "x", NOW, {a["id"]: a["version"]})
        )


async def test_events_whose_guards_read_case_facts_are_refused(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "exam_passed")
    admin_actor = Principal(user_id=None, username="a", role="admin")
    with pytest.raises(NotForBulk, match="cannot be fired in bulk"):
        await fire_bulk(
            FireBulk(
                ASSISTER_CASE,
                "register",
                admin_actor,
                "x",
                NOW,
                {a["id"]: a["version"]},
                data={"agreements": ["individual"]},
            )
        )
    assert (await Assister.select().where(Assister.id == a["id"]).first())["state"] == (
        "exam_passed"
    )
    await fire_ok(client, admin, a["id"], "register", data={"agreements": ["individual"]})
