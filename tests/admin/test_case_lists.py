"""Staff case lists (issue 14): filters, and one event fired on the ticked rows through
the engine, with each row's own result."""

from __future__ import annotations

import re

from tests.admin.helpers import signed_in
from tests.helpers import new_assister, new_org, walk_to


async def _bulk(web, machine: str, fields: dict, cases: list[str]):
    token = web.cookies.get("workflow_staff_csrf", "")
    data = {"csrf_token": token, **fields, "case": cases}
    return await web.post(f"/staff/cases/{machine}/bulk", data=data)


def _results(html: str) -> dict[int, str]:
    table = html.split('aria-label="Results"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-case="(\d+)">(.*?)</tr>', table, re.S)
    return {int(i): re.sub(r"<[^>]+>", "", text) for i, text in rows}


async def test_lists_filter_by_state_kind_organisation_and_text(web, admin, client):
    org = await new_org(client, admin)
    a = await new_assister(client, admin, name="Ada Quill", organization_id=org)
    b = await new_assister(client, admin, "cac", name="Ben Stone")
    await walk_to(client, admin, a, "trained")
    await signed_in(web, "support")
    page = (await web.get("/staff/cases", params={"state": "trained"})).text
    assert f"assister {a['id']}: Ada Quill" in page and "Ben Stone" not in page
    by_kind = (await web.get("/staff/cases", params={"kind": "cac"})).text
    assert "Ben Stone" in by_kind and "Ada Quill" not in by_kind
    by_org = (await web.get("/staff/cases", params={"organization": org})).text
    assert "Ada Quill" in by_org and "Ben Stone" not in by_org
    by_text = (await web.get("/staff/cases", params={"q": "stone"})).text
    assert "Ben Stone" in by_text and "1 case," in by_text
    assert f'href="/staff/cases/assister/{b["id"]}"' in by_text
    other = (await web.get("/staff/cases", params={"machine": "association"})).text
    assert "Consumer association" in other and "No cases match" in other
    bad = await web.get("/staff/cases", params={"state": "sleeping"})
    assert bad.status_code == 400 and "is not a state of Assister lifecycle" in bad.text
    assert (await web.get("/staff/cases", params={"machine": "nope"})).status_code == 404
    huge = await web.get("/staff/cases", params={"organization": "99999999999"})
    assert huge.status_code == 400 and "organization: give an id" in huge.text
    assert (await web.get("/staff/cases", params={"q": "99999999999"})).status_code == 200


async def test_lapse_the_ticked_rows_each_with_its_own_result(web, admin, client):
    active = [await walk_to(client, admin, await new_assister(client, admin), "active")
              for _ in range(3)]  # fmt: skip
    onboarded = await new_assister(client, admin)
    await signed_in(web)
    page = (await web.get("/staff/cases", params={"state": "active", "tick": "all"})).text
    ticked = re.findall(r'name="case" value="(\d+:\d+)"[^>]*checked', page)
    assert len(ticked) == 3
    r = await _bulk(web, "assister", {"event": "lapse", "reason": "missed the deadline"},
                    [*ticked, f"{onboarded['id']}:1"])  # fmt: skip
    assert r.status_code == 200, r.text
    assert "Lapse: 3 applied, 1 refused" in r.text
    results = _results(r.text)
    for a in active:
        assert "✓" in results[a["id"]] and "active → lapsed" in results[a["id"]]
    assert "✗" in results[onboarded["id"]] and "onboarded" in results[onboarded["id"]]
    for a in active:
        read = (await client.get(f"/assisters/{a['id']}", headers=admin)).json()
        assert read["state"] == "lapsed"
    history = (await client.get(f"/assisters/{active[0]['id']}/history", headers=admin)).json()
    assert (history[-1]["event"], history[-1]["reason"]) == ("lapse", "missed the deadline")


async def test_a_row_changed_since_the_list_was_shown_is_left_alone(web, admin, client):
    a = await walk_to(client, admin, await new_assister(client, admin), "trained")
    await signed_in(web)
    await web.get("/staff/cases")
    stale = f"{a['id']}:{a['version'] - 1}"
    r = await _bulk(web, "assister", {"event": "lapse"}, [stale])
    assert "changed since the list was shown" in _results(r.text)[a["id"]]
    # Per-case events (deactivate has a per-case effect) too, and a missing reason is
    # one sentence for all.
    r = await _bulk(web, "assister", {"event": "deactivate"}, [f"{a['id']}:{a['version']}"])
    assert r.status_code == 400 and "deactivate needs a reason" in r.text
    r = await _bulk(web, "assister", {"event": "deactivate", "reason": "left"},
                    [f"{a['id']}:{a['version']}"])  # fmt: skip
    assert "trained → deactivated" in _results(r.text)[a["id"]]
    r = await _bulk(web, "assister", {"event": "record_exam"}, [f"{a['id']}:1"])
    assert r.status_code == 400 and "event: choose one of" in r.text
    r = await _bulk(web, "assister", {"event": "lapse"}, [])
    assert r.status_code == 400 and "tick at least one row" in r.text


async def test_support_is_offered_only_its_own_events(web, admin, client):
    await walk_to(client, admin, await new_assister(client, admin), "registered")
    await signed_in(web, "support")
    page = (await web.get("/staff/cases")).text
    events = re.findall(r'<option value="(\w+)" title=', page)
    assert events == ["reissue_activation"]
    r = await _bulk(web, "assister", {"event": "lapse"}, ["1:1"])
    assert r.status_code == 400 and "event: choose one of reissue_activation" in r.text
