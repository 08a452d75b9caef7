"""The public Registration Completion List (JSON): anyone may look a registered broker up
by NPN or name; nothing private is shown."""

from datetime import UTC, datetime

import pytest

from tests.helpers import (
    LOA_INACTIVE,
    VALID,
    fire_ok,
    fire_validation,
    latest_registration_number,
    load_sample_registry,
    new_broker,
    registered_broker,
)
from workflow.assisters.registration_list import registration_year


@pytest.fixture
async def listed(client, admin, db):
    await load_sample_registry()
    dana = await registered_broker(client, admin, VALID, role="individual")
    kofi = await registered_broker(client, admin, ("19034417", "Kofi Asante"), role="both")
    number = await latest_registration_number(client, admin, kofi["id"])
    await fire_ok(
        client,
        admin,
        kofi["id"],
        "activate",
        data={"registration_number": number, "email": kofi["email"]},
    )
    await new_broker(client, admin, LOA_INACTIVE)  # not registered: not listed
    return dana, kofi


async def test_anyone_lists_registered_brokers_by_name(client, listed):
    r = await client.get("/registration-list")
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 2
    year = registration_year(datetime.now(UTC))
    entry = {"npn_validation": "Valid", "registration_year": year}
    assert page["items"] == [
        {"name": "Dana Whitfield", "npn": VALID[0], **entry},
        {"name": "Kofi Asante", "npn": "19034417", **entry},
    ]


async def test_nothing_private_is_listed(client, listed):
    dana, kofi = listed
    text = (await client.get("/registration-list")).text
    for broker in (dana, kofi):
        assert broker["email"] not in text and broker["reference_number"] not in text
    item = (await client.get("/registration-list")).json()["items"][0]
    assert set(item) == {"name", "npn", "npn_validation", "registration_year"}


@pytest.mark.parametrize(
    "q, names",
    [
        (VALID[0], ["Dana Whitfield"]),
        ("asan", ["Kofi Asante"]),
        ("KOFI", ["Kofi Asante"]),
        ("1903441", []),  # an NPN matches exactly, not in part
        ("Tom Becker", []),  # not registered
    ],
)
async def test_look_up_by_npn_or_name(client, listed, q, names):
    r = await client.get("/registration-list", params={"q": q})
    assert [i["name"] for i in r.json()["items"]] == names and r.json()["total"] == len(names)


async def test_paged(client, listed):
    r = await client.get("/registration-list?limit=1&offset=1")
    assert [i["name"] for i in r.json()["items"]] == ["Kofi Asante"] and r.json()["total"] == 2


async def test_a_revalidation_that_fails_shows_on_the_list(client, admin, listed):
    from workflow.validations.registry import use_registry

    class LicenseLapsed:
        async def lookup(self, npn):
            from workflow.validations.registry import LocalRegistry

            record = await LocalRegistry().lookup(npn)
            record.license_status = "expired"
            return record

    dana, _ = listed
    with use_registry(LicenseLapsed()):
        r = await fire_validation(client, admin, dana["id"], "revalidate")
    assert r.json()["state"] == "no_license"
    items = (await client.get("/registration-list", params={"q": "Dana"})).json()["items"]
    assert items[0]["npn_validation"] == "Not valid"


async def test_an_ssn_is_never_a_search(client, db):
    r = await client.get("/registration-list", params={"q": "123-45-6789"})
    assert r.status_code == 400 and "Social Security Number" in r.json()["detail"]


def test_registration_year_starts_on_july_first(monkeypatch):
    from workflow.core.settings import get_settings

    assert registration_year(datetime(2026, 6, 30, 16, tzinfo=UTC)) == 2026
    assert registration_year(datetime(2026, 7, 1, 16, tzinfo=UTC)) == 2027
    monkeypatch.setenv("WORKFLOW_PROGRAM_TIMEZONE", "America/New_York")
    get_settings.cache_clear()
    try:  # 2 a.m. UTC on July 1st is still June 30th on the East Coast
        assert registration_year(datetime(2026, 7, 1, 2, tzinfo=UTC)) == 2026
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_the_page_pages_and_says_what_was_wrong(client, listed, monkeypatch):
    from workflow.assisters import registration_list_api as page

    monkeypatch.setattr(page, "PAGE_SIZE", 1)
    first = await client.get("/registration-completion-list")
    assert first.status_code == 200 and "Dana Whitfield" in first.text
    assert "Kofi Asante" not in first.text and "offset=1" in first.text
    assert "Previous" not in first.text
    second = await client.get("/registration-completion-list?offset=1")
    assert "Kofi Asante" in second.text and "Previous" in second.text and "Next" not in second.text
    refused = await client.get("/registration-completion-list", params={"q": "123-45-6789"})
    assert refused.status_code == 400 and "Social Security Number" in refused.text
    assert "123-45-6789" not in refused.text  # not even echoed back
