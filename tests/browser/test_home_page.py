"""The newcomer's home page, in a real browser."""


async def test_home_page_explains_and_links_to_the_api_docs(live_server, page, screenshot):
    await page.goto(live_server.url + "/")
    assert await page.title() == "workflow"
    assert await page.get_by_role("heading", name="The assister lifecycle").is_visible()
    await screenshot("home")
    async with page.expect_response("**/schema") as response:
        await page.get_by_role("link", name="API documentation").click()
    assert (await response.value).status == 200
