"""Small helpers the tests share: creating things and walking assisters through the API."""

from __future__ import annotations

import re
import uuid

import httpx

from workflow.accounts.service import NewUser, create_user
from workflow.assisters.machine import ASSISTER
from workflow.tables import Message


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
    """The number from the activation e-mail in the outbox (staff reading the mailbox
    through the API see it masked; ``client`` and ``headers`` are kept for callers)."""
    message = (
        await Message.select(Message.body)
        .where(Message.assister == assister_id)
        .order_by(Message.id, ascending=False)
        .first()
    )
    return re.search(r"Registration Number: (\S+)", message["body"]).group(1)


async def walk_to(client, admin, assister: dict, target: str) -> dict:
    """Fire the events that take a navigator/CAC from onboarded to ``target``, along the
    machine's own shortest route (``ASSISTER.route``)."""
    aid = assister["id"]
    for event, _ in ASSISTER.route(target):
        data = None
        if event == "record_exam":
            data = {"score": 90}
        elif event == "register":
            data = {"agreements": ["individual"]}
        elif event == "activate":
            number = await latest_registration_number(client, admin, aid)
            data = {"registration_number": number, "email": assister["email"]}
        await fire_ok(client, admin, aid, event, **({"data": data} if data else {}))
    r = await client.get(f"/assisters/{aid}", headers=admin)
    assert r.json()["state"] == target
    return r.json()


# --- Consumer associations (issue 3) -------------------------------------------------


async def new_consumer(name: str = "Maria Lopez", **kw) -> tuple[dict[str, str], int]:
    """A consumer login with its consumer record: (bearer headers, consumer id)."""
    created = await create_user(
        NewUser(username=f"consumer-{uuid.uuid4().hex[:8]}", role="consumer", full_name=name, **kw)
    )
    return bearer(created.token), created.consumer_id


async def active_assister(client, admin, name: str = "Ana Torres", **fields) -> dict:
    """A navigator walked to ``active`` (so consumers can choose them)."""
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    return await walk_to(
        client, admin, await new_assister(client, admin, name=name, email=email, **fields), "active"
    )


async def fire_association(client, headers, association_id: int, event: str, **body):
    return await client.post(
        f"/associations/{association_id}/events/{event}", json=body, headers=headers
    )


async def associate(client, consumer: dict, assister: dict, *, confirm: bool = True) -> dict:
    """The consumer requests ``assister`` by Reference Number and (by default) confirms."""
    r = await client.post(
        "/associations", json={"reference_number": assister["reference_number"]}, headers=consumer
    )
    assert r.status_code in (200, 201), r.text
    association = r.json()
    if confirm:
        done = await fire_association(client, consumer, association["id"], "confirm")
        assert done.status_code == 200, done.text
        association = (
            await client.get(f"/associations/{association['id']}", headers=consumer)
        ).json()
    return association


async def acknowledge(client, headers, assister_id: int, consumer_id: int) -> dict:
    r = await client.post(
        f"/assisters/{assister_id}/clients/{consumer_id}/acknowledge", headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


# --- NPN validation (issue 4) -------------------------------------------------------------

# Producers in the shipped sample registry (src/workflow/data/producer_registry_sample.csv),
# one per validation outcome: (npn, name on the profile).
VALID = ("17283945", "Dana Whitfield")
NAME_MISMATCH = ("15592730", "Marcus Reid")  # the registry says Marcus Reed
UNKNOWN_NPN = ("99999999", "Zed Nobody")
LICENSE_NUMBER_AS_NPN = ("3387120", "Dana Whitfield")  # Dana's state license number
MISSING_SSN = ("18811456", "Nadia Petrova")  # valid record; the account has no SSN
NO_LICENSE = ("17740093", "Omar Haddad")
NO_HEALTH_LOA = ("16407781", "Sofia Martins")
LOA_INACTIVE = ("19250364", "Tom Becker")


async def load_sample_registry() -> None:
    from workflow.validations.registry_file import load_registry, parse_registry_csv, sample_csv

    await load_registry(parse_registry_csv(sample_csv()))


async def new_broker(client, admin, producer=VALID, *, ssn_provided=True, **fields) -> dict:
    """A broker onboarded with the producer's NPN and name (not yet validated)."""
    npn, name = producer
    email = re.sub(r"[^a-z]+", ".", name.lower()) + f".{uuid.uuid4().hex[:4]}@example.org"
    body = {"npn": npn, "name": name, "email": email, "ssn_provided": ssn_provided, **fields}
    return await new_assister(client, admin, kind="broker", **body)


async def patch_profile(client, headers, assister_id: int, **fields) -> httpx.Response:
    return await client.patch(f"/assisters/{assister_id}", json=fields, headers=headers)


async def get_validation(client, headers, assister_id: int) -> dict:
    r = await client.get(f"/assisters/{assister_id}/validation", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def fire_validation(client, headers, assister_id: int, event: str, **body) -> httpx.Response:
    url = f"/assisters/{assister_id}/validation/events/{event}"
    return await client.post(url, json=body, headers=headers)


async def validation_history(client, headers, assister_id: int) -> list[dict]:
    r = await client.get(f"/assisters/{assister_id}/validation/history", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def registered_broker(client, admin, producer=VALID, role="individual") -> dict:
    """A broker with a valid NPN and an Agent Broker role, walked to ``registered``."""
    broker = await new_broker(client, admin, producer)
    r = await patch_profile(client, admin, broker["id"], marketplace_role=role)
    assert r.status_code == 200, r.text
    await fire_ok(client, admin, broker["id"], "complete_training")
    await fire_ok(client, admin, broker["id"], "record_exam", data={"score": 90})
    agreements = {"individual": ["individual"], "shop": ["shop"], "both": ["individual", "shop"]}
    await fire_ok(client, admin, broker["id"], "register", data={"agreements": agreements[role]})
    return (await client.get(f"/assisters/{broker['id']}", headers=admin)).json()


class DownRegistry:
    """A producer registry that fails every call."""

    async def lookup(self, npn):
        raise ConnectionError("connection refused")

    async def by_license_number(self, number):
        raise ConnectionError("connection refused")

    async def has_name(self, first_name, last_name):
        raise ConnectionError("connection refused")


class HangingRegistry(DownRegistry):
    """A producer registry that never answers (the timeout must cut it off)."""

    async def lookup(self, npn):
        import asyncio

        await asyncio.Event().wait()
