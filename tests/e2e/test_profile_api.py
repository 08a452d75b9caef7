"""``PATCH /assisters/{id}``: who may change what, the 400s that name the field, and the
marketplace role that follows the NPN validation."""

import pytest

from tests.helpers import (
    MISSING_SSN,
    NAME_MISMATCH,
    NO_LICENSE,
    VALID,
    fire,
    fire_ok,
    fire_validation,
    get_validation,
    load_sample_registry,
    new_assister,
    new_broker,
    new_org,
    new_user_headers,
    patch_profile,
    registered_broker,
)
from workflow.tables import Assister


@pytest.fixture
async def registry(db):
    await load_sample_registry()


async def test_a_broker_fixes_their_npn_and_saves_again(client, admin, registry):
    broker = await new_broker(client, admin, ("99999999", VALID[1]))
    me = await new_user_headers("assister", assister_id=broker["id"])
    r = await patch_profile(client, me, broker["id"], npn="99999999")
    assert r.json()["validation"]["state"] == "npn_mismatch"
    r = await patch_profile(client, me, broker["id"], npn=VALID[0], phone="503-555-0101")
    assert r.status_code == 200, r.text
    assert r.json()["assister"]["npn"] == VALID[0]
    assert r.json()["assister"]["phone"] == "503-555-0101"
    assert r.json()["validation"]["state"] == "valid"
    assert r.json()["validation"]["attempts"] == 2


