"""A broker accepts a Help On Demand referral in the portal, in a real browser: the offer
with its time, Accept, then the consumer's contact. The portal sign-in (activation and an
authenticator app) is done over HTTP against the same server, and its cookie handed to
the browser. Screenshots in test-artifacts/."""

import httpx

from tests.e2e.test_portal_referrals import ask, portal_broker
from tests.helpers import load_sample_registry
from workflow.tables import Referral


async def test_a_broker_accepts_a_referral_in_the_portal(
    client, admin, live_server, page, screenshot
):
    base = live_server.url
    await load_sample_registry()
    # The server hashes passwords at full strength: sign-in takes seconds on a busy machine.
    async with httpx.AsyncClient(base_url=base, timeout=60) as web:
        broker = await portal_broker(web, client, admin, "dana.broker", "55401")
        cookies = [{"name": c.name, "value": c.value, "url": base} for c in web.cookies.jar]
    await page.context.add_cookies(cookies)
    referral = await ask(client)
    assert referral["broker_id"] == broker["id"]

    await page.goto(base + "/assister/")
    await page.get_by_role("link", name="Referrals").click()
    card = page.get_by_role("article", name=f"Referral {referral['id']}")
    await card.wait_for()
    assert "Offered to you until" in await card.inner_text()
    assert "651-555-0199" not in await card.inner_text()
    await screenshot("1-offered")
    await card.get_by_role("button", name="Accept").click()
    await page.get_by_role("status").wait_for()
    assert "You accepted the referral" in await page.get_by_role("status").inner_text()
    assert "651-555-0199" in await card.inner_text()
    await screenshot("2-accepted")
    row = await Referral.select().where(Referral.id == referral["id"]).first()
    assert row["state"] == "accepted" and row["broker"] == broker["id"]
