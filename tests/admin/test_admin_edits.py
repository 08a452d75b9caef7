"""Editing contact fields through the admin's edit form, which sends the whole row back
with its timestamps cut to whole seconds: untouched read-only fields are not changes,
a real change to one is still refused, and a save with nothing editable is never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.admin.helpers import csrf_headers, signed_in
from tests.helpers import new_assister, new_consumer, walk_to
from workflow.tables import Assister, Consumer, Organization


def as_the_form_sends(value):
    """The admin's date-time widgets send whole seconds: ``...T19:14:55.000Z`` for a
    column with a time zone, ``...T19:14:55`` for one without."""
    if not isinstance(value, str) or "T" not in value:
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    whole = parsed.replace(microsecond=0)
    if whole.tzinfo is None:
        return whole.isoformat()
    return whole.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def edit_form_body(web, table: str, row_id: int) -> dict:
    row = (await web.get(f"/admin/api/tables/{table}/{row_id}/")).json()
    schema = (await web.get(f"/admin/api/tables/{table}/schema/")).json()
    return {k: as_the_form_sends(v) for k, v in row.items() if k in schema["properties"]}


async def _subjects(client, admin) -> list[tuple[str, type, int]]:
    a = await new_assister(client, admin, phone="555-0100")
    await walk_to(client, admin, a, "trained")  # updated_at and friends move on
    _headers, consumer_id = await new_consumer()
    return [
        ("assisters", Assister, a["id"]),
        ("organizations", Organization, a["organization_id"]),
        ("consumers", Consumer, consumer_id),
    ]


async def test_the_edit_form_changes_a_contact_field(web, admin, client):
    await signed_in(web)
    for table, cls, row_id in await _subjects(client, admin):
        body = await edit_form_body(web, table, row_id)
        field = "name" if table == "organizations" else "phone"
        body[field] = "555-0199" if field == "phone" else "Renamed Org"
        r = await web.patch(f"/admin/api/tables/{table}/{row_id}/", json=body,
                            headers=csrf_headers(web))  # fmt: skip
        assert r.status_code == 200, (table, r.text)
        row = await cls.select().where(cls.id == row_id).first()
        assert row[field] == body[field]


READ_ONLY_CHANGES = [{"created_at": "2001-01-01T00:00:00.000Z"}, {"state": "active"}]


@pytest.mark.parametrize("change", READ_ONLY_CHANGES)
async def test_a_real_change_to_a_read_only_field_is_still_refused(web, admin, client, change):
    await signed_in(web)
    a = await new_assister(client, admin, phone="555-0100")
    body = {**await edit_form_body(web, "assisters", a["id"]), **change, "phone": "555-0199"}
    r = await web.patch(f"/admin/api/tables/assisters/{a['id']}/", json=body,
                        headers=csrf_headers(web))  # fmt: skip
    assert r.status_code == 403 and "read-only" in r.json()["detail"]
    row = await Assister.select().where(Assister.id == a["id"]).first()
    assert row["phone"] == "555-0100"


async def test_a_save_with_nothing_editable_is_a_clear_refusal_not_a_500(web, admin, client):
    await signed_in(web)
    a = await new_assister(client, admin)
    url = f"/admin/api/tables/assisters/{a['id']}/"
    body = await edit_form_body(web, "assisters", a["id"])
    r = await web.patch(url, json={"state": body["state"]}, headers=csrf_headers(web))
    assert r.status_code == 400 and "nothing to change" in r.json()["detail"]
    history = (await web.get("/admin/api/tables/history/")).json()["rows"][0]
    url = f"/admin/api/tables/history/{history['id']}/"
    r = await web.patch(url, json=await edit_form_body(web, "history", history["id"]),
                        headers=csrf_headers(web))  # fmt: skip
    assert r.status_code == 400 and "read-only" in r.json()["detail"]


async def test_contact_fields_save_for_a_registered_or_active_assister(web, admin, client):
    """The edit form sends a JSON column (``agreements``) back as the text of its JSON:
    unchanged, it is no change, in every state."""
    import json

    for target in ("registered", "active"):
        a = await walk_to(client, admin, await new_assister(client, admin), target)
        await signed_in(web)
        body = await edit_form_body(web, "assisters", a["id"])
        assert json.loads(body["agreements"]) == ["individual"]  # the API's text of the JSON
        body["agreements"] = json.dumps(["individual"], indent=2)  # the form's editor re-indents
        body["phone"] = "503-555-0142"
        r = await web.patch(f"/admin/api/tables/assisters/{a['id']}/", json=body,
                            headers=csrf_headers(web))  # fmt: skip
        assert r.status_code == 200, (target, r.text)
        row = await Assister.select().where(Assister.id == a["id"]).first()
        assert row["phone"] == "503-555-0142" and row["state"] == target
        # A real change to the list is still refused.
        body["agreements"] = '["individual", "shop"]'
        r = await web.patch(f"/admin/api/tables/assisters/{a['id']}/", json=body,
                            headers=csrf_headers(web))  # fmt: skip
        assert r.status_code == 403 and "agreements is read-only" in r.text
