"""The admin through its own API, as its single-page app calls it: who signs in, what is
read-only, the generated event forms, support's limits and the audit of changes."""

from __future__ import annotations

from tests.admin.helpers import csrf_headers, sign_in, signed_in, staff_user
from tests.helpers import fire, new_assister, new_broker, walk_to
from workflow.accounts.service import ensure_first_admin
from workflow.tables import Assister, AuditEntry, History


async def test_first_start_admin_signs_in_and_sees_the_work_grouped(web, db):
    first = await ensure_first_admin()
    assert (await sign_in(web, first.username, first.password)).status_code == 200
    me = await web.get("/admin/api/user/")
    assert me.json()["username"] == "admin"
    groups = (await web.get("/admin/api/tables/grouped/")).json()["grouped"]
    assert {"Assisters", "Consumers", "Support", "Audit"} <= set(groups)
    assert "assisters" in groups["Assisters"] and "npn_validations" in groups["Support"]
    assert {"history", "audit_log", "piccolo_user"} <= set(groups["Audit"])


async def test_only_staff_sign_in_and_wrong_passwords_lock_the_account(web, db):
    consumer = await staff_user("consumer")
    assert (await sign_in(web, consumer)).status_code == 401
    admin = await staff_user("admin")
    for _ in range(3):
        assert (await sign_in(web, admin, "wrong password!!")).status_code == 401
    # Locked now: the right password gets the same answer as a wrong one.
    assert (await sign_in(web, admin)).status_code == 401
    assert (await sign_in(web, "nobody-at-all")).status_code == 401


async def _row(table, row_id):
    return await table.select().where(table.id == row_id).first()


async def test_state_and_version_cannot_be_edited_through_the_admin(web, admin, client):
    await signed_in(web)
    a = await new_assister(client, admin)
    before = await _row(Assister, a["id"])
    url = f"/admin/api/tables/assisters/{a['id']}/"
    for change in ({"state": "active"}, {"version": 9}, {"npn_status": "valid"}):
        r = await web.patch(url, json=change, headers=csrf_headers(web))
        assert r.status_code == 403, r.text
        assert "read-only" in r.json()["detail"]
    r = await web.patch(
        url, json={"state": "active", "email": "x@y.org"}, headers=csrf_headers(web)
    )
    assert r.status_code == 403
    after = await _row(Assister, a["id"])
    assert (after["state"], after["version"], after["email"]) == (
        before["state"],
        before["version"],
        before["email"],
    )
    # A field staff may change goes through; unchanged read-only fields are ignored.
    r = await web.patch(
        url, json={"state": "onboarded", "email": "new@y.org"}, headers=csrf_headers(web)
    )
    assert r.status_code == 200, r.text
    assert (await _row(Assister, a["id"]))["email"] == "new@y.org"


async def test_nothing_is_deleted_and_history_is_read_only(web, admin, client):
    await signed_in(web)
    a = await new_assister(client, admin)
    r = await web.delete(f"/admin/api/tables/assisters/{a['id']}/", headers=csrf_headers(web))
    assert r.status_code == 405 and "deactivated" in r.json()["detail"]
    assert await _row(Assister, a["id"]) is not None
    entry = await History.select().where(History.entity_id == a["id"]).first()
    url = f"/admin/api/tables/history/{entry['id']}/"
    r = await web.patch(url, json={"to_state": "active"}, headers=csrf_headers(web))
    assert r.status_code == 403
    r = await web.delete(url, headers=csrf_headers(web))
    assert r.status_code == 405
    r = await web.post(
        "/admin/api/tables/history/",
        json={"machine": "assister", "entity_id": a["id"], "event": "x", "from_state": "a",
              "to_state": "b", "actor": "me"},
        headers=csrf_headers(web),
    )  # fmt: skip
    assert r.status_code == 405 and "machines" in r.json()["detail"]
    assert (await _row(History, entry["id"]))["to_state"] == entry["to_state"]


