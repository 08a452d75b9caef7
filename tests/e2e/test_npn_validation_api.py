"""NPN validation through the HTTP app: every outcome, from a profile save and on demand,
with the broker's message, the hint, the ``npn_status`` mirror and the history."""

import pytest

from tests.helpers import (
    LICENSE_NUMBER_AS_NPN,
    LOA_INACTIVE,
    MISSING_SSN,
    NAME_MISMATCH,
    NO_HEALTH_LOA,
    NO_LICENSE,
    UNKNOWN_NPN,
    VALID,
    DownRegistry,
    fire_validation,
    get_validation,
    load_sample_registry,
    new_assister,
    new_broker,
    new_user_headers,
    patch_profile,
    validation_history,
)
from workflow.tables import Assister, NpnValidation
from workflow.validations.registry import use_registry


@pytest.fixture
async def registry(db):
    await load_sample_registry()


OUTCOMES = [
    (VALID, True, "valid", "Your NPN is validated", None),
    (NAME_MISMATCH, True, "npn_mismatch", "NPN validation failed", "under a different name"),
    (UNKNOWN_NPN, True, "npn_mismatch", "NPN validation failed", "not in the producer registry"),
    (
        LICENSE_NUMBER_AS_NPN,
        True,
        "npn_mismatch",
        "NPN validation failed",
        "is a state license number, not a National Producer Number",
    ),
    (MISSING_SSN, False, "missing_ssn", "Saving Data Failed", None),
    (NO_LICENSE, True, "no_license", "no active state license", None),
    (NO_HEALTH_LOA, True, "no_health_loa", "no health-related line of authority", None),
    (LOA_INACTIVE, True, "loa_inactive", "health line of authority (LOA) is not active", None),
]


@pytest.mark.parametrize("producer, ssn, state, message, hint", OUTCOMES)
async def test_saving_the_profile_validates_with_every_outcome(
    client, admin, registry, producer, ssn, state, message, hint
):
    broker = await new_broker(client, admin, producer, ssn_provided=ssn)
    me = await new_user_headers("assister", assister_id=broker["id"])
    r = await patch_profile(client, me, broker["id"], npn=producer[0])
    assert r.status_code == 200, r.text
    validation = r.json()["validation"]
    assert validation["state"] == state
    assert message in validation["message"]
    assert (hint is None and validation["hint"] is None) or hint in validation["hint"]
    assert validation["detail"] is None  # what exactly failed is for support's eyes
    assert r.json()["assister"]["npn_status"] == state
    row = await Assister.select(Assister.npn_status).where(Assister.id == broker["id"]).first()
    assert row["npn_status"] == state
    history = await validation_history(client, me, broker["id"])
    assert [(h["event"], h["from_state"], h["to_state"]) for h in history] == [
        ("create", "", "not_checked"),
        ("revalidate", "not_checked", state),
    ]
    assert history[-1]["data"]["npn"] == producer[0]
    assert history[-1]["data"]["ssn_provided"] is ssn
    assert history[-1]["actor"].startswith("assister-")


@pytest.mark.parametrize("producer, ssn, state, message, hint", OUTCOMES)
async def test_revalidate_on_demand_gives_the_same_outcomes(
    client, admin, registry, producer, ssn, state, message, hint
):
    broker = await new_broker(client, admin, producer, ssn_provided=ssn)
    r = await fire_validation(client, admin, broker["id"], "revalidate")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["event"], body["from_state"], body["state"]) == (
        "revalidate",
        "not_checked",
        state,
    )
    assert message in body["message"] and body["version"] == 2
    support = await new_user_headers("support")
    seen = await get_validation(client, support, broker["id"])
    assert seen["state"] == state and seen["version"] == 2
    if state != "valid":
        assert seen["failure"] == state and seen["detail"]
        assert seen["stuck_since"] is not None and seen["waiting_business_days"] == 0
        assert seen["sla"] == "within"
    else:
        assert seen["failure"] is None and seen["stuck_since"] is None and seen["sla"] is None


async def test_staff_read_what_did_not_match(client, admin, registry):
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await fire_validation(client, admin, broker["id"], "revalidate")
    seen = await get_validation(client, admin, broker["id"])
    assert "'Marcus Reid'" in seen["detail"] and "'Marcus Reed'" in seen["detail"]


async def test_accents_case_and_spacing_still_match(client, admin, registry):
    broker = await new_broker(client, admin, ("13307715", "MARIA JOSE  nuñez"))
    r = await fire_validation(client, admin, broker["id"], "revalidate")
    assert r.json()["state"] == "valid", r.text


@pytest.mark.parametrize("failing", ["empty registry", "registry down"])
async def test_a_registry_that_cannot_answer_is_an_outcome_not_a_500(client, admin, db, failing):
    broker = await new_broker(client, admin, VALID)
    if failing == "empty registry":  # nothing loaded: the local registry cannot vouch
        r = await fire_validation(client, admin, broker["id"], "revalidate")
    else:
        await load_sample_registry()
        with use_registry(DownRegistry()):
            r = await fire_validation(client, admin, broker["id"], "revalidate")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "registry_unavailable"
    assert "could not reach the producer registry" in r.json()["message"]
    seen = await get_validation(client, admin, broker["id"])
    assert "registry lookup failed" in seen["detail"]
    if failing == "empty registry":
        await load_sample_registry()
    r = await fire_validation(client, admin, broker["id"], "revalidate")
    assert r.json()["state"] == "valid"


