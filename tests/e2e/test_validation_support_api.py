"""Support un-sticks NPN validations: escalate, confirm_identity, correct_record and
resolve, each with a reason; a resolved validation is validated again at once, and a
broker still "Not an Agent Broker" is reminded to choose a role."""

import pytest

from tests.helpers import (
    MISSING_SSN,
    NAME_MISMATCH,
    NO_HEALTH_LOA,
    UNKNOWN_NPN,
    VALID,
    fire_validation,
    get_validation,
    load_sample_registry,
    new_broker,
    new_user_headers,
    patch_profile,
    validation_history,
)
from workflow.tables import Assister, Message, NpnValidation


@pytest.fixture
async def registry(db):
    await load_sample_registry()


@pytest.fixture
async def support(db):
    return await new_user_headers("support")


async def stuck(client, admin, producer, **kw) -> dict:
    broker = await new_broker(client, admin, producer, **kw)
    r = await fire_validation(client, admin, broker["id"], "revalidate")
    assert r.status_code == 200, r.text
    return broker


async def test_saving_data_failed_is_fixed_by_confirming_identity(client, admin, registry, support):
    broker = await stuck(client, admin, MISSING_SSN, ssn_provided=False)
    me = await new_user_headers("assister", assister_id=broker["id"])
    await patch_profile(client, me, broker["id"], marketplace_role="not_agent_broker")
    r = await fire_validation(client, support, broker["id"], "escalate", reason="called in")
    assert r.json()["state"] == "escalated"
    r = await fire_validation(client, support, broker["id"], "resolve", reason="done")
    assert r.status_code == 422 and "confirm_identity first" in r.json()["detail"]
    r = await fire_validation(
        client, support, broker["id"], "confirm_identity", reason="verified against NIPR by phone"
    )
    assert r.status_code == 200 and r.json()["state"] == "escalated"
    assert (await get_validation(client, me, broker["id"]))["identity_confirmed"] is True
    r = await fire_validation(client, support, broker["id"], "resolve", reason="identity confirmed")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from_state"], body["state"]) == ("escalated", "resolved")
    assert body["followed_by"]["event"] == "revalidate"
    assert body["followed_by"]["state"] == "valid"
    seen = await get_validation(client, me, broker["id"])
    assert seen["state"] == "valid" and seen["resolved_at"] is not None
    assert seen["stuck_since"] is None and seen["failure"] is None
    history = await validation_history(client, support, broker["id"])
    assert [(h["event"], h["to_state"], h["reason"]) for h in history] == [
        ("create", "not_checked", None),
        ("revalidate", "missing_ssn", None),
        ("revalidate", "missing_ssn", None),  # saving the role validates again
        ("escalate", "escalated", "called in"),
        ("confirm_identity", "escalated", "verified against NIPR by phone"),
        ("resolve", "resolved", "identity confirmed"),
        ("revalidate", "valid", None),
    ]
    assert history[-1]["actor"] == "system"
    # Valid now but still "Not an Agent Broker": the reminder is in the mailbox.
    mailbox = (await client.get(f"/assisters/{broker['id']}/messages", headers=me)).json()
    assert mailbox["total"] == 1
    assert mailbox["items"][0]["template"] == "choose_agent_broker_role"
    assert "Not an Agent Broker" in mailbox["items"][0]["body"]
    r = await patch_profile(client, me, broker["id"], marketplace_role="individual")
    assert r.status_code == 200 and r.json()["assister"]["marketplace_role"] == "individual"


async def test_name_mismatch_is_corrected_from_the_registry_field_by_field(
    client, admin, registry, support
):
    broker = await stuck(client, admin, NAME_MISMATCH)
    r = await fire_validation(client, support, broker["id"], "correct_record", reason="typo")
    assert r.status_code == 422 and "confirm the broker's identity" in r.json()["detail"]
    await fire_validation(client, support, broker["id"], "confirm_identity", reason="checked ID")
    r = await fire_validation(
        client, support, broker["id"], "correct_record", reason="name as in NIPR"
    )
    assert r.status_code == 200, r.text
    row = await Assister.select(Assister.name, Assister.npn).where(Assister.id == broker["id"])
    assert row == [{"name": "Marcus Reed", "npn": NAME_MISMATCH[0]}]
    history = await validation_history(client, support, broker["id"])
    assert history[-1]["event"] == "correct_record"
    assert history[-1]["data"] == {
        "registry_npn": NAME_MISMATCH[0],
        "changes": {"name": {"old": "Marcus Reid", "new": "Marcus Reed"}},
    }
    r = await fire_validation(client, support, broker["id"], "correct_record", reason="again")
    assert r.status_code == 422 and "nothing to correct" in r.json()["detail"]
    r = await fire_validation(client, support, broker["id"], "resolve", reason="name fixed")
    assert r.json()["followed_by"]["state"] == "valid"