async def test_agent_broker_role_needs_a_valid_npn_and_the_rest_is_saved(client, admin, registry):
    broker = await new_broker(client, admin, NO_LICENSE)
    me = await new_user_headers("assister", assister_id=broker["id"])
    r = await patch_profile(
        client, me, broker["id"], marketplace_role="individual", phone="503-555-0199"
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["recorded"] is True and body["state"] == "no_license"
    assert "Your marketplace role was not changed" in body["detail"]
    assert (
        "Not an Agent Broker" in body["detail"]
        and "state Department of Insurance" in body["detail"]
    )
    row = await Assister.select().where(Assister.id == broker["id"]).first()
    assert row["marketplace_role"] is None and row["phone"] == "503-555-0199"
    assert row["npn_status"] == "no_license"
    # A stuck broker continues to training as "Not an Agent Broker".
    r = await patch_profile(client, me, broker["id"], marketplace_role="not_agent_broker")
    assert r.status_code == 200, r.text
    assert r.json()["assister"]["marketplace_role"] == "not_agent_broker"
    assert r.json()["validation"]["state"] == "no_license"


async def test_valid_broker_chooses_a_role(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    me = await new_user_headers("assister", assister_id=broker["id"])
    r = await patch_profile(client, me, broker["id"], marketplace_role="both")
    assert r.status_code == 200, r.text
    assert r.json()["assister"]["marketplace_role"] == "both"
    assert r.json()["validation"]["state"] == "valid"


async def test_no_agent_broker_role_while_support_has_the_case(client, admin, registry):
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await patch_profile(client, admin, broker["id"], npn=NAME_MISMATCH[0])
    support = await new_user_headers("support")
    r = await fire_validation(client, support, broker["id"], "escalate", reason="name mismatch")
    assert r.status_code == 200, r.text
    r = await patch_profile(
        client, admin, broker["id"], marketplace_role="shop", phone="503-555-0177"
    )
    # the save checks the registry again (the case stays open) and refuses the role
    assert r.status_code == 422 and r.json()["recorded"] is True
    detail = r.json()["detail"]
    assert "Support is working on your NPN validation" in detail
    assert "If your name does not match, contact support" in detail  # the failure's words
    row = await Assister.select().where(Assister.id == broker["id"]).first()
    assert row["phone"] == "503-555-0177" and row["marketplace_role"] is None
    r = await patch_profile(client, admin, broker["id"], marketplace_role="not_agent_broker")
    assert r.status_code == 200 and r.json()["validation"]["state"] == "escalated"


async def test_an_agent_broker_role_needs_an_npn_first(client, admin, registry):
    broker = await new_assister(client, admin, kind="broker", name="B", email="b@x.org")
    r = await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    assert r.status_code == 422 and "enter your NPN" in r.json()["detail"]
    r = await patch_profile(client, admin, broker["id"], marketplace_role="not_agent_broker")
    assert r.status_code == 200 and r.json()["validation"]["state"] == "not_checked"


async def test_missing_ssn_cannot_be_fixed_by_saving_again(client, admin, registry):
    broker = await new_broker(client, admin, MISSING_SSN, ssn_provided=False)
    me = await new_user_headers("assister", assister_id=broker["id"])
    for _ in range(2):
        r = await patch_profile(client, me, broker["id"], npn=MISSING_SSN[0])
        assert r.json()["validation"]["state"] == "missing_ssn"
        assert "Saving Data Failed" in r.json()["validation"]["message"]
    r = await patch_profile(client, me, broker["id"], ssn_provided=True)
    assert r.status_code == 400 and "ssn_provided" in r.json()["detail"]


@pytest.mark.parametrize(
    "fields, field, words",
    [
        ({"npn": "123-45-6789"}, "npn", "Social Security Number"),
        ({"npn": "93-1234567"}, "npn", "Federal Tax ID"),
        ({"npn": "OR-3387120"}, "npn", "state license number"),
        ({"npn": "12345678901"}, "npn", "1 to 10 digits"),
        ({"phone": "123-45-6789"}, "phone", "Social Security Number"),
        ({"marketplace_role": "agent"}, "marketplace_role", "marketplace_role"),
        ({"ssn": "123456789"}, "ssn", "not a field of this request"),
        ({}, None, "give at least one of"),
    ],
)
async def test_bad_profile_input_is_400_naming_the_field(
    client, admin, registry, fields, field, words
):
    broker = await new_broker(client, admin, VALID)
    r = await patch_profile(client, admin, broker["id"], **fields)
    assert r.status_code == 400, r.text
    assert words in r.json()["detail"]
    if field:
        assert field in r.json()["detail"]
    row = await Assister.select().where(Assister.id == broker["id"]).first()
    assert row["npn"] == VALID[0] and row["phone"] is None  # nothing saved


async def test_who_may_patch_what(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    other = await new_broker(client, admin, VALID, name="Dana Whitfield")
    me = await new_user_headers("assister", assister_id=broker["id"])
    r = await patch_profile(client, me, broker["id"], name="Someone Else")
    assert r.status_code == 403 and r.json()["detail"].startswith("name:")
    assert "contact support" in r.json()["detail"]
    assert (await patch_profile(client, me, other["id"], phone="5035550100")).status_code == 404
    agency = await new_user_headers(
        "agency_admin", organization_id=await new_org(client, admin, "agency")
    )
    for role in ("support", "consumer"):
        headers = await new_user_headers(role)
        r = await patch_profile(client, headers, broker["id"], phone="5035550100")
        assert r.status_code == 403
    r = await patch_profile(client, agency, broker["id"], phone="5035550100")
    assert r.status_code == 403
    r = await patch_profile(client, admin, broker["id"], name="Dana  Whitfield ")
    assert r.status_code == 200 and r.json()["assister"]["name"] == "Dana  Whitfield"
    assert r.json()["validation"]["state"] == "valid"
    navigator = await new_assister(client, admin)
    r = await patch_profile(client, admin, navigator["id"], npn="1234567")
    assert r.status_code == 400 and r.json()["detail"].startswith("npn:")
    r = await patch_profile(client, admin, navigator["id"], phone="503-555-0123")
    assert r.status_code == 200 and r.json()["validation"] is None


async def test_a_deactivated_broker_profile_is_frozen(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    await fire_ok(client, admin, broker["id"], "deactivate", reason="left the agency")
    r = await patch_profile(client, admin, broker["id"], phone="503-555-0100")
    assert r.status_code == 409 and "reinstate" in r.json()["detail"]


async def test_register_follows_the_role(client, admin, registry):
    broker = await new_broker(client, admin, VALID)
    await fire_ok(client, admin, broker["id"], "complete_training")
    await fire_ok(client, admin, broker["id"], "record_exam", data={"score": 90})
    r = await fire(client, admin, broker["id"], "register", data={"agreements": ["individual"]})
    assert r.status_code == 422 and "NPN not validated" in r.json()["detail"]
    await patch_profile(client, admin, broker["id"], marketplace_role="not_agent_broker")
    r = await fire(client, admin, broker["id"], "register", data={"agreements": ["individual"]})
    assert r.status_code == 422 and "choose an Agent Broker role" in r.json()["detail"]
    await patch_profile(client, admin, broker["id"], marketplace_role="shop")
    r = await fire(client, admin, broker["id"], "register", data={"agreements": ["individual"]})
    assert r.status_code == 422 and "accept exactly shop" in r.json()["detail"]
    r = await fire(client, admin, broker["id"], "register", data={"agreements": ["shop"]})
    assert r.status_code == 200 and r.json()["state"] == "registered"


async def test_both_roles_register_with_both_agreements(client, admin, registry):
    registered = await registered_broker(client, admin, VALID, role="both")
    assert registered["agreements"] == ["individual", "shop"]
    assert (await get_validation(client, admin, registered["id"]))["state"] == "valid"


async def test_a_profile_saved_meanwhile_makes_the_slower_save_a_409(
    client, admin, registry, monkeypatch
):
    """Save A asks the registry; save B lands; A's result would describe a profile that
    no longer exists, so A is refused whole."""
    from workflow.assisters import profiles

    broker = await new_broker(client, admin, ("99999999", VALID[1]))
    real_check = profiles.check_profile

    async def check_then_lose_the_race(registry, npn, name, ssn):
        data = await real_check(registry, npn, name, ssn)
        monkeypatch.setattr(profiles, "check_profile", real_check)
        r = await patch_profile(client, admin, broker["id"], npn=VALID[0])
        assert r.status_code == 200 and r.json()["validation"]["state"] == "valid"
        return data

    monkeypatch.setattr(profiles, "check_profile", check_then_lose_the_race)
    r = await patch_profile(client, admin, broker["id"], npn="99999998", phone="5035550100")
    assert r.status_code == 409, r.text
    assert "saved by someone else" in r.json()["detail"]
    row = await Assister.select().where(Assister.id == broker["id"]).first()
    assert (row["npn"], row["phone"], row["npn_status"]) == (VALID[0], None, "valid")
