"""``/schema`` in Debian's Chromium with every request outside the service's origin
aborted (as on a network without internet): Swagger UI loads from the service's own
files, under its Content-Security-Policy, and lists the operations."""

from urllib.parse import urlsplit

from tests.browser.conftest import ARTIFACTS


async def test_api_docs_render_offline_under_the_csp(live_server, page, screenshot):
    origin = urlsplit(live_server.url).netloc
    outside, problems = [], []

    async def same_origin_only(route):
        if urlsplit(route.request.url).netloc == origin:
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", same_origin_only)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    await page.goto(live_server.url + "/schema")
    operations = page.locator(".opblock")
    await operations.first.wait_for(timeout=20_000)
    assert await operations.count() > 40
    summary = page.locator(".opblock-summary-path")
    paths = set(await summary.all_inner_texts())
    assert {"/assisters", "/assisters/{assister_id}/events/{event}", "/health"} <= {
        p.replace("\u200b", "") for p in paths
    }
    assert await page.get_by_text("workflow", exact=False).first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)  # the top of the page as a person first sees it
    await page.screenshot(path=str(ARTIFACTS / "api-docs-top.png"))

    # An operation opens and shows its documented error answers.
    await page.locator("#operations-assisters-CreateAssister, .opblock-post").first.click()
    responses = page.locator(".opblock.is-open .response-col_status")
    await responses.first.wait_for()
    codes = {c.strip() for c in await responses.all_inner_texts()}
    assert {"400", "401", "403", "409", "422"} <= codes
    await screenshot("schema")

    # "Try it out" calls the service from the page (same origin, allowed by the CSP).
    health = page.locator(".opblock", has=page.locator("[data-path='/health']"))
    await health.locator(".opblock-summary").click()
    await health.locator("button.try-out__btn").click()
    await health.locator("button.execute").click()
    live = health.locator(".live-responses-table tr.response .response-col_status")
    await live.first.wait_for()
    assert (await live.first.inner_text()).strip() == "200"

    assert outside == [], f"the docs asked for outside files: {outside}"
    assert problems == [], f"console errors (CSP violations show here): {problems}"
