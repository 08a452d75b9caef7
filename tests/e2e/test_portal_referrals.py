"""Help On Demand in the broker's portal: the offer with its time, Accept (then the
consumer's contact), Decline (then it is gone), and nobody else's referrals."""

import re

from tests.helpers import (
    VALID,
    latest_registration_number,
    load_sample_registry,
    registered_broker,
)
from tests.portal_helpers import activate, csrf, enrol_totp


async def portal_broker(web, client, admin, username, zip):
    """A broker activated through the portal, signed in with an authenticator app, who
    takes referrals at ``zip``."""
    broker = await registered_broker(client, admin, VALID)
    number = await latest_registration_number(client, admin, broker["id"])
    r = await activate(web, broker, number, username)
    assert r.status_code == 303, r.text
    await enrol_totp(web, username)
    address = {"street": "1 Main St", "city": "Minneapolis", "state": "MN", "zip": zip}
    r = await client.patch(f"/assisters/{broker['id']}", json={"address": address}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.put(f"/assisters/{broker['id']}/directory",
                         json={"languages": ["en", "es"], "accepts_referrals": True},
                         headers=admin)  # fmt: skip
    assert r.status_code == 200, r.text
    return broker


async def ask(client, **body):
    base = {"name": "María López", "zip": "55401", "language": "es", "phone": "651-555-0199",
            "consent": True}  # fmt: skip
    r = await client.post("/referrals", json={**base, **body})
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_broker_accepts_a_referral_in_the_portal(web, client, admin):
    await load_sample_registry()
    broker = await portal_broker(web, client, admin, "dana.broker", "55401")
    referral = await ask(client)
    assert referral["broker_id"] == broker["id"]
    page = await web.get("/assister/referrals")
    assert page.status_code == 200
    assert f"Referral {referral['id']}" in page.text and "Offered to you until" in page.text
    assert "651-555-0199" not in page.text  # not before accepting
    r = await web.post(f"/assister/referrals/{referral['id']}/accept",
                       data={"csrf_token": "wrong"})  # fmt: skip
    assert r.status_code == 403
    r = await web.post(f"/assister/referrals/{referral['id']}/accept",
                       data={"csrf_token": csrf(page.text)})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("done=referral_accepted")
    page = await web.get(r.headers["location"])
    assert "You accepted the referral" in page.text and "651-555-0199" in page.text
    # Answering again: the page says why, in a sentence.
    r = await web.post(f"/assister/referrals/{referral['id']}/decline",
                       data={"csrf_token": csrf(page.text)})  # fmt: skip
    assert r.status_code == 409 and re.search(r"accepted", r.text)


async def test_a_broker_declines_and_the_offer_is_gone(web, client, admin):
    await load_sample_registry()
    broker = await portal_broker(web, client, admin, "dana.broker", "55401")
    referral = await ask(client)
    assert referral["broker_id"] == broker["id"]
    page = await web.get("/assister/referrals")
    r = await web.post(f"/assister/referrals/{referral['id']}/decline",
                       data={"csrf_token": csrf(page.text)})  # fmt: skip
    assert r.status_code == 303
    page = await web.get(r.headers["location"])
    assert "You declined the referral" in page.text and "No referrals for you now" in page.text
    done = (await client.get(f"/referrals/{referral['id']}", headers=admin)).json()
    assert done["state"] == "unmatched"  # nobody else near
