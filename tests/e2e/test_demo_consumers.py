"""The demo's consumers and associations are made through the services, with history."""

from workflow.demo.loader import load_demo
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
