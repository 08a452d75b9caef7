"""The support queue judged on another day (``as_of``), and its page: each row's failure,
hint, broker contact, SLA highlight and resolving events as buttons (issue 14)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.admin.helpers import signed_in
from tests.helpers import (
    MISSING_SSN,
    NO_LICENSE,
    load_sample_registry,
    new_broker,
    new_user_headers,
)
from workflow.core.principal import SYSTEM
from workflow.validations.service import revalidate


@pytest.fixture
async def stuck(client, admin, db):
    """A broker with no license stuck since Friday 2026-11-13."""
    await load_sample_registry()
    broker = await new_broker(client, admin, NO_LICENSE, phone="503-555-0199")
    await revalidate(broker["id"], SYSTEM, now=datetime(2026, 11, 13, 15, tzinfo=UTC))
    return broker


async def _queue(client, headers, **params):
    r = await client.get("/support/validations", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_as_of_judges_waiting_due_and_breached_on_that_day(client, stuck):
    support = await new_user_headers("support")
    monday = (await _queue(client, support, as_of="2026-11-16"))[0]
    assert monday["waiting_business_days"] == 1 and monday["sla"] == "within"
    # Thanksgiving (Thu 26th) is no business day: 11 business days by Dec 1st.
    later = (await _queue(client, support, as_of="2026-12-01"))[0]
    assert later["waiting_business_days"] == 11 and later["sla"] == "breached"
    assert later["due_by"] == monday["due_by"]  # the SLA's dates do not move
    breached = await _queue(client, support, as_of="2026-12-01", sla="breached")
    assert [i["assister_id"] for i in breached] == [stuck["id"]]
    assert await _queue(client, support, as_of="2026-11-16", sla="breached") == []
    assert later["email"] == stuck["email"] and later["phone"] == "503-555-0199"


@pytest.mark.parametrize("bad", ["tomorrow", "2026-13-01", "01/12/2026"])
async def test_a_bad_as_of_is_a_400_that_says_how_to_write_it(client, stuck, bad):
    support = await new_user_headers("support")
    r = await client.get("/support/validations", params={"as_of": bad}, headers=support)
    assert r.status_code == 400
    assert r.json()["detail"].startswith("as_of:") and "YYYY-MM-DD" in r.json()["detail"]


async def test_the_page_highlights_breaches_and_acts_from_the_row(web, client, stuck):
    await signed_in(web, "support")
    page = await web.get("/staff/validations", params={"as_of": "2026-12-01"})
    assert page.status_code == 200
    row = re.search(r'<tr class="breached" data-validation="(\d+)">(.*?)</tr>', page.text, re.S)
    assert row, page.text
    validation_id, html = int(row.group(1)), row.group(2)
    assert stuck["email"] in html and "503-555-0199" in html and "no license" in html
    assert "11 business days" in html and "breached after" in html
    buttons = re.findall(r'formaction="([^"]+)"', html)
    assert f"/staff/cases/npn_validation/{validation_id}/events/escalate" in buttons
    assert "Hint:" in html or "license status" in html  # the failure's detail for support

    bad = await web.get("/staff/validations", params={"as_of": "next week"})
    assert bad.status_code == 400 and "as_of:" in bad.text and "YYYY-MM-DD" in bad.text

    back = re.search(r'name="next" value="([^"]+)"', html).group(1).replace("&amp;", "&")
    version = re.search(r'name="expected_version" value="(\d+)"', html).group(1)
    token = web.cookies.get("workflow_staff_csrf", "")
    r = await web.post(f"/staff/cases/npn_validation/{validation_id}/events/escalate",
                       data={"csrf_token": token, "reason": "past the SLA", "next": back,
                             "expected_version": version})  # fmt: skip
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/staff/validations?")
    shown = await web.get(r.headers["location"])
    assert f"Escalate applied to NPN validation {validation_id}: it is now escalated." in shown.text
    row = re.search(rf'data-validation="{validation_id}">(.*?)</tr>', shown.text, re.S).group(1)
    assert "escalated" in row and "/events/escalate" not in row


async def test_a_row_says_which_events_wait_on_something(web, client, admin):
    await load_sample_registry()
    broker = await new_broker(client, admin, MISSING_SSN, ssn_provided=False)
    await revalidate(broker["id"], SYSTEM)
    support = await new_user_headers("support")
    item = (await _queue(client, support))[0]
    assert item["state"] == "missing_ssn"
    blocked = {b["event"]: b["reason"] for b in item["blocked_events"]}
    assert "confirm_identity" in blocked["correct_record"]
    await signed_in(web, "support")
    html = (await web.get("/staff/validations")).text
    assert "/events/confirm_identity" in html and "/events/correct_record" not in html
    assert "Correct record: confirm the broker" in html
