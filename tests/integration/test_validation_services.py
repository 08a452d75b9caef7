"""NPN validation services on a real database: the registry is asked outside the write
transaction, time-outs and failures become ``registry_unavailable`` and are retried,
breached SLAs are escalated, and the ``npn_status`` mirror never disagrees."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import (
    LOA_INACTIVE,
    MISSING_SSN,
    NAME_MISMATCH,
    NO_HEALTH_LOA,
    NO_LICENSE,
    UNKNOWN_NPN,
    VALID,
    DownRegistry,
    HangingRegistry,
    fire_validation,
    load_sample_registry,
    new_broker,
    patch_profile,
)
from workflow.core.principal import SYSTEM, Principal
from workflow.core.settings import get_settings
from workflow.db import current_engine, is_sqlite
from workflow.tables import Assister, History, NpnValidation
from workflow.validations.registry import LocalRegistry, use_registry
from workflow.validations.service import correct_record, fire_support_event, revalidate
from workflow.validations.support import escalate_breached, retry_unavailable

SUPPORT = Principal(user_id=None, username="support-test", role="support")


@pytest.fixture
async def registry(db):
    await load_sample_registry()


class WatchingRegistry(LocalRegistry):
    """The local registry, noting whether a transaction (or SQLite's writer lock) was
    held while it was asked."""

    def __init__(self):
        self.calls = []

    def _note(self):
        engine = current_engine()
        in_transaction = engine.current_transaction.get() is not None
        locked = is_sqlite(engine) and engine.write_lock.locked()
        self.calls.append(in_transaction or locked)

    async def lookup(self, npn):
        self._note()
        return await super().lookup(npn)

    async def by_license_number(self, number):
        self._note()
        return await super().by_license_number(number)


async def test_the_registry_is_asked_before_the_write_transaction(client, admin, registry):
    watching = WatchingRegistry()
    broker = await new_broker(client, admin, UNKNOWN_NPN)
    with use_registry(watching):
        await patch_profile(client, admin, broker["id"], npn=UNKNOWN_NPN[0])
        await fire_validation(client, admin, broker["id"], "revalidate")
        await fire_support_event(broker["id"], "confirm_identity", SUPPORT, "by phone")
        await correct_record(broker["id"], SUPPORT, "fix", npn=VALID[0])
    assert len(watching.calls) >= 4 and not any(watching.calls), watching.calls


@pytest.fixture
def short_timeout(monkeypatch):
    monkeypatch.setenv("WORKFLOW_REGISTRY_TIMEOUT_SECONDS", "0.05")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_a_registry_that_never_answers_times_out_into_an_outcome(
    client, admin, registry, short_timeout
):
    broker = await new_broker(client, admin, VALID)
    with use_registry(HangingRegistry()):
        outcome = await revalidate(broker["id"], SYSTEM)
    assert outcome.state == "registry_unavailable"
    case = await NpnValidation.select().where(NpnValidation.assister == broker["id"]).first()
    assert case["detail"] == "registry lookup failed: no answer within 0.05 s"


async def test_failed_lookups_are_retried_after_the_retry_interval(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    t0 = datetime(2026, 11, 23, 15, tzinfo=UTC)
    with use_registry(DownRegistry()):
        assert (await revalidate(broker["id"], SYSTEM, now=t0)).state == "registry_unavailable"
        again = await retry_unavailable(t0 + timedelta(minutes=20))
    assert again.outcomes == {"registry_unavailable": 1}
    assert (await retry_unavailable(t0 + timedelta(minutes=25))).looked_at == 0  # too soon
    done = await retry_unavailable(t0 + timedelta(minutes=40))
    assert (done.looked_at, done.outcomes) == (1, {"valid": 1})
    assert str(done) == "1 validation(s): 1 valid"
    history = await History.select(History.actor, History.to_state).where(
        (History.machine == "npn_validation") & (History.event == "revalidate")
    )
    assert [h["to_state"] for h in history] == ["registry_unavailable"] * 2 + ["valid"]
    assert {h["actor"] for h in history} == {"system"}


async def test_breached_failures_that_need_support_are_escalated_by_the_system(
    client, admin, registry
):
    since, now = datetime(2026, 11, 17, 15, tzinfo=UTC), datetime(2026, 11, 30, 15, tzinfo=UTC)
    late = {}
    for key, producer, ssn in [
        ("name", NAME_MISMATCH, True),  # support corrects the name
        ("ssn", MISSING_SSN, False),  # only support confirms the identity
        ("unknown_npn", UNKNOWN_NPN, True),  # the broker corrects their NPN
        ("no_license", NO_LICENSE, True),  # the broker fixes it with their state
        ("no_health_loa", NO_HEALTH_LOA, True),
        ("loa_inactive", LOA_INACTIVE, True),
    ]:
        late[key] = (await new_broker(client, admin, producer, ssn_provided=ssn))["id"]
        await revalidate(late[key], SYSTEM, now=since)
    late["registry"] = (await new_broker(client, admin, VALID))["id"]
    with use_registry(DownRegistry()):  # down all along: support should know
        await revalidate(late["registry"], SYSTEM, now=since)
    fresh = await new_broker(client, admin, NAME_MISMATCH)
    await revalidate(fresh["id"], SYSTEM, now=datetime(2026, 11, 18, 15, tzinfo=UTC))

    report = await escalate_breached(now)
    assert (report.looked_at, report.outcomes) == (3, {"escalated": 3})
    rows = {r["assister"]: r for r in await NpnValidation.select()}
    states = {key: (rows[aid]["state"], rows[aid]["failure"]) for key, aid in late.items()}
    assert states == {
        "name": ("escalated", "npn_mismatch"),
        "ssn": ("escalated", "missing_ssn"),
        "registry": ("escalated", "registry_unavailable"),
        "unknown_npn": ("npn_mismatch", "npn_mismatch"),
        "no_license": ("no_license", "no_license"),
        "no_health_loa": ("no_health_loa", "no_health_loa"),
        "loa_inactive": ("loa_inactive", "loa_inactive"),
    }
    assert rows[fresh["id"]]["state"] == "npn_mismatch"  # 7 business days: due, not breached
    reason = await History.select(History.reason, History.actor).where(History.event == "escalate")
    assert (
        reason
        == [{"reason": "SLA breached: stuck for more than 7 business days", "actor": "system"}] * 3
    )
    assert (await escalate_breached(now)).looked_at == 0  # escalated ones are support's now


async def test_concurrent_revalidations_leave_one_consistent_case(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    results = await asyncio.gather(
        *(fire_validation(client, admin, broker["id"], "revalidate") for _ in range(5)),
    )
    codes = [r.status_code for r in results]
    assert set(codes) <= {200, 409} and codes.count(200) >= 1, codes
    case = await NpnValidation.select().where(NpnValidation.assister == broker["id"]).first()
    rows = await History.count().where(
        (History.machine == "npn_validation") & (History.entity_id == case["id"])
    )
    assert case["version"] == rows == 1 + codes.count(200)
    assert case["attempts"] == codes.count(200)


async def test_npn_status_mirrors_the_validation_state_after_every_event(client, admin, registry):
    broker = await new_broker(client, admin, NAME_MISMATCH)
    seen = []
    steps = [
        ("revalidate", {}),
        ("escalate", {"reason": "r"}),
        ("confirm_identity", {"reason": "r"}),
        ("correct_record", {"reason": "r"}),
        ("resolve", {"reason": "r"}),
    ]
    for event, body in steps:
        r = await fire_validation(client, admin, broker["id"], event, **body)
        assert r.status_code == 200, r.text
        mirror = await Assister.select(Assister.npn_status).where(Assister.id == broker["id"])
        case = await NpnValidation.select(NpnValidation.state).where(
            NpnValidation.assister == broker["id"]
        )
        seen.append((mirror[0]["npn_status"], case[0]["state"]))
    assert seen == [
        ("npn_mismatch", "npn_mismatch"),
        ("escalated", "escalated"),
        ("escalated", "escalated"),
        ("escalated", "escalated"),
        ("valid", "valid"),  # resolve, then validated again at once
    ]


async def test_a_failed_effect_rolls_back_state_and_mirror(client, admin, registry, monkeypatch):
    from workflow.engine.kinds import On
    from workflow.validations import binding as validation_case

    broker = await new_broker(client, admin, NAME_MISMATCH)
    await fire_validation(client, admin, broker["id"], "revalidate")

    async def broken(ctx):
        raise RuntimeError("disk full")

    monkeypatch.setitem(validation_case.VALIDATION_CASE.events, "escalate", On(effect=broken))
    with pytest.raises(RuntimeError):
        await fire_support_event(broker["id"], "escalate", SUPPORT, "r")
    row = await Assister.select(Assister.npn_status).where(Assister.id == broker["id"]).first()
    case = await NpnValidation.select().where(NpnValidation.assister == broker["id"]).first()
    assert row["npn_status"] == case["state"] == "npn_mismatch" and case["version"] == 2
