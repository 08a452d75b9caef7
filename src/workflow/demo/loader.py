"""Demo data: organisations and assisters in every state, moved there through the
machine so each has a real history."""

from __future__ import annotations

import contextlib
import re

from workflow.assisters.address import Address
from workflow.assisters.binding import ASSISTER_CASE
from workflow.assisters.machine import ASSISTER, AssisterState
from workflow.assisters.marketplace import AGREEMENTS_FOR_ROLE
from workflow.assisters.service import NewAssister, create_assister
from workflow.core.errors import AttemptRecorded
from workflow.core.principal import Principal
from workflow.core.settings import get_settings
from workflow.demo.brokers import NPNS, load_demo_brokers, load_demo_registry
from workflow.demo.consumers import load_consumer_demo
from workflow.demo.directory import load_demo_directory
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.organizations.service import create_organization
from workflow.tables import Assister, Message
from workflow.validations.service import revalidate

DEMO = Principal(user_id=None, username="demo", role="admin")

ORGANIZATIONS = [
    ("Harbor Insurance Agency", "agency"),
    ("Valley Navigators", "navigator_entity"),
    ("Riverside Community Clinic", "cac_organization"),
]

# (name, kind, organisation index, target state)
PEOPLE = [
    ("Ana Torres", "navigator", 1, "onboarded"),
    ("Ben Okafor", "broker", 0, "onboarded"),
    ("Chen Li", "cac", 2, "trained"),
    ("Dana Whitfield", "broker", 0, "trained"),
    ("Elif Kaya", "navigator", 1, "exam_passed"),
    ("Farid Haddad", "cac", 2, "registered"),
    ("Grace Mensah", "navigator", 1, "active"),
    ("Hugo Alvarez", "cac", 2, "active"),
    ("Ines Duarte", "navigator", 1, "lapsed"),
    ("Jonas Berg", "broker", 0, "deactivated"),
]

# Business addresses (fictitious) and directory display choices, one of each choice.
ADDRESSES = {
    "Ana Torres": (Address("400 Robert St N Ste 1200", "St Paul", "MN", "55101"), "all"),
    "Ben Okafor": (Address("80 S 8th St", "Minneapolis", "MN", "55402"), "home_state_only"),
    "Grace Mensah": (Address("1500 E Lake St", "Minneapolis", "MN", "55407"), "all"),
    "Hugo Alvarez": (Address("25 W 4th St", "Duluth", "MN", "55802"), "all_but_street"),
    "Ines Duarte": (Address("12 Main St", "Rochester", "MN", "55904"), "not_listed"),
}


async def load_demo(skip_if_present: bool) -> str:
    if skip_if_present and await Assister.count() > 0:
        return "demo data: the database already has assisters; left as it is"
    producers = await load_demo_registry()
    orgs = [await create_organization(name, kind) for name, kind in ORGANIZATIONS]
    for name, kind, org, target in PEOPLE:
        email = re.sub(r"[^a-z]+", ".", name.lower()) + "@example.org"
        address, display = ADDRESSES.get(name, (None, "all"))
        row = await create_assister(
            NewAssister(
                kind=kind,
                name=name,
                email=email,
                organization_id=orgs[org]["id"],
                npn=NPNS.get(name),
                ssn_provided=kind == "broker",
                address=address,
                directory_display=display,
            ),
            DEMO,
        )
        if kind == "broker":
            await revalidate(row["id"], DEMO)
        await _walk_to(row, target)
    brokers = await load_demo_brokers(DEMO, orgs[0]["id"], _walk_to)
    await load_demo_directory(DEMO)
    loaded = (
        f"demo data: {len(orgs)} organisations, {len(PEOPLE) + brokers} assisters and "
        f"{producers} producers in the registry loaded"
    )
    return loaded + "\n" + await _consumers(orgs[1]["id"])


async def _consumers(organization_id: int) -> str:
    return await load_consumer_demo(lambda row: _walk_to(row, "active"), organization_id)


async def _walk_to(row: dict, target: str) -> None:
    aid = row["id"]
    if target == AssisterState.deactivated:
        await _fire(aid, "deactivate", reason="left the agency (roster marked inactive)")
        return
    for event, _ in ASSISTER.route(target):
        if event == "complete_training":
            await _fire(aid, event, data={"training_year": _this_year()})
        elif event == "record_exam":
            with contextlib.suppress(AttemptRecorded):  # a failed attempt, then a retake
                await _fire(aid, event, data={"score": 72})
            await _fire(aid, event, data={"score": 91})
        elif event == "register":
            await _fire(aid, event, data={"agreements": await _agreements(aid)})
        elif event == "activate":
            await _activate(aid, row["email"])
        elif event == "lapse":
            await _fire(aid, event, reason="missed the October 31 training deadline")
        else:
            await _fire(aid, event, reason="demo")


def _this_year() -> int:
    """Today's training year, so demo assisters are certified for the current one."""
    settings = get_settings()
    return settings.calendar.training_year(settings.today())


async def _agreements(assister_id: int) -> list[str]:
    """A broker accepts the agreements their marketplace role calls for."""
    row = await Assister.select(Assister.marketplace_role).where(Assister.id == assister_id)
    return sorted(AGREEMENTS_FOR_ROLE.get(row[0]["marketplace_role"], {"individual"}))


async def _activate(assister_id: int, email: str) -> None:
    message = (
        await Message.select(Message.body)
        .where(Message.assister == assister_id)
        .order_by(Message.id, ascending=False)
        .first()
    )
    number = re.search(r"Registration Number: (\S+)", message["body"]).group(1)
    await _fire(assister_id, "activate", data={"registration_number": number, "email": email})


async def _fire(assister_id: int, event: str, *, data=None, reason=None) -> None:
    await fire(FireEvent(ASSISTER_CASE, assister_id, event, actor=DEMO, data=data, reason=reason))