async def test_secrets_are_never_shown(web, admin, client):
    await signed_in(web)
    a = await new_assister(client, admin)
    await walk_to(client, admin, a, "registered")  # a Registration Number hash now exists
    row = (await web.get(f"/admin/api/tables/assisters/{a['id']}/")).json()
    stored = (await _row(Assister, a["id"]))["registration_number_hash"]
    assert stored and stored not in str(row)
    asked = await web.get(
        f"/admin/api/tables/assisters/{a['id']}/?__visible_fields=id,registration_number_hash"
    )
    assert stored not in asked.text
    tokens = (await web.get("/admin/api/tables/api_tokens/")).json()["rows"]
    assert tokens and all(not t.get("token_hash") for t in tokens)
    asked = await web.get("/admin/api/tables/api_tokens/?__visible_fields=id,token_hash")
    assert all(not t.get("token_hash") for t in asked.json().get("rows", []))
    users = (await web.get("/admin/api/tables/piccolo_user/")).json()["rows"]
    assert users and all(not u.get("password") for u in users)


async def _form(web, slug: str, body: dict):
    return await web.post(f"/admin/api/forms/{slug}/", json=body, headers=csrf_headers(web))


async def test_the_event_form_moves_a_case_like_the_api(web, admin, client):
    name = await signed_in(web)
    a = await new_assister(client, admin)
    schema = (await web.get("/admin/api/forms/fire-event-on-assister-lifecycle/schema/")).json()
    events = schema["properties"]["event"]["enum"]
    assert events == [
        "complete_training", "record_exam", "record_optional_course", "register", "activate",
        "reissue_activation",
        "lapse", "deactivate", "reinstate",
    ]  # fmt: skip
    body = {"case_id": a["id"], "event": "complete_training", "reason": "course done"}
    r = await _form(web, "fire-event-on-assister-lifecycle", body)
    assert r.status_code == 200, r.text
    assert "onboarded → trained" in r.json()["custom_form_success"]
    last = (await client.get(f"/assisters/{a['id']}/history", headers=admin)).json()[-1]
    assert (last["event"], last["actor"], last["reason"]) == (
        "complete_training",
        name,
        "course done",
    )
    # Data fields come from the declaration, and a refusal reads like the API's.
    r = await _form(web, "fire-event-on-assister-lifecycle",
                    {"case_id": a["id"], "event": "record_exam", "score": 95})  # fmt: skip
    assert "trained → exam_passed" in r.json()["custom_form_success"]
    api = await fire(
        client, admin, a["id"], "activate", data={"registration_number": "x", "email": "y@z.org"}
    )  # noqa: E501
    r = await _form(web, "fire-event-on-assister-lifecycle",
                    {"case_id": a["id"], "event": "activate", "registration_number": "x",
                     "email": "y@z.org"})  # fmt: skip
    assert r.status_code == 422
    assert api.json()["detail"] in r.json()["custom_form_error"]
    r = await _form(web, "fire-event-on-assister-lifecycle",
                    {"case_id": a["id"], "event": "complete_training", "score": 3})  # fmt: skip
    assert r.status_code == 422 and "score: not data for complete_training" in r.text


async def test_the_bulk_form_reports_each_case(web, admin, client):
    await signed_in(web)
    a = await new_assister(client, admin)
    b = await new_assister(client, admin)
    await walk_to(client, admin, b, "trained")
    r = await _form(web, "bulk-event-on-assister-lifecycle",
                    {"case_ids": f"{a['id']}, {b['id']}\n999999", "event": "lapse"})  # fmt: skip
    text = r.json()["custom_form_success"]
    assert text.startswith("lapse: 1 applied, 2 refused.")
    assert f"✓ assister {b['id']}: lapse applied, trained → lapsed" in text
    refused = next(line for line in text.splitlines() if f"assister {a['id']}:" in line)
    assert refused.startswith(f"✗ assister {a['id']}: refused: lapse is not allowed")
    assert refused.count("allowed now") == 1
    assert "✗ assister 999999: refused: assister 999999 not found" in text
    assert (await _row(Assister, a["id"]))["state"] == "onboarded"
    assert (await _row(Assister, b["id"]))["state"] == "lapsed"


