"""The demo's consumers and associations are made through the services, with history."""

from workflow.core.zips import centroid
from workflow.demo.loader import load_demo
from workflow.directory.search import Search, find_help
from workflow.referrals.service import HelpRequest, ask_for_help
from workflow.tables import Assister, Association, Consumer, History


async def test_demo_loads_consumers_with_every_association_state(client, db):
    report = await load_demo(skip_if_present=False)
    assert "7 consumers" in report and "/consumer/login" in report
    assert await Consumer.count() == 7
    rows = await Association.select()
    assert {r["state"] for r in rows} == {"requested", "confirmed", "disassociated"}
    confirmed = [r["consumer"] for r in rows if r["state"] == "confirmed"]
    assert len(confirmed) == len(set(confirmed))  # one assister at a time
    for row in rows:
        events = await History.count().where(
            (History.machine == "association") & (History.entity_id == row["id"])
        )
        assert events == row["version"]
    kinds = {
        r["event"]
        for r in await History.select(History.event).where(History.machine == "association")
    }
    assert kinds == {"create", "confirm", "disassociate", "acknowledge", "transfer"}
    assert any(r["end_reason"] and r["end_reason"].startswith("replaced") for r in rows)
    assert any(r["client_status"] == "in_progress" for r in rows)


async def test_demo_assisters_have_addresses_with_every_display_choice(client, db):
    await load_demo(skip_if_present=False)
    rows = await Assister.select(Assister.address_city, Assister.directory_display).where(
        Assister.address_city.is_not_null()
    )
    assert {r["directory_display"] for r in rows} == {
        "all",
        "all_but_street",
        "home_state_only",
        "not_listed",
    }


async def test_the_demo_finds_help_by_zip_and_offers_a_referral(client, db):
    """Demo brokers have addresses and listings: a search near Minneapolis finds active
    brokers (one speaking Spanish), and a Help On Demand request in Spanish is offered to
    the Spanish-speaking broker, one in English to the nearest."""
    await load_demo(skip_if_present=False)
    found = await find_help(Search(zip="55401", radius_miles=25, kind="broker"))
    names = {r["name"] for r in found["items"]}
    assert {"Kofi Asante", "María José Núñez"} <= names, names
    spanish = await find_help(Search(zip="55401", radius_miles=25, language="es"))
    assert "María José Núñez" in {r["name"] for r in spanish["items"]}
    brokers = {r["name"]: r["id"] for r in await Assister.select(Assister.id, Assister.name)}
    for language, broker in (("es", "María José Núñez"), ("en", "Kofi Asante")):
        ask = HelpRequest("Rosa Díaz", "55401", language, "612-555-0101", None, True)
        referral = await ask_for_help(ask, None)
        assert referral["state"] == "offered" and referral["broker_id"] == brokers[broker]
    zips = [r["address_zip"] for r in await Assister.select(Assister.address_zip)]
    assert all(centroid(z) is not None for z in zips if z)
    assert sum(1 for z in zips if z) >= 15
