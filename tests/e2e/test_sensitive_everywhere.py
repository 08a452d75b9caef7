"""No SSN and no NUL reaches the history, whoever fires the event: the engine itself
refuses them in the reason and in every string of the data, with the same 400, for the
API, the admin's single and bulk forms, the staff case page and callers inside the service
(the CLI, the demo, the sweep hand the engine the same command)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.admin.helpers import csrf_headers, signed_in
from tests.helpers import new_assister, walk_to
from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.errors import BadInput
from workflow.core.principal import SYSTEM, Principal
from workflow.engine.bulk import fire_bulk
from workflow.engine.command import FireBulk, FireEvent
from workflow.engine.fire import fire
from workflow.tables import History

SSN = "ssn 123-45-6789"
REFUSAL = "this looks like a Social Security Number"
ADMIN = Principal(user_id=None, username="cli", role="admin")


async def _history_text() -> str:
    rows = await History.select(History.reason, History.data)
    return repr(rows)


async def test_the_api_refuses_an_ssn_in_the_reason_and_in_the_data(client, admin):
    a = await new_assister(client, admin)
    r = await client.post(
        f"/assisters/{a['id']}/events/deactivate", json={"reason": SSN}, headers=admin
    )
    assert r.status_code == 400 and REFUSAL in r.json()["detail"]
    assert r.json()["field"] == "reason"
    r = await client.post(
        f"/assisters/{a['id']}/events/complete_training",
        json={"data": {"language": "123 45 6789"}},
        headers=admin,
    )
    assert r.status_code == 400 and r.json()["field"] == "data.language"
    assert "123-45-6789" not in await _history_text()


async def test_the_admin_forms_refuse_an_ssn_with_the_engines_sentence(web, admin, client):
    a = await new_assister(client, admin)
    await signed_in(web)
    body = {"case_id": a["id"], "event": "deactivate", "reason": SSN}
    r = await web.post(
        "/admin/api/forms/fire-event-on-assister-lifecycle/", json=body, headers=csrf_headers(web)
    )
    assert r.status_code == 422 and REFUSAL in r.json()["custom_form_error"]
    body = {"case_ids": str(a["id"]), "event": "deactivate", "reason": SSN}
    r = await web.post(
        "/admin/api/forms/bulk-event-on-assister-lifecycle/", json=body, headers=csrf_headers(web)
    )
    assert REFUSAL in r.text and "1 applied" not in r.text
    b = await walk_to(client, admin, await new_assister(client, admin), "trained")
    body = {"case_ids": str(b["id"]), "event": "lapse", "reason": f"NUL\x00 {SSN}"}
    r = await web.post(
        "/admin/api/forms/bulk-event-on-assister-lifecycle/", json=body, headers=csrf_headers(web)
    )
    assert r.status_code == 422 and "1 applied" not in r.text
    assert (await client.get(f"/assisters/{a['id']}", headers=admin)).json()["state"] == (
        "onboarded"
    )
    assert "123-45-6789" not in await _history_text()


async def test_the_staff_case_page_refuses_an_ssn_on_the_page(web, admin, client):
    a = await new_assister(client, admin)
    await signed_in(web)
    await web.get(f"/staff/cases/assister/{a['id']}")
    r = await web.post(
        f"/staff/cases/assister/{a['id']}/events/deactivate",
        data={"csrf_token": web.cookies.get("workflow_staff_csrf"), "reason": SSN},
    )
    assert r.status_code == 400
    assert "Deactivate was not applied: reason: this looks like a Social Security" in r.text
    assert "123-45-6789" not in await _history_text()


async def test_callers_inside_the_service_meet_the_same_refusal(client, admin):
    """The CLI, the demo and the sweep call the engine directly: no HTTP screening in
    front of them, and still nothing is stored."""
    a = await new_assister(client, admin)
    with pytest.raises(BadInput, match=REFUSAL):
        await fire(FireEvent(ASSISTER_CASE, a["id"], "deactivate", ADMIN, reason=SSN))
    with pytest.raises(BadInput, match="NUL"):
        await fire(FireEvent(ASSISTER_CASE, a["id"], "deactivate", ADMIN, reason="a\x00b"))
    with pytest.raises(BadInput) as refused:
        await fire(
            FireEvent(
                ASSISTER_CASE,
                a["id"],
                "complete_training",
                ADMIN,
                data={"course": "full", "notes": ["ok", {"deep": "987-65-4321"}]},
            )
        )
    assert refused.value.field == "data.notes[1].deep"
    trained = await walk_to(client, admin, await new_assister(client, admin), "trained")
    now = datetime.now(UTC)
    cases = {trained["id"]: trained["version"]}
    with pytest.raises(BadInput, match=REFUSAL):
        await fire_bulk(FireBulk(ASSISTER_CASE, "lapse", SYSTEM, SSN, now, cases))
    assert "123-45-6789" not in await _history_text()
    assert "987-65-4321" not in await _history_text()
