"""The training staff pages in a real browser (screenshots in test-artifacts/)."""

import re
from datetime import UTC, datetime, timedelta

from tests.admin.helpers import PASSWORD, staff_user
from tests.helpers import (
    UNKNOWN_NPN,
    VALID,
    load_sample_registry,
    new_assister,
    new_broker,
    new_org,
    registered_broker,
)
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


async def test_session_pages(client, admin, live_server, page, screenshot):
    base = live_server.url
    org = await new_org(client, admin)
    people = [
        await new_assister(client, admin, name=name, email=f"{name[:3].lower()}@example.org",
                           organization_id=org)
        for name in ("Ana Torres", "Ben Ruiz", "Carla Diaz")
    ]  # fmt: skip
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    year = get_settings().calendar.training_year(starts.date())
    body = {"course": "full", "training_year": year, "language": "es", "capacity": 2,
            "starts_at": starts.isoformat(), "place": "Salem Library"}  # fmt: skip
    session = (await client.post("/training/sessions", json=body, headers=admin)).json()
    for person in people:
        await client.post(f"/training/sessions/{session['id']}/signups",
                          json={"assister_id": person["id"]}, headers=admin)  # fmt: skip
    await staff_sign_in(page, base)
    await page.goto(base + "/staff/training/sessions/")
    await page.get_by_role("table", name="Coming up").wait_for()
    await screenshot("1-list")
    await page.get_by_role("link", name=re.compile(str(starts.year))).first.click()
    await page.get_by_role("table", name="Roster").wait_for()
    await page.get_by_role("button", name="Cancel sign-up").first.click()
    status = await page.get_by_role("status").inner_text()
    assert "a freed seat went to the first in line" in status
    roster = await page.get_by_role("table", name="Roster").inner_text()
    assert "Carla Diaz" in roster.split("cancelled")[0]  # promoted above the cancelled one
    await screenshot("2-roster")


async def test_readiness_page(client, admin, live_server, page, screenshot):
    await load_sample_registry()
    await registered_broker(client, admin, VALID)
    await new_broker(client, admin, UNKNOWN_NPN)
    await staff_sign_in(page, live_server.url)
    await page.goto(live_server.url + "/staff/reports/open-enrollment-readiness")
    await page.get_by_role("heading", name="Open Enrollment readiness").wait_for()
    assert "2 brokers are not ready." in await page.content()
    await screenshot("1-report")
