"""The staff pages linked from the admin's sidebar, read with the admin's session."""

from __future__ import annotations

import re

from tests.admin.helpers import csrf_headers, signed_in
from tests.helpers import (
    NAME_MISMATCH,
    NO_LICENSE,
    load_sample_registry,
    new_assister,
    new_broker,
    new_user_headers,
    patch_profile,
    walk_to,
)


async def test_dashboard_counts_every_machine_and_draws_the_funnel(web, admin, client):
    for target in ("onboarded", "trained", "active", "active"):
        await walk_to(client, admin, await new_assister(client, admin), target)
    await signed_in(web)
    links = (await web.get("/admin/api/links/")).json()
    assert links["Dashboard"] == "/staff/dashboard"
    r = await web.get("/staff/dashboard")
    assert r.status_code == 200, r.text
    page = r.text
    assert "Assister lifecycle funnel" in page
    # Funnel: 4 onboarded at all, 3 trained or further, 2 active.
    assert "4 reached · 1 here" in page and "3 reached · 1 here" in page
    assert "2 reached · 2 here" in page
    table = page.split('aria-label="Assister lifecycle"', 1)[1].split("</table>")[0]
    counts = dict(re.findall(r"<td>(\w+)</td><td><a [^>]+>(\d+)</a></td>", table))
    # Each count and funnel step opens the list of those cases.
    assert 'href="/staff/cases?machine=assister&amp;state=active">2</a>' in table
    assert '<a href="/staff/cases?machine=assister&amp;state=trained"' in page
    assert counts["onboarded"] == "1" and counts["active"] == "2" and counts["lapsed"] == "0"
    assert "Consumer association" in page and "NPN validation" in page
    assert "complete_training" in page.split("Recent events", 1)[1]


async def test_support_queue_page_lists_stuck_validations(web, admin, client):
    await load_sample_registry()
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    await signed_in(web, "support")
    page = (await web.get("/staff/validations")).text
    assert NAME_MISMATCH[1] in page and "npn_mismatch" in page
    assert "1 stuck validation." in page
    empty = await web.get("/staff/validations", params={"q": "no such broker"})
    assert "0 stuck validations." in empty.text
    ssn = await web.get("/staff/validations", params={"q": "123-45-6789"})
    assert ssn.status_code == 400 and "Social Security Number" in ssn.text


async def test_support_queue_page_filters_like_the_api_and_pages(web, admin, client, monkeypatch):
    from admin import pages as staff_pages

    await load_sample_registry()
    for producer in (NAME_MISMATCH, NO_LICENSE):
        broker = await new_broker(client, admin, producer)
        await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    await signed_in(web, "support")
    by_state = (await web.get("/staff/validations", params={"state": "no_license"})).text
    assert "1 stuck validation." in by_state and NO_LICENSE[1] in by_state
    assert '<option value="no_license" selected>' in by_state
    by_failure = await web.get("/staff/validations", params={"failure": "npn_mismatch"})
    assert "1 stuck validation." in by_failure.text and NAME_MISMATCH[1] in by_failure.text
    assert (await web.get("/staff/validations", params={"state": "bogus"})).status_code == 400

    monkeypatch.setattr(staff_pages, "QUEUE_PAGE", 1)
    first = (await web.get("/staff/validations", params={"sla": "within"})).text
    assert "2 stuck validations. Showing 1–1." in first
    assert 'href="/staff/validations?sla=within&amp;page=2"' in first and "Previous" not in first
    second = (await web.get("/staff/validations", params={"sla": "within", "page": 2})).text
    assert "Showing 2–2." in second and "Next page" not in second and "Previous" in second
    assert (await web.get("/staff/validations", params={"page": 0})).status_code == 400


async def test_case_page_shows_state_allowed_events_and_history(web, admin, client):
    a = await new_assister(client, admin)
    await walk_to(client, admin, a, "trained")
    await signed_in(web)
    page = (await web.get(f"/staff/cases/assister/{a['id']}")).text
    assert '<strong data-testid="state">trained</strong>' in page
    # One form per event staff may fire now, each with only its own fields.
    assert 'aria-label="record_exam"' in page and 'aria-label="complete_training"' in page
    assert 'name="data.score" type="number" required' in page
    assert 'aria-label="register"' not in page  # not allowed while trained
    assert f"/assisters/{a['id']}/diagram.svg" in page
    assert (await web.get("/staff/cases/assister/999999")).status_code == 404
    assert (await web.get("/staff/cases/nope/1")).status_code == 404


async def test_staff_pages_need_a_staff_session_and_a_cookie_never_authorises_writes(
    web, admin, client
):
    assert (await web.get("/staff/dashboard")).status_code == 401
    consumer = await new_user_headers("consumer")
    assert (await client.get("/staff/dashboard", headers=consumer)).status_code == 403
    a = await new_assister(client, admin)
    await signed_in(web)
    # The admin's cookie reads API data too (the diagrams, the JSON)...
    assert (await web.get(f"/assisters/{a['id']}")).status_code == 200
    # ...but never writes: only a bearer token does.
    r = await web.post(
        f"/assisters/{a['id']}/events/complete_training", json={}, headers=csrf_headers(web)
    )
    assert r.status_code == 401


async def _staff_form(web, path: str, fields: dict):
    token = web.cookies.get("workflow_staff_csrf", "")
    return await web.post(path, data={"csrf_token": token, **fields})


async def test_a_case_page_form_fires_the_event_and_shows_refusals_in_sentences(web, admin, client):
    a = await new_assister(client, admin)
    name = await signed_in(web)
    page = await web.get(f"/staff/cases/assister/{a['id']}")
    assert page.status_code == 200
    path = f"/staff/cases/assister/{a['id']}/events"
    r = await _staff_form(web, f"{path}/complete_training",
                          {"expected_version": "1", "reason": "course done"})  # fmt: skip
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/staff/cases/assister/{a['id']}?applied=complete_training"
    shown = (await web.get(r.headers["location"])).text
    assert "Complete training applied: the assister is now trained." in shown
    last = (await client.get(f"/assisters/{a['id']}/history", headers=admin)).json()[-1]
    assert (last["event"], last["actor"], last["reason"]) == ("complete_training", name,
                                                             "course done")  # fmt: skip
    # A failed exam is a sentence on the page, not JSON, with the API's status.
    r = await _staff_form(web, f"{path}/record_exam", {"data.score": "60"})
    assert r.status_code == 422
    assert "Record exam was not applied: score below pass mark 80" in r.text
    # A stale version (the form was open while someone else moved the case) is a 409.
    r = await _staff_form(web, f"{path}/record_exam",
                          {"expected_version": "1", "data.score": "90"})  # fmt: skip
    assert r.status_code == 409 and "not 1 as your If-Match said" in r.text
    r = await _staff_form(web, f"{path}/record_exam", {"data.score": "ninety"})
    assert r.status_code == 400 and "data.score: give a whole number" in r.text


async def test_a_case_page_form_needs_the_pages_csrf_token(web, admin, client):
    a = await new_assister(client, admin)
    await signed_in(web)
    await web.get(f"/staff/cases/assister/{a['id']}")
    path = f"/staff/cases/assister/{a['id']}/events/complete_training"
    r = await web.post(path, data={"csrf_token": "forged"})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    web.cookies.clear()  # no staff session at all
    r = await web.post(path, data={"csrf_token": "x"})
    assert r.status_code == 401
    assert (await client.get(f"/assisters/{a['id']}", headers=admin)).json()["state"] == (
        "onboarded"
    )
