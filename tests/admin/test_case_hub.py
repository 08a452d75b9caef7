"""The staff case page as the hub (issue 14): key facts, linked cases both ways, the
events a rule refuses now with its words, one form per event that can go ahead, and a
history that shows each event's data (redacted) and the refused attempts."""

from __future__ import annotations

import re

from tests.admin.helpers import signed_in
from tests.helpers import (
    NAME_MISMATCH,
    fire,
    fire_ok,
    load_sample_registry,
    new_assister,
    new_broker,
    new_user_headers,
    patch_profile,
    walk_to,
)


async def _staff_form(web, path: str, fields: dict):
    token = web.cookies.get("workflow_staff_csrf", "")
    return await web.post(path, data={"csrf_token": token, **fields})


async def test_a_broker_waiting_on_the_npn_sees_register_blocked_with_its_reason(
    web, admin, client
):
    await load_sample_registry()
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    await fire_ok(client, admin, broker["id"], "complete_training")
    await fire_ok(client, admin, broker["id"], "record_exam", data={"score": 90})
    await signed_in(web)
    page = (await web.get(f"/staff/cases/assister/{broker['id']}")).text
    blocked = page.split('aria-label="Blocked events"', 1)[1].split("</ul>", 1)[0]
    assert 'data-event="register"' in blocked and "NPN not validated" in blocked
    assert 'aria-label="register"' not in page  # no form for what will be refused
    assert 'aria-label="lapse"' in page  # what can go ahead has its button
    # Linked both ways: the broker's validation, and back from it.
    links = page.split('aria-label="Linked cases"', 1)[1].split("</ul>", 1)[0]
    validation_id = int(re.search(r"/staff/cases/npn_validation/(\d+)", links).group(1))
    assert "npn mismatch" in links
    back = (await web.get(f"/staff/cases/npn_validation/{validation_id}")).text
    assert f'href="/staff/cases/assister/{broker["id"]}"' in back
    assert "correct_record" in back.split('aria-label="Blocked events"', 1)[1]
    facts = page.split('aria-label="Key facts"', 1)[1].split("</dl>", 1)[0]
    assert NAME_MISMATCH[0] in facts and "Registration number hash" not in facts


async def test_history_shows_data_redacted_and_refused_attempts_marked(web, admin, client):
    a = await new_assister(client, admin)
    await walk_to(client, admin, a, "registered")
    wrong = await fire(client, admin, a["id"], "activate",
                       data={"registration_number": "WRONG-1234", "email": a["email"]})  # fmt: skip
    assert wrong.status_code == 422
    early = await fire(client, admin, a["id"], "register", data={"agreements": ["individual"]})
    assert early.status_code == 409
    await signed_in(web, "support")
    page = (await web.get(f"/staff/cases/assister/{a['id']}")).text
    history = page.split('aria-label="History"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>.*?</tr>", history, re.S)
    refused = [r for r in rows if "refused-attempt" in r]
    assert len(refused) == 2
    assert "activate" in refused[0]
    assert "a rule was not met: Registration Number matches the activation email" in refused[0]
    assert "register" in refused[1] and "not allowed" in refused[1]
    assert "WRONG-1234" not in page  # what was typed is never kept
    applied = [r for r in rows if "refused-attempt" not in r and "<td>" in r]
    assert "Score: 90" in next(r for r in applied if "record_exam" in r)
    assert "Agreements: individual" in next(r for r in applied if ">register<" in r)
    # Oldest first, the refusals where they happened.
    assert rows.index(refused[0]) > rows.index(next(r for r in applied if ">register<" in r))


async def test_support_reissues_the_activation_from_the_case_page(web, admin, client):
    a = await new_assister(client, admin)
    await walk_to(client, admin, a, "registered")
    await signed_in(web, "support")
    page = (await web.get(f"/staff/cases/assister/{a['id']}")).text
    assert 'aria-label="reissue_activation"' in page
    assert 'aria-label="activate"' not in page  # support may not activate
    r = await _staff_form(web, f"/staff/cases/assister/{a['id']}/events/reissue_activation",
                          {"expected_version": str(a["version"] + 3)})  # fmt: skip
    assert r.status_code == 303, r.text
    shown = (await web.get(r.headers["location"])).text
    assert "Reissue activation applied: the assister is now registered." in shown
    assert "Registration Number:" not in shown


async def test_a_form_may_send_staff_back_to_the_page_they_came_from(web, admin, client):
    a = await new_assister(client, admin)
    await signed_in(web)
    await web.get(f"/staff/cases/assister/{a['id']}")  # sets the forms' CSRF cookie
    r = await _staff_form(web, f"/staff/cases/assister/{a['id']}/events/complete_training",
                          {"next": "/staff/cases?machine=assister"})  # fmt: skip
    assert r.status_code == 303
    assert r.headers["location"].startswith("/staff/cases?machine=assister&applied=")
    r = await _staff_form(web, f"/staff/cases/assister/{a['id']}/events/lapse",
                          {"next": "https://evil.example/"})  # fmt: skip
    assert r.headers["location"] == f"/staff/cases/assister/{a['id']}?applied=lapse"
    consumer = await new_user_headers("consumer")
    r = await client.get(f"/staff/cases/assister/{a['id']}", headers=consumer)
    assert r.status_code == 403
