"""The staff workspace in a real browser (issue 14): an admin finds a broker by NPN with
the search box, moves them on from the case page's buttons (no id typed anywhere), sees
``register`` waiting on the NPN with the reason, edits an active assister's phone in
piccolo-admin, lapses three assisters ticked in a list (each with its own result); then
support resolves a validation from the queue's row. Screenshots of each page are kept in
tests/browser/artifacts/."""

from __future__ import annotations

from tests.admin.helpers import PASSWORD, staff_user
from tests.helpers import (
    MISSING_SSN,
    NAME_MISMATCH,
    fire_validation,
    load_sample_registry,
    new_assister,
    new_broker,
    new_user_headers,
    patch_profile,
    walk_to,
)
from workflow.core.principal import SYSTEM
from workflow.validations.service import revalidate


async def sign_in(page, base: str, username: str) -> None:
    await page.goto(base + "/admin/")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.get_by_role("button", name="Login").click()
    await page.get_by_text(username).first.wait_for()


async def test_staff_find_act_and_resolve(client, admin, live_server, page, screenshot):
    base = live_server.url
    await load_sample_registry()
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    await revalidate(broker["id"], SYSTEM)  # the registry knows another name: npn_mismatch
    actives = [await walk_to(client, admin, await new_assister(client, admin, name=n), "active")
               for n in ("Ana Torres", "Ben Okafor", "Cara Lind")]  # fmt: skip
    # A broker without an SSN whose identity support confirmed: ready to resolve.
    nadia = await new_broker(client, admin, MISSING_SSN, ssn_provided=False)
    await revalidate(nadia["id"], SYSTEM)
    support_api = await new_user_headers("support")
    r = await fire_validation(client, support_api, nadia["id"], "confirm_identity",
                              reason="identity checked against the registry")  # fmt: skip
    assert r.status_code == 200, r.text

    await sign_in(page, base, await staff_user("admin"))

    # 1. The search box on a staff page finds the broker by NPN.
    await page.goto(base + "/staff/dashboard")
    await page.get_by_role("searchbox", name="Find a case").fill(NAME_MISMATCH[0])
    await page.get_by_role("button", name="Search").click()
    results = page.get_by_role("table", name="Search results")
    await results.wait_for()
    first = results.locator("tbody tr").first
    assert "npn (exact)" in await first.inner_text()
    await screenshot("1-search")
    await first.get_by_role("link").click()
    await page.wait_for_url(f"**/staff/cases/assister/{broker['id']}")
    assert await page.get_by_test_id("state").inner_text() == "onboarded"
    await screenshot("2-case-page")

    # 2. complete_training and record_exam from their buttons: no id typed.
    await page.locator("summary", has_text="Complete training").click()
    await (
        page.get_by_role("form", name="complete_training")
        .get_by_role("button", name="Complete training")
        .click()
    )
    await page.get_by_role("status").wait_for()
    assert await page.get_by_test_id("state").inner_text() == "trained"
    await page.locator("summary", has_text="Record exam").click()
    exam = page.get_by_role("form", name="record_exam")
    await exam.get_by_label("Score").fill("91")
    await screenshot("3-record-exam-form")
    await exam.get_by_role("button", name="Record exam").click()
    await page.get_by_role("status").wait_for()
    assert await page.get_by_test_id("state").inner_text() == "exam_passed"

    # 3. register waits on the NPN, with the reason; it has no button.
    blocked = page.get_by_role("list", name="Blocked events")
    text = await blocked.inner_text()
    assert "Register" in text and "NPN not validated" in text and "npn_mismatch" in text
    assert await page.locator("summary", has_text="Register").count() == 0
    history = await page.get_by_role("table", name="History").inner_text()
    assert "Score: 91" in history
    await screenshot("4-register-blocked")

    # 4. The phone of an active assister, edited in piccolo-admin.
    ana = actives[0]
    await page.goto(base + f"/admin/#/assisters/{ana['id']}")
    phone = page.locator("input[name=phone]")
    await phone.wait_for()
    assert await page.locator("select[name=state]").is_disabled()
    assert await page.locator("input[name=version]").is_disabled()
    # A refused save says why in a sentence, not raw JSON.
    await phone.fill("123-45-6789")
    await page.get_by_role("button", name="Save").click()
    error = page.locator("#app li", has_text="Social Security Number")
    await error.wait_for()
    assert not (await error.inner_text()).startswith("{")
    await screenshot("5a-admin-refused-save")
    await page.reload()
    phone = page.locator("input[name=phone]")
    await phone.wait_for()
    await phone.fill("503-555-0177")
    await screenshot("5-admin-edit-phone")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_timeout(1000)
    assert await page.locator("#refusal-banner").count() == 0
    read = (await client.get(f"/assisters/{ana['id']}", headers=admin)).json()
    assert read["phone"] == "503-555-0177" and read["state"] == "active"
    await page.goto(base + "/admin/#/assisters")
    await page.locator(f'a.case-page-link[href="/staff/cases/assister/{ana["id"]}"]').wait_for()
    await screenshot("6-admin-list-links")

    # 5. Lapse three assisters ticked in the list, each with its own result.
    await page.goto(base + "/staff/dashboard")
    await page.get_by_role("link", name="3", exact=True).first.wait_for()
    await page.goto(base + "/staff/cases?machine=assister&state=active")
    for a in actives:
        await page.get_by_role("checkbox", name=f"Tick assister {a['id']}").check()
    await page.get_by_role("combobox", name="Event").select_option("lapse")
    await page.locator("input[name=reason]").fill("missed the training deadline")
    await screenshot("7-list-ticked")
    await page.get_by_role("button", name="Fire on the ticked rows").click()
    results = page.get_by_role("table", name="Results")
    await results.wait_for()
    assert "Lapse: 3 applied, 0 refused" in await page.get_by_role("status").inner_text()
    for a in actives:
        row = await results.locator(f'tr[data-case="{a["id"]}"]').inner_text()
        assert "✓" in row and "active → lapsed" in row
    await screenshot("8-list-results")

    # 6. Support resolves a validation from the queue's row.
    await page.context.clear_cookies()
    await sign_in(page, base, await staff_user("support"))
    # (Support changes no rows: the admin's edit page offers nothing to change.)
    await page.goto(base + f"/admin/#/assisters/{ana['id']}")
    await page.get_by_text("changes to rows are made by an admin").wait_for()
    assert await page.locator("input[name=phone]").is_disabled()
    assert not await page.get_by_role("button", name="Save").is_visible()
    await screenshot("8b-admin-support-reads")
    await page.goto(base + "/staff/validations")
    row = page.locator("tr", has_text=MISSING_SSN[1])
    await row.get_by_label("Reason").fill("identity confirmed; resolving")
    await screenshot("9-support-queue")
    await row.get_by_role("button", name="Resolve").click()
    done = page.get_by_role("status")
    await done.wait_for()
    assert "Resolve applied to NPN validation" in await done.inner_text()
    assert "it is now valid and has left the queue" in await done.inner_text()
    assert await page.locator("tr", has_text=MISSING_SSN[1]).count() == 0  # valid now
    await screenshot("10-support-resolved")
    validation = (await client.get(f"/assisters/{nadia['id']}/validation", headers=admin)).json()
    assert validation["state"] == "valid"
