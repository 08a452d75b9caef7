"""Staff see a Help On Demand referral on the case page the registry gives every machine:
its state, its history (each offer and how it ended) and, when it is unmatched, the
one form staff may use (retry, with a reason)."""

from tests.admin.helpers import signed_in


async def test_an_unmatched_referral_on_the_staff_case_page(web, client):
    body = {"name": "Ana", "zip": "55401", "language": "es", "phone": "555-0100",
            "consent": True}  # fmt: skip
    referral = (await client.post("/referrals", json=body)).json()
    assert referral["state"] == "unmatched"  # no brokers at all
    await signed_in(web)
    page = await web.get(f"/staff/cases/referral/{referral['id']}")
    assert page.status_code == 200, page.text
    assert '<strong data-testid="state">unmatched</strong>' in page.text
    assert 'aria-label="retry"' in page.text and 'aria-label="accept"' not in page.text
    assert "give_up" in page.text and "no active broker" in page.text  # the history row
    assert f"/referrals/{referral['id']}/diagram.svg" in page.text


async def test_the_staff_queue_of_unmatched_referrals(web, client):
    body = {"name": "Ana", "zip": "55401", "language": "es", "phone": "555-0100",
            "consent": True}  # fmt: skip
    referral = (await client.post("/referrals", json=body)).json()
    await signed_in(web)
    page = await web.get("/staff/cases", params={"machine": "referral", "state": "unmatched"})
    assert page.status_code == 200, page.text
    assert f"/staff/cases/referral/{referral['id']}" in page.text
