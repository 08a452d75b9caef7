"""Demo consumers and their associations, made through the same services as the API, so
every association has a real history: confirmed, replaced, pending, removed by the
consumer, ended by support, transferred, and one whose assister lapsed."""

from __future__ import annotations

from workflow.accounts.service import CreatedUser, NewUser, create_user
from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.service import NewAssister, create_assister
from workflow.associations.application_lock import set_application_status, take_lock
from workflow.associations.binding import ASSOCIATION_CASE
from workflow.associations.clients import acknowledge, client_details
from workflow.associations.service import request_association
from workflow.associations.transfer import transfer_book
from workflow.core.principal import Principal
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.tables import Assister

ADMIN = Principal(user_id=None, username="demo", role="admin")
SUPPORT = Principal(user_id=None, username="demo-support", role="support")

CONSUMERS = [
    ("maria.lopez", "Maria Lopez", "612-555-0142", "1200 Nicollet Mall, Minneapolis MN"),
    ("john.kim", "John Kim", "612-555-0178", None),
    ("sara.nguyen", "Sara Nguyen", None, None),
    ("omar.farah", "Omar Farah", "651-555-0111", None),
    ("lina.park", "Lina Park", None, "88 Grand Ave, St Paul MN"),
    ("ruth.cohen", "Ruth Cohen", None, None),
    ("ahmed.ali", "Ahmed Ali", "507-555-0190", None),
]


def _principal(created: CreatedUser, **kw) -> Principal:
    return Principal(
        user_id=created.user_id,
        username=created.username,
        role=created.role,
        account_id=created.account_id,
        **kw,
    )


async def _choose(consumer: Principal, assister: dict, *, confirm: bool = True) -> int:
    association, _ = await request_association(consumer, assister["reference_number"])
    if confirm:
        await fire(FireEvent(ASSOCIATION_CASE, association["id"], "confirm", actor=consumer))
    return association["id"]


async def _assister(name: str) -> dict:
    return await Assister.select().where(Assister.name == name).first()


async def load_consumer_demo(walk_to_active, organization_id: int) -> str:
    """Needs the assister demo loaded (Grace Mensah and Hugo Alvarez active)."""
    grace, hugo = await _assister("Grace Mensah"), await _assister("Hugo Alvarez")
    kofi = await create_assister(
        NewAssister(
            kind="navigator",
            name="Kofi Boateng",
            email="kofi.boateng@example.org",
            organization_id=organization_id,
        ),
        ADMIN,
    )
    await walk_to_active(kofi)
    kofi = await _assister("Kofi Boateng")
    users = {}
    for username, name, phone, address in CONSUMERS:
        created = await create_user(
            NewUser(username, "consumer", full_name=name, phone=phone, address=address)
        )
        users[username] = (created, _principal(created, consumer_id=created.consumer_id))
    grace_login = await create_user(NewUser("grace.mensah", "assister", assister_id=grace["id"]))
    grace_as = _principal(grace_login, assister_id=grace["id"])

    maria = users["maria.lopez"][1]
    await _choose(maria, grace)
    await acknowledge(grace["id"], maria.consumer_id, grace_as)
    await client_details(grace["id"], maria.consumer_id, grace_as)  # now In Progress
    await take_lock(maria.consumer_id, grace_as)
    await set_application_status(maria.consumer_id, "in_progress", grace_as)

    john = users["john.kim"][1]
    await _choose(john, hugo)
    await _choose(john, grace)  # replaces Hugo in the same transaction

    await _choose(users["sara.nguyen"][1], hugo, confirm=False)

    omar = users["omar.farah"][1]
    removed = await _choose(omar, grace)
    await fire(FireEvent(ASSOCIATION_CASE, removed, "disassociate", actor=omar))

    ended = await _choose(users["lina.park"][1], hugo)
    await fire(
        FireEvent(
            ASSOCIATION_CASE,
            ended,
            "disassociate",
            actor=SUPPORT,
            reason="the assister asked the Assister Resource Center to end it (ticket 4417)",
        )
    )

    await _choose(users["ruth.cohen"][1], kofi)
    moved = await _choose(users["ahmed.ali"][1], kofi)
    await transfer_book(
        kofi["id"],
        hugo["id"],
        ADMIN,
        reason="Kofi is leaving the navigator program; his clients move to Hugo",
        association_ids=[moved],
    )
    await fire(
        FireEvent(
            ASSISTER_CASE, kofi["id"], "lapse", actor=ADMIN, reason="missed the October 31 deadline"
        )
    )

    logins = ", ".join(f"{c.username} / {c.password}" for c, _ in users.values())
    return (
        f"demo data: {len(CONSUMERS)} consumers and their associations loaded; "
        f"consumer sign-in at /consumer/login: {logins}; "
        f"assister grace.mensah API token: {grace_login.token}"
    )