async def test_support_reads_and_fires_support_events_but_changes_no_rows(web, admin, client):
    from tests.helpers import NAME_MISMATCH, load_sample_registry, patch_profile

    await load_sample_registry()
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await patch_profile(client, admin, broker["id"], marketplace_role="individual")
    await signed_in(web, "support")
    assert (await web.get("/admin/api/tables/npn_validations/")).status_code == 200
    org = (await web.get("/admin/api/tables/organizations/")).json()["rows"]
    r = await web.patch(
        f"/admin/api/tables/assisters/{broker['id']}/",
        json={"email": "z@z.org"},
        headers=csrf_headers(web),
    )
    assert r.status_code == 403 and "support may read" in r.json()["detail"]
    if org:
        r = await web.delete(f"/admin/api/tables/organizations/{org[0]['id']}/",
                             headers=csrf_headers(web))  # fmt: skip
        assert r.status_code == 403
    validation = (await client.get(f"/assisters/{broker['id']}/validation", headers=admin)).json()
    body = {"case_id": validation["id"], "event": "escalate", "reason": "stuck"}
    r = await _form(web, "fire-event-on-npn-validation", body)
    assert r.status_code == 200, r.text
    assert "→ escalated" in r.json()["custom_form_success"]
    r = await _form(web, "fire-event-on-assister-lifecycle",
                    {"case_id": broker["id"], "event": "complete_training"})  # fmt: skip
    assert r.status_code == 422 and "may not complete_training" in r.text
    r = await _form(web, "create-user", {"username": "newbie", "role": "admin"})
    assert r.status_code == 422 and "support may not" in r.text


async def test_admin_changes_land_in_the_audit_log(web, admin, client):
    name = await signed_in(web)
    a = await new_assister(client, admin)
    await web.patch(
        f"/admin/api/tables/assisters/{a['id']}/",
        json={"phone": "555-0100"},
        headers=csrf_headers(web),
    )
    await web.patch(
        f"/admin/api/tables/assisters/{a['id']}/", json={"state": "x"}, headers=csrf_headers(web)
    )
    entries = (
        await AuditEntry.select()
        .where((AuditEntry.action == "admin_change") & (AuditEntry.object_id == str(a["id"])))
        .order_by(AuditEntry.id)
    )
    assert [(e["actor"], e["object_type"], e["outcome"]) for e in entries] == [
        (name, "assisters", "success"),
        (name, "assisters", "refused"),
    ]
    assert "555-0100" not in str(entries)  # values are not logged, only what was touched


async def test_create_user_form_shows_the_token_once_and_it_works(web, client, db):
    await signed_in(web)
    r = await _form(web, "create-user", {"username": "sam-support", "role": "support"})
    text = r.json()["custom_form_success"]
    token = text.rsplit("API token ", 1)[1]
    assert (
        await client.get("/users", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200


async def test_form_fields_with_listed_values_are_drop_downs(web, db):
    await signed_in(web)
    page = (await web.get("/admin/")).text
    assert '<script src="./extras/admin-extras.js" defer>' in page
    script = await web.get("/admin/extras/admin-extras.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert '"npn_validations": "NPN validations"' in script.text
    schema = (await web.get("/admin/api/forms/fire-event-on-assister-lifecycle/schema/")).json()
    events = schema["properties"]["event"]["extra"]["choices"]
    assert events["activate"]["description"].startswith("activates the account")
    people = (await web.get("/admin/api/forms/new-assister/schema/")).json()
    assert people["properties"]["kind"]["enum"] == ["broker", "navigator", "cac"]


async def test_npn_validations_filter_by_assister(web, admin, client):
    from tests.helpers import NAME_MISMATCH, VALID, load_sample_registry

    await load_sample_registry()
    one = await new_broker(client, admin, NAME_MISMATCH)
    await new_broker(client, admin, VALID)
    await signed_in(web, "support")
    schema = (await web.get("/admin/api/tables/npn_validations/schema/")).json()
    assert "assister" in schema["extra"]["visible_filter_names"]
    rows = (await web.get(f"/admin/api/tables/npn_validations/?assister={one['id']}")).json()
    assert [r["assister"] for r in rows["rows"]] == [one["id"]]
