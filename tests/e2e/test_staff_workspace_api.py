"""The staff workspace's API side (issue 14): ``blocked_events`` on every case kind's read,
and ``reissue_activation`` for an assister who lost their Registration Number."""

from __future__ import annotations

from tests.helpers import (
    NAME_MISMATCH,
    fire,
    fire_ok,
    latest_registration_number,
    load_sample_registry,
    new_assister,
    new_broker,
    new_consumer,
    new_org,
    patch_profile,
    walk_to,
)
from workflow.tables import Message


async def test_a_broker_with_an_unvalidated_npn_reads_register_as_blocked(client, admin):
    await load_sample_registry()
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    await fire_ok(client, admin, broker["id"], "complete_training")
    await fire_ok(client, admin, broker["id"], "record_exam", data={"score": 90})
    read = (await client.get(f"/assisters/{broker['id']}", headers=admin)).json()
    assert read["state"] == "exam_passed" and read["npn_status"] == "npn_mismatch"
    assert [b["event"] for b in read["blocked_events"]] == ["register"]
    assert "NPN not validated" in read["blocked_events"][0]["reason"]
    assert "'npn_mismatch'" in read["blocked_events"][0]["reason"]
    # The same words as firing it.
    refused = await fire(client, admin, broker["id"], "register",
                         data={"agreements": ["individual"]})  # fmt: skip
    assert refused.status_code == 422
    assert read["blocked_events"][0]["reason"] in refused.json()["detail"]

    # Its validation: correcting the record waits for a confirmed identity.
    validation = (await client.get(f"/assisters/{broker['id']}/validation", headers=admin)).json()
    blocked = {b["event"]: b["reason"] for b in validation["blocked_events"]}
    assert set(blocked) == {"correct_record"} and "confirm_identity" in blocked["correct_record"]


async def test_guards_that_need_the_events_data_are_not_judged(client, admin):
    a = await new_assister(client, admin)
    await walk_to(client, admin, a, "trained")
    read = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
    # record_exam's pass mark needs a score: not judged, so not listed.
    assert read["allowed_events"] and read["blocked_events"] == []
    navigator = await walk_to(client, admin, await new_assister(client, admin), "exam_passed")
    assert navigator["blocked_events"] == []  # not a broker: the NPN guard lets them by


async def test_association_and_exemption_reads_carry_blocked_events(client, admin):
    a = await walk_to(client, admin, await new_assister(client, admin), "active")
    consumer, _ = await new_consumer()
    r = await client.post(
        "/associations", json={"reference_number": a["reference_number"]}, headers=consumer
    )
    association = r.json()
    await fire_ok(client, admin, a["id"], "lapse")
    read = (await client.get(f"/associations/{association['id']}", headers=admin)).json()
    blocked = {b["event"]: b["reason"] for b in read["blocked_events"]}
    assert "confirm" in blocked and "not an active assister" in blocked["confirm"]

    org = await new_org(client, admin, "agency")
    why = {"justification": "We assist with OHP only; staff need the overview."}
    r = await client.post(f"/organizations/{org}/exemptions", json=why, headers=admin)
    assert r.status_code == 201, r.text
    exemption = (await client.get(f"/exemptions/{r.json()['id']}", headers=admin)).json()
    assert exemption["blocked_events"] == []


async def test_reissue_activation_replaces_the_registration_number(client, admin, make_user):
    a = await walk_to(client, admin, await new_assister(client, admin), "registered")
    old = await latest_registration_number(client, admin, a["id"])
    support = await make_user("support")
    done = await fire_ok(client, support, a["id"], "reissue_activation")
    assert done["state"] == "registered" and done["version"] == a["version"] + 1
    assert "registration_number" not in str(done)
    new = await latest_registration_number(client, admin, a["id"])
    assert new != old
    activations = await Message.select(Message.id).where(
        (Message.assister == a["id"]) & (Message.template == "activation")
    )
    assert len(activations) == 2
    # Staff reading the mailbox never see the number.
    mailbox = (await client.get(f"/assisters/{a['id']}/messages", headers=support)).text
    assert new not in mailbox and old not in mailbox
    history = (await client.get(f"/assisters/{a['id']}/history", headers=admin)).json()
    assert history[-1]["event"] == "reissue_activation" and history[-1]["actor"].startswith(
        "support"
    )

    stale = await fire(client, admin, a["id"], "activate",
                       data={"registration_number": old, "email": a["email"]})  # fmt: skip
    assert stale.status_code == 422 and "does not match" in stale.json()["detail"]
    await fire_ok(client, admin, a["id"], "activate",
                  data={"registration_number": new, "email": a["email"]})  # fmt: skip


async def test_reissue_activation_only_while_registered_and_only_for_staff(
    client, admin, make_user
):
    a = await walk_to(client, admin, await new_assister(client, admin), "exam_passed")
    r = await fire(client, admin, a["id"], "reissue_activation")
    assert r.status_code == 409 and "allowed_events" in r.json()
    await fire_ok(client, admin, a["id"], "register", data={"agreements": ["individual"]})
    agency = await make_user("agency_admin", organization_id=a["organization_id"])
    r = await fire(client, agency, a["id"], "reissue_activation")
    assert r.status_code == 403


async def test_a_refusal_keeps_its_rule_in_the_audit_log_never_a_quoted_value(client, admin):
    """An association refused because its assister is not active: the message names the
    assister; the audit entry keeps only the rule's declared label."""
    from workflow.tables import AuditEntry

    a = await walk_to(client, admin, await new_assister(client, admin, name="Zora Quill"), "active")
    consumer, _ = await new_consumer()
    r = await client.post(
        "/associations", json={"reference_number": a["reference_number"]}, headers=consumer
    )
    await fire_ok(client, admin, a["id"], "lapse")
    refused = await client.post(f"/associations/{r.json()['id']}/events/confirm", headers=consumer)
    assert refused.status_code == 422 and "Zora Quill" in refused.json()["detail"]
    entry = (
        await AuditEntry.select(AuditEntry.detail)
        .where((AuditEntry.action == "event") & (AuditEntry.outcome == "refused"))
        .output(load_json=True)
        .first()
    )
    assert entry["detail"]["reason"] == "a rule was not met: the assister is active"
    assert "Zora" not in str(entry["detail"])