async def test_revalidate_takes_no_data_from_the_caller(client, admin, registry):
    broker = await new_broker(client, admin, UNKNOWN_NPN)
    r = await fire_validation(
        client, admin, broker["id"], "revalidate", data={"registry": "answered"}
    )
    assert r.status_code == 400 and "asks the producer registry itself" in r.json()["detail"]
    assert (await get_validation(client, admin, broker["id"]))["state"] == "not_checked"


async def test_revalidate_without_an_npn_says_to_enter_it(client, admin, registry):
    broker = await new_assister(client, admin, kind="broker", name="No Npn", email="n@x.org")
    r = await fire_validation(client, admin, broker["id"], "revalidate")
    assert r.status_code == 422 and "enter your National Producer Number" in r.json()["detail"]


async def test_who_may_read_and_revalidate(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    other = await new_broker(client, admin, NO_LICENSE)
    mine = await new_user_headers("assister", assister_id=broker["id"])
    assert (await fire_validation(client, mine, other["id"], "revalidate")).status_code == 404
    r = await client.get(f"/assisters/{other['id']}/validation", headers=mine)
    assert r.status_code == 404
    assert (await fire_validation(client, mine, broker["id"], "revalidate")).status_code == 200
    consumer = await new_user_headers("consumer")
    r = await client.get(f"/assisters/{broker['id']}/validation", headers=consumer)
    assert r.status_code == 403
    navigator = await new_assister(client, admin)
    r = await client.get(f"/assisters/{navigator['id']}/validation", headers=admin)
    assert r.status_code == 404 and "only brokers" in r.json()["detail"]
    r = await fire_validation(client, admin, broker["id"], "fly")
    assert r.status_code == 404 and "revalidate" in r.json()["events"]


async def test_if_match_makes_revalidate_conditional(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    url = f"/assisters/{broker['id']}/validation/events/revalidate"
    r = await client.post(url, headers={**admin, "If-Match": "7"})
    assert r.status_code == 409 and r.json()["version"] == 1
    r = await client.post(url, headers={**admin, "If-Match": "1"})
    assert r.status_code == 200 and r.json()["version"] == 2


async def test_every_broker_gets_one_validation_case_at_onboarding(client, admin, db):
    broker = await new_broker(client, admin, VALID)
    await new_assister(client, admin)  # a navigator: none
    rows = await NpnValidation.select(NpnValidation.assister, NpnValidation.state)
    assert rows == [{"assister": broker["id"], "state": "not_checked"}]
    assert broker["npn_status"] == "not_checked" and broker["ssn_provided"] is True


async def test_agency_admins_read_their_brokers_validation_only(client, admin, registry):
    from tests.helpers import new_org

    agency = await new_org(client, admin, "agency")
    mine = await new_broker(client, admin, VALID, organization_id=agency)
    theirs = await new_broker(client, admin, VALID)
    headers = await new_user_headers("agency_admin", organization_id=agency)
    assert (await get_validation(client, headers, mine["id"]))["state"] == "not_checked"
    r = await client.get(f"/assisters/{theirs['id']}/validation", headers=headers)
    assert r.status_code == 404
    r = await fire_validation(client, headers, mine["id"], "revalidate")
    assert r.status_code == 403


async def test_brokers_history_leaves_out_the_registry_record(client, admin, registry):
    broker = await new_broker(client, admin, NAME_MISMATCH)
    me = await new_user_headers("assister", assister_id=broker["id"])
    await fire_validation(client, me, broker["id"], "revalidate")
    assert "record" not in (await validation_history(client, me, broker["id"]))[-1]["data"]
    staff = (await validation_history(client, admin, broker["id"]))[-1]["data"]
    assert staff["record"]["last_name"] == "Reed"


@pytest.mark.parametrize(
    "role, words",
    [
        (None, "Choose an Agent Broker role"),
        ("individual", "You may continue as an agent or broker"),
        ("not_agent_broker", "still 'Not an Agent Broker'"),
    ],
)
async def test_a_valid_brokers_message_says_what_is_left(client, admin, registry, role, words):
    broker = await new_broker(client, admin, VALID)
    if role:
        assert (await patch_profile(client, admin, broker["id"], marketplace_role=role)).is_success
    else:
        await fire_validation(client, admin, broker["id"], "revalidate")
    seen = await get_validation(client, admin, broker["id"])
    assert seen["state"] == "valid" and words in seen["message"]


async def test_a_brokers_validation_is_drawn_with_its_path(client, admin, registry):
    broker = await new_broker(client, admin, NO_LICENSE)
    await fire_validation(client, admin, broker["id"], "revalidate")
    await fire_validation(client, admin, broker["id"], "revalidate")
    me = await new_user_headers("assister", assister_id=broker["id"])
    mmd = await client.get(f"/assisters/{broker['id']}/validation/diagram.mmd", headers=me)
    assert mmd.status_code == 200, mmd.text
    assert "class no_license current" in mmd.text
    other = await new_broker(client, admin, VALID)
    r = await client.get(f"/assisters/{other['id']}/validation/diagram.mmd", headers=me)
    assert r.status_code == 404
    listing = (await client.get("/diagrams")).json()["items"]
    links = next(i for i in listing if i["name"] == "npn_validation")["links"]
    assert links["case_mmd"] == "/assisters/{id}/validation/diagram.mmd"
