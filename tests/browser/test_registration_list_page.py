"""The public Registration Completion List page, in a real browser, without logging in."""

from tests.helpers import VALID, load_sample_registry, new_broker, registered_broker


async def test_anyone_finds_a_registered_broker_by_name_or_npn(
    live_server, page, screenshot, client, admin
):
    await load_sample_registry()
    dana = await registered_broker(client, admin, VALID, role="individual")
    await registered_broker(client, admin, ("19034417", "Kofi Asante"), role="both")
    await new_broker(client, admin, ("19250364", "Tom Becker"))  # not registered

    await page.goto(live_server.url + "/")
    await page.get_by_role("link", name="Registration Completion List").click()
    await page.wait_for_url("**/registration-completion-list")
    assert await page.get_by_role("heading", name="Registration Completion List").is_visible()
    rows = page.get_by_role("table", name="Registered brokers").locator("tbody tr")
    assert await rows.count() == 2
    await screenshot("all")

    await page.get_by_label("NPN or name").fill("kofi")
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url("**q=kofi**")
    assert await rows.count() == 1
    cells = await rows.first.locator("td").all_inner_texts()
    assert cells[:3] == ["Kofi Asante", "19034417", "Valid"] and cells[3].isdigit()

    await page.get_by_label("NPN or name").fill(VALID[0])
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url(f"**q={VALID[0]}**")
    assert await rows.first.locator("td").first.inner_text() == "Dana Whitfield"
    text = await page.content()
    assert dana["email"] not in text and dana["reference_number"] not in text
    await screenshot("by-npn")

    await page.get_by_label("NPN or name").fill("Tom Becker")
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url("**q=Tom**")
    assert await page.get_by_text("No registered broker matches").is_visible()
    await screenshot("none")
