"""Input no client should send gets a clear 4xx, never a 500 and never a half-applied change:
ids no row can have, NUL characters, SSN-shaped text, deep JSON, oversized bodies."""

from __future__ import annotations

import logging

import pytest

from tests.helpers import fire, new_assister
from workflow.assisters import service as assister_service

TOO_BIG = [2**31, 2**63, 10**20]


@pytest.mark.parametrize("number", TOO_BIG + [0, -5])
async def test_ids_no_row_can_have_are_404_in_paths(client, admin, number):
    for path in (
        f"/assisters/{number}",
        f"/assisters/{number}/history",
        f"/assisters/{number}/diagram.mmd",
        f"/associations/{number}",
        f"/exemptions/{number}",
        f"/users/{number}",
        f"/consumers/{number}/application/lock",
        f"/staff/cases/assister/{number}",
    ):
        r = await client.get(path, headers=admin)
        assert r.status_code == 404, (path, r.text)
        assert str(number) in r.json()["detail"]
    r = await client.post(f"/assisters/{number}/events/lapse", json={}, headers=admin)
    assert r.status_code == 404


@pytest.mark.parametrize("number", TOO_BIG)
async def test_ids_out_of_range_in_filters_and_bodies_are_400(client, admin, number):
    r = await client.get(f"/assisters?organization_id={number}", headers=admin)
    assert r.status_code == 400 and "organization_id" in r.text
    r = await client.get(f"/associations?consumer_id={number}", headers=admin)
    assert r.status_code == 400 and "consumer_id" in r.text
    body = {"kind": "navigator", "name": "Ana", "email": "a@example.org"}
    r = await client.post("/assisters", json={**body, "organization_id": number}, headers=admin)
    assert r.status_code == 400 and "organization_id" in r.text
    a = await new_assister(client, admin)
    r = await client.post(
        f"/assisters/{a['id']}/clients/transfer",
        json={"to_assister_id": number, "reason": "moving"},
        headers=admin,
    )
    assert r.status_code == 400 and "to_assister_id" in r.text


async def test_nul_characters_are_refused_naming_the_field(client, admin):
    a = await new_assister(client, admin)
    body = {"kind": "navigator", "name": "Ana\u0000Torres", "email": "a@example.org"}
    r = await client.post("/assisters", json=body, headers=admin)
    assert r.status_code == 400 and r.json()["field"] == "name" and "NUL" in r.json()["detail"]
    r = await client.get("/assisters?q=a%00b", headers=admin)
    assert r.status_code == 400 and r.json()["field"] == "q"
    r = await fire(client, admin, a["id"], "deactivate", reason="left\u0000")
    assert r.status_code == 400 and r.json()["field"] == "reason"
    assert (await client.get(f"/assisters/{a['id']}", headers=admin)).json()["state"] == "onboarded"


async def test_ssn_shaped_text_is_refused_anywhere(client, admin):
    a = await new_assister(client, admin)
    org = {"name": "Clinic 123-45-6789", "kind": "navigator_entity"}
    r = await client.post("/organizations", json=org, headers=admin)
    assert r.status_code == 400 and "Social Security Number" in r.json()["detail"]
    r = await fire(client, admin, a["id"], "deactivate", reason="SSN is 123 45 6789")
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = await fire(client, admin, a["id"], "complete_training", data={"note": "123-45-6789"})
    assert r.status_code == 400 and r.json()["field"] == "data.note"
    r = await client.get("/assisters?q=123-45-6789", headers=admin)
    assert r.status_code == 400 and r.json()["field"] == "q"
    history = (await client.get(f"/assisters/{a['id']}/history", headers=admin)).json()
    assert [h["event"] for h in history] == ["create"]
    # Dates, phone numbers and NPNs are not SSNs.
    r = await client.get("/assisters?q=2026-11-25", headers=admin)
    assert r.status_code == 200
    ok = {"kind": "navigator", "name": "Bo", "email": "bo@example.org", "phone": "503-555-0134"}
    r = await client.post("/assisters", json={**ok, "organization_id": a["organization_id"]},
                          headers=admin)  # fmt: skip
    assert r.status_code == 201, r.text