async def test_wrong_npn_is_corrected_to_the_registry_record_support_found(
    client, admin, registry, support
):
    broker = await stuck(client, admin, (UNKNOWN_NPN[0], VALID[1]))
    await fire_validation(client, support, broker["id"], "confirm_identity", reason="by phone")
    r = await fire_validation(
        client, support, broker["id"], "correct_record", reason="npn", data={"npn": "404"}
    )
    assert r.status_code == 400 and "not in the producer registry" in r.json()["detail"]
    r = await fire_validation(
        client,
        support,
        broker["id"],
        "correct_record",
        reason="found the NPN by name in NIPR",
        data={"npn": VALID[0]},
    )
    assert r.status_code == 200, r.text
    changes = (await validation_history(client, support, broker["id"]))[-1]["data"]["changes"]
    assert changes == {"npn": {"old": UNKNOWN_NPN[0], "new": VALID[0]}}
    r = await fire_validation(client, support, broker["id"], "resolve", reason="npn fixed")
    assert r.json()["followed_by"]["state"] == "valid"


async def test_license_problems_wait_for_the_state_and_are_validated_again(
    client, admin, registry, support
):
    broker = await stuck(client, admin, NO_HEALTH_LOA)
    r = await fire_validation(client, support, broker["id"], "confirm_identity", reason="x")
    assert r.status_code == 409  # identity is not what is wrong here
    assert r.json()["allowed_events"] == ["revalidate", "escalate"]
    await fire_validation(client, support, broker["id"], "escalate", reason="asked the DOI")
    r = await fire_validation(client, support, broker["id"], "resolve", reason="told to fix")
    assert r.json()["state"] == "resolved"
    assert r.json()["followed_by"]["state"] == "no_health_loa"  # still no health LOA
    seen = await get_validation(client, admin, broker["id"])
    assert seen["state"] == "no_health_loa" and seen["escalated_at"] is None


@pytest.mark.parametrize("event", ["escalate", "confirm_identity", "correct_record", "resolve"])
async def test_every_support_action_needs_a_reason_without_an_ssn(
    client, admin, registry, support, event
):
    broker = await stuck(client, admin, NAME_MISMATCH)
    r = await fire_validation(client, support, broker["id"], event)
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = await fire_validation(
        client, support, broker["id"], event, reason="caller read out 123-45-6789"
    )
    assert r.status_code == 400 and "Social Security Number" in r.json()["detail"]
    assert (await get_validation(client, admin, broker["id"]))["version"] == 2


@pytest.mark.parametrize("event", ["escalate", "confirm_identity", "correct_record", "resolve"])
async def test_brokers_cannot_work_their_own_case(client, admin, registry, event):
    broker = await stuck(client, admin, NAME_MISMATCH)
    me = await new_user_headers("assister", assister_id=broker["id"])
    r = await fire_validation(client, me, broker["id"], event, reason="please")
    assert r.status_code == 403 and "Marketplace Service Desk" in r.json()["detail"]


async def test_no_ssn_is_stored_anywhere(client, admin, registry, support):
    broker = await stuck(client, admin, MISSING_SSN, ssn_provided=False)
    await fire_validation(client, support, broker["id"], "confirm_identity", reason="verified")
    columns = {c._meta.name for c in [*Assister._meta.columns, *NpnValidation._meta.columns]}
    assert not {c for c in columns if "ssn" in c} - {"ssn_provided"}
    row = await Assister.select(Assister.ssn_provided).where(Assister.id == broker["id"]).first()
    assert row == {"ssn_provided": False}
    assert await Message.count() == 0
