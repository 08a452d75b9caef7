"""'Manage my assister' in a real browser: sign in, enter a Reference Number, see the
assister's details, confirm the Authorization / Agent of Record terms, see and remove the
current assister. Once with JavaScript on (with screenshots) and once with it off."""

from tests.helpers import active_assister, fire_ok
from workflow.accounts.service import NewUser, create_user
from workflow.tables import Association

PASSWORD = "correct horse battery staple"


async def _consumer(username: str) -> None:
    await create_user(
        NewUser(username=username, role="consumer", password=PASSWORD, full_name="Maria Lopez")
    )


async def _sign_in(page, base: str, username: str) -> None:
    await page.goto(base + "/consumer/assister")
    assert page.url == base + "/consumer/login"  # asked to sign in first
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(base + "/consumer/assister")


async def _choose(page, reference_number: str) -> None:
    await page.get_by_label("Reference Number").fill(reference_number)
    await page.get_by_role("button", name="Find my assister").click()
    await page.get_by_role("heading", name="Select the assister helping you").wait_for()


async def test_manage_my_assister(client, admin, live_server, page, screenshot):
    base = live_server.url
    ana = await active_assister(client, admin, "Ana Torres", phone="612-555-0100")
    await _consumer("maria")
    await _sign_in(page, base, "maria")
    assert await page.locator("#no-assister").is_visible()
    await screenshot("1-no-assister")

    await page.get_by_label("Reference Number").fill("1000000")
    await page.get_by_role("button", name="Find my assister").click()
    assert (
        "no assister has Reference Number 1000000" in await page.get_by_role("alert").inner_text()
    )

    await _choose(page, ana["reference_number"])
    details = page.locator("#assister-details")
    assert "Ana Torres" in await details.inner_text()
    assert "612-555-0100" in await details.inner_text()
    assert ana["email"] not in await page.content()
    await screenshot("2-assister-details")

    await page.get_by_role("link", name="Next").click()
    await page.get_by_role("heading", name="Assister Authorization / Agent of Record").wait_for()
    assert "I authorize Ana Torres" in await page.locator("#terms").inner_text()
    await screenshot("3-terms")
    await page.get_by_role("button", name="Confirm").click()
    await page.get_by_role("status").wait_for()
    assert "Your new assister is confirmed" in await page.get_by_role("status").inner_text()
    assert "Ana Torres" in await page.locator("#current-assister").inner_text()
    await screenshot("4-confirmed")
    row = await Association.select().first()
    assert row["state"] == "confirmed" and row["terms_accepted_at"] is not None

    await fire_ok(client, admin, ana["id"], "lapse", reason="missed October 31")
    await page.reload()
    assert "cannot act for you" in await page.locator("#current-assister").inner_text()
    await screenshot("5-lapsed-notice")

    await page.get_by_role("button", name="Remove my assister").click()
    await page.get_by_role("status").wait_for()
    assert "Your assister was removed" in await page.get_by_role("status").inner_text()
    assert await page.locator("#no-assister").is_visible()
    await screenshot("6-removed")
    assert (await Association.select().first())["state"] == "disassociated"


async def test_works_without_javascript_and_changes_assister(client, admin, live_server, browser):
    base = live_server.url
    ana = await active_assister(client, admin, "Ana Torres")
    ben = await active_assister(client, admin, "Ben Okafor")
    await _consumer("lee")
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await _sign_in(page, base, "lee")
        for assister in (ana, ben):
            await _choose(page, assister["reference_number"])
            await page.get_by_role("link", name="Next").click()
            await page.get_by_role("button", name="Confirm").click()
            await page.get_by_role("status").wait_for()
        assert "Ben Okafor" in await page.locator("#current-assister").inner_text()
        states = {
            r["assister"]: r["state"]
            for r in await Association.select(Association.assister, Association.state)
        }
        assert states == {ana["id"]: "disassociated", ben["id"]: "confirmed"}
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url(base + "/consumer/login?done=signed_out")
        await page.goto(base + "/consumer/assister")
        assert page.url == base + "/consumer/login"
    finally:
        await context.close()
