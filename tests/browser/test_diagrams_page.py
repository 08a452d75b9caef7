"""The diagrams as a person meets them: from the home page, in Debian's Chromium."""

from tests.browser.conftest import ARTIFACTS


async def test_home_page_opens_the_machine_diagram(live_server, page):
    await page.goto(live_server.url + "/")
    await page.get_by_role("link", name="diagram", exact=True).first.click()
    await page.wait_for_url("**/diagrams/assister.svg")
    # Chromium shows the SVG itself, under its restrictive Content-Security-Policy
    state = page.locator("#state-onboarded")
    assert await state.is_visible()
    assert (await state.text_content()).strip().startswith("onboarded")
    assert await page.locator("#edge-trained-lapsed-lapse").is_visible()
    # (the shared full-page screenshot hangs on a bare SVG document: take the viewport)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "diagrams-assister.png"))
