"""The admin in a real browser: sign in, open an assister, fire an event through the
generated form, see the new state and the history row; screenshots of the list, the form
and the dashboard are kept in tests/browser/artifacts/."""

from tests.admin.helpers import PASSWORD, staff_user
from tests.helpers import new_assister


async def test_staff_move_a_case_through_the_admin(client, admin, live_server, page, screenshot):
    base = live_server.url
    ana = await new_assister(client, admin, name="Ana Torres")
    name = await staff_user("admin")

    await page.goto(base + "/admin/")
    await page.locator("input[name=username]").fill(name)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.get_by_role("button", name="Login").click()
    await page.get_by_text(name).first.wait_for()  # the signed-in user's menu

    # Tables carry readable names, not their SQL names.
    sidebar = page.locator("div.sidebar")
    await sidebar.locator("span", has_text="NPN validations").wait_for()
    await sidebar.locator("span", has_text="users (logins)").wait_for()
    assert await sidebar.locator("span", has_text="piccolo user").count() == 0

    # The list, then the assister's record.
    await page.goto(base + "/admin/#/assisters")
    await page.get_by_role("cell", name="Ana Torres").wait_for()
    await screenshot("1-assister-list")
    await page.get_by_role("link", name=str(ana["id"]), exact=True).first.click()
    await page.wait_for_url(f"**/admin/#/assisters/{ana['id']}**")
    await page.locator("input[name=name]").wait_for()
    assert await page.locator("input[name=name]").input_value() == "Ana Torres"

    # The generated form fires the event through the same service as the API.
    await page.goto(base + "/admin/#/forms/fire-event-on-assister-lifecycle")
    await page.locator("input[name=case_id]").fill(str(ana["id"]))
    # The event is a drop-down of the machine's events, each with its description.
    events = page.get_by_role("combobox", name="Event")
    await events.select_option("complete_training")
    assert "completed a course" in await page.locator("p.choice-help").first.inner_text()
    options = await events.locator("option").all_inner_texts()
    assert "activate" in options and "complete training" in options
    await page.locator("input[name=reason]").fill("finished the full course")
    await screenshot("2-fire-event-form")
    await page.get_by_role("button", name="Submit").click()
    message = page.locator("#success_message")
    await message.wait_for()
    assert "complete_training applied, onboarded → trained" in await message.inner_text()

    # The case page shows the new state and the history row.
    await page.goto(base + f"/staff/cases/assister/{ana['id']}")
    assert await page.get_by_test_id("state").inner_text() == "trained"
    history = page.get_by_role("table", name="History")
    last = history.locator("tbody tr").last
    assert "complete_training" in await last.inner_text()
    assert "finished the full course" in await last.inner_text()
    assert name in await last.inner_text()

    # The case page has one form per event allowed now: a failed exam is refused in a
    # sentence on the page, a passing one applied, with no id typed anywhere.
    await page.locator("summary", has_text="Record exam").click()  # its button opens it
    exam = page.get_by_role("form", name="record_exam")
    await exam.get_by_label("Score").fill("60")
    await screenshot("2b-case-page-forms")
    await exam.get_by_role("button", name="Record exam").click()
    refused = page.get_by_role("alert")
    await refused.wait_for()
    assert "Record exam was not applied: score below pass mark 80" in await refused.inner_text()
    await screenshot("2c-case-page-refused")
    exam = page.get_by_role("form", name="record_exam")
    await exam.get_by_label("Score").fill("92")
    await exam.get_by_role("button", name="Record exam").click()
    await page.get_by_role("status").wait_for()
    assert await page.get_by_test_id("state").inner_text() == "exam_passed"
    await screenshot("2d-case-page-applied")
    await page.goto(base + f"/staff/cases/assister/{ana['id']}")

    # And the admin's list agrees.
    await page.goto(base + "/admin/#/assisters")
    await page.get_by_text("Exam passed", exact=False).first.wait_for()

    await page.goto(base + "/staff/dashboard")
    await page.get_by_role("img", name="Assister lifecycle funnel").wait_for()
    await screenshot("3-dashboard")