async def test_deep_json_and_big_bodies(client, admin):
    a = await new_assister(client, admin)
    deep = "[" * 100_000 + "]" * 100_000
    r = await client.post(
        f"/assisters/{a['id']}/events/deactivate",
        content=deep,
        headers={**admin, "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and "detail" in r.json()
    huge = {"reason": "x" * (1024 * 1024 + 10)}
    r = await client.post(f"/assisters/{a['id']}/events/deactivate", json=huge, headers=admin)
    assert r.status_code == 413
    assert (await client.get(f"/assisters/{a['id']}", headers=admin)).json()["state"] == "onboarded"


async def test_an_unexpected_error_is_a_500_with_only_a_correlation_id(
    client, admin, monkeypatch, caplog
):
    email = "maria.lopez@example.org"

    async def broken(*_args, **_kw):
        message = f"duplicate key value ({email}) violates unique constraint"
        raise RuntimeError(message)

    monkeypatch.setattr(assister_service, "get_assister", broken)
    with caplog.at_level(logging.ERROR, logger="workflow.api"):
        r = await client.get("/assisters/1", headers=admin)
    assert r.status_code == 500
    body = r.json()
    assert set(body) == {"status_code", "detail", "correlation_id"}
    assert "Traceback" not in r.text and "RuntimeError" not in r.text
    assert body["correlation_id"] in caplog.text and "RuntimeError" in caplog.text
    # The message may quote personal data from a row: it stays out of the log.
    assert "maria.lopez" not in caplog.text


async def test_400s_name_the_field_as_the_client_spells_it(client, admin):
    base = {"kind": "navigator", "name": "Ana", "email": "ana@example.org"}
    cases = [
        ({k: v for k, v in base.items() if k != "name"}, "name", "required"),
        ({**base, "colour": "blue"}, "colour", "remove it"),
        ({**base, "email": "nope"}, "email", "name@example.org"),
    ]
    for body, field, words in cases:
        r = await client.post("/assisters", json=body, headers=admin)
        assert r.status_code == 400 and r.json()["fields"] == [field], r.text
        assert words in r.json()["detail"]
    r = await client.post("/assisters", headers=admin)
    assert r.status_code == 400 and "JSON object body" in r.json()["detail"]
    r = await client.get("/assisters?state=bogus", headers=admin)
    assert r.status_code == 400 and r.json()["fields"] == ["state"]


async def test_ssn_screening_is_not_fooled_by_content_type_or_escapes(client, admin):
    a = await new_assister(client, admin)
    url = f"/assisters/{a['id']}/events/deactivate"
    plain = {**admin, "Content-Type": "text/plain"}
    r = await client.post(url, content=b'{"reason": "ssn 123-45-6789"}', headers=plain)
    assert r.status_code == 400 and "Social Security Number" in r.json()["detail"], r.text
    escaped = b'{"reason": "ssn \\u0031\\u0032\\u0033-45-6789"}'
    r = await client.post(
        url, content=escaped, headers={**admin, "Content-Type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["field"] == "reason", r.text
    assert (await client.get(f"/assisters/{a['id']}", headers=admin)).json()["state"] == "onboarded"


async def test_a_form_content_type_does_not_smuggle_json_past_the_screening(client, admin):
    form = {**admin, "Content-Type": "application/x-www-form-urlencoded"}
    body = b'{"name": "Org 123-45-6789", "kind": "agency"}'
    r = await client.post("/organizations", content=body, headers=form)
    assert r.status_code == 400 and "Social Security Number" in r.json()["detail"], r.text
    listed = (await client.get("/organizations", headers=admin)).json()
    assert "123-45-6789" not in str(listed)


async def test_a_body_that_is_not_utf8_is_400(client, admin):
    body = b'{"name": "Org \xff", "kind": "agency"}'
    r = await client.post("/organizations", content=body,
                          headers={**admin, "Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 400 and "UTF-8" in r.json()["detail"], r.text
