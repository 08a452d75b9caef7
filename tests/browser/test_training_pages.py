"""The training staff pages in a real browser (screenshots in test-artifacts/)."""

from tests.admin.helpers import PASSWORD, staff_user
from tests.helpers import new_assister
from workflow.core.settings import get_settings


async def staff_sign_in(page, base: str) -> None:
    name = await staff_user("admin")
    await page.goto(base + "/admin/")
    await page.locator("input[name=username]").fill(name)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.get_by_role("button", name="Login").click()
    await page.get_by_text(name).first.wait_for()


async def test_import_page(client, admin, live_server, page, screenshot, tmp_path):
    base = live_server.url
    ana = await new_assister(client, admin, name="Ana Torres", email="ana@example.org")
    settings = get_settings()
    today = settings.today()
    year = settings.calendar.training_year(today)
    source = tmp_path / "fall-results.csv"
    source.write_text(
        "attempt_id,assister,course,training_year,language,completed_on,score\n"
        f"lms-1,ana@example.org,full,{year},en,{today},\n"
        f"lms-2,{ana['reference_number']},full,{year},en,{today},92\n"
        f"lms-3,nobody@example.org,full,{year},en,{today},\n"
        f"lms-4,ana@example.org,full,{year},en,3000-01-01,\n"
        f"lms-5,ana@example.org,deluxe,{year},en,{today},\n"
    )
    await staff_sign_in(page, base)
    await page.goto(base + "/staff/training/import")
    await page.get_by_role("heading", name="Import training results").wait_for()
    await screenshot("1-empty")
    await page.get_by_label("CSV file").set_input_files(str(source))
    await page.get_by_role("button", name="Import").click()
    await page.get_by_role("heading", name="fall-results.csv").wait_for()
    rows = page.get_by_role("table", name="Rows not applied")
    text = await rows.inner_text()
    assert "unknown assister" in text and "refused" in text and "malformed" in text
    await screenshot("2-imported")
