"""An open support case does not stop a broker from fixing what is theirs to fix: their
own save or check asks the registry again; a pass closes the case (with its history), a
failure keeps it open with the failure brought up to date and its instructions shown."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import (
    NAME_MISMATCH,
    NO_LICENSE,
    UNKNOWN_NPN,
    VALID,
    DownRegistry,
    fire_validation,
    get_validation,
    load_sample_registry,
    new_broker,
    new_user_headers,
    patch_profile,
    validation_history,
)
from workflow.core.principal import SYSTEM, Principal
from workflow.tables import NpnValidation, ProducerRecord
from workflow.validations.registry import use_registry
from workflow.validations.service import fire_support_event, revalidate
from workflow.validations.support import escalate_breached, retry_unavailable

SUPPORT = Principal(user_id=None, username="support-test", role="support")
SINCE = datetime(2026, 11, 17, 15, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 15, tzinfo=UTC)


@pytest.fixture
async def registry(db):
    await load_sample_registry()


async def escalated_broker(client, admin, producer) -> tuple[dict, dict]:
    """A broker stuck on ``producer``'s failure whom support has a case open for, and
    their own headers."""
    broker = await new_broker(client, admin, producer)
    await revalidate(broker["id"], SYSTEM, now=SINCE)
    await fire_support_event(broker["id"], "escalate", SUPPORT, "broker called", now=SINCE)
    me = await new_user_headers("assister", assister_id=broker["id"])
    return broker, me


async def row_of(broker) -> dict:
    return await NpnValidation.select().where(NpnValidation.assister == broker["id"]).first()


async def test_the_broker_fixes_their_license_and_their_save_closes_the_case(
    client, admin, registry
):
    broker, me = await escalated_broker(client, admin, NO_LICENSE)
    seen = await get_validation(client, me, broker["id"])
    assert seen["state"] == "escalated" and "revalidate" in seen["allowed_events"]
    assert seen["message"].startswith("Support is working on your NPN validation")
    assert "Fix your license with your state Department of Insurance" in seen["message"]
    assert "then save your profile again" in seen["message"]

    await ProducerRecord.update({ProducerRecord.license_status: "active"}).where(
        ProducerRecord.npn == NO_LICENSE[0]
    )
    r = await patch_profile(client, me, broker["id"], marketplace_role="individual")
    assert r.status_code == 200, r.text
    validation = r.json()["validation"]
    assert validation["state"] == "valid" and validation["marketplace_role"] == "individual"
    assert validation["failure"] is None and validation["escalated_at"] is None
    assert validation["resolved_at"] is not None and validation["sla"] is None
    history = await validation_history(client, admin, broker["id"])
    assert [(h["event"], h["from_state"], h["to_state"]) for h in history][-2:] == [
        ("escalate", "no_license", "escalated"),
        ("revalidate", "escalated", "valid"),
    ]
    assert history[-1]["actor"] != "system"  # the broker's own save


async def test_a_check_that_still_fails_keeps_the_case_open_and_its_clock(client, admin, registry):
    broker, me = await escalated_broker(client, admin, NO_LICENSE)
    before = await row_of(broker)
    r = await fire_validation(client, me, broker["id"], "revalidate")
    assert r.status_code == 200, r.text
    assert (r.json()["from_state"], r.json()["state"]) == ("escalated", "escalated")
    after = await row_of(broker)
    assert after["failure"] == "no_license" and after["attempts"] == before["attempts"] + 1
    assert after["stuck_since"] == before["stuck_since"]
    assert after["escalated_at"] == before["escalated_at"]
    assert "Fix your license" in r.json()["message"]


async def test_a_new_npn_saved_while_escalated_is_validated(client, admin, registry):
    broker, me = await escalated_broker(client, admin, NAME_MISMATCH)
    r = await patch_profile(client, admin, broker["id"], npn=UNKNOWN_NPN[0])
    assert r.status_code == 200, r.text
    validation = r.json()["validation"]
    assert validation["state"] == "escalated" and validation["failure"] == "npn_mismatch"
    assert "not in the producer registry" in validation["detail"]
    assert validation["attempts"] == 2  # the save asked the registry again
    # an Agent Broker role is still refused while the check fails, with what to do
    r = await patch_profile(client, me, broker["id"], marketplace_role="shop")
    assert r.status_code == 422 and r.json()["recorded"] is True
    assert "NPN validation failed" in r.json()["detail"]
    # the broker corrects the NPN: the name now matches that record, the case closes
    r = await patch_profile(client, admin, broker["id"], npn=VALID[0], name=VALID[1])
    assert r.json()["validation"]["state"] == "valid"


async def test_an_escalated_registry_outage_is_still_retried(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    with use_registry(DownRegistry()):
        await revalidate(broker["id"], SYSTEM, now=SINCE)
        assert (await escalate_breached(NOW)).outcomes == {"escalated": 1}
        again = await retry_unavailable(NOW + timedelta(minutes=20))
    assert again.outcomes == {"escalated": 1}  # still down: the case stays open
    row = await row_of(broker)
    assert (row["state"], row["failure"]) == ("escalated", "registry_unavailable")
    done = await retry_unavailable(NOW + timedelta(minutes=40))
    assert done.outcomes == {"valid": 1}
    row = await row_of(broker)
    assert row["state"] == "valid" and row["resolved_at"] is not None
