"""Small helpers the tests share: creating things and walking assisters through the API."""

from __future__ import annotations

import re
import uuid

import httpx

from workflow.services.accounts import NewUser, create_user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def new_user_headers(role: str, **kw) -> dict[str, str]:
    created = await create_user(NewUser(username=f"{role}-{uuid.uuid4().hex[:8]}", role=role, **kw))
    return bearer(created.token)


async def new_org(client: httpx.AsyncClient, admin: dict, kind: str = "navigator_entity") -> int:
    r = await client.post(
        "/organizations", json={"name": f"Org {uuid.uuid4().hex[:6]}", "kind": kind}, headers=admin
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def new_assister(client, admin, kind: str = "navigator", **fields) -> dict:
    body = {"kind": kind, "name": "Ana Torres", "email": "ana@example.org", **fields}
    if kind != "broker" and "organization_id" not in body:
        body["organization_id"] = await new_org(client, admin)
    r = await client.post("/assisters", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


async def fire(client, headers, assister_id: int, event: str, **body) -> httpx.Response:
    return await client.post(f"/assisters/{assister_id}/events/{event}", json=body, headers=headers)


async def fire_ok(client, headers, assister_id: int, event: str, **body) -> dict:
    r = await fire(client, headers, assister_id, event, **body)
    assert r.status_code == 200, r.text
    return r.json()


async def latest_registration_number(client, headers, assister_id: int) -> str:
    r = await client.get(f"/assisters/{assister_id}/messages", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()["items"][0]["body"]
    return re.search(r"Registration Number: (\S+)", body).group(1)


async def walk_to(client, admin, assister: dict, target: str) -> dict:
    """Fire the events that take a navigator/CAC from onboarded to ``target``."""
    aid = assister["id"]
    route = ["trained", "exam_passed", "registered", "active"]
    if target in ("onboarded",):
        return assister
    for step in route[: route.index(target) + 1]:
        if step == "trained":
            await fire_ok(client, admin, aid, "complete_training")
        elif step == "exam_passed":
            await fire_ok(client, admin, aid, "record_exam", data={"score": 90})
        elif step == "registered":
            await fire_ok(client, admin, aid, "register", data={"agreements": ["individual"]})
        elif step == "active":
            number = await latest_registration_number(client, admin, aid)
            await fire_ok(
                client,
                admin,
                aid,
                "activate",
                data={"registration_number": number, "email": assister["email"]},
            )
    r = await client.get(f"/assisters/{aid}", headers=admin)
    assert r.json()["state"] == target
    return r.json()
