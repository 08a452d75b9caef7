"""``GET /support/validations`` over HTTP: who may read it, the filters, and business days
on the clock (time-machine puts "now" on the Monday after Thanksgiving 2026)."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.helpers import (
    NO_HEALTH_LOA,
    NO_LICENSE,
    VALID,
    load_sample_registry,
    new_broker,
    new_user_headers,
)
from workflow.core.principal import SYSTEM
from workflow.validations.service import revalidate


@pytest.fixture
async def stuck(client, admin, db):
    await load_sample_registry()
    old = await new_broker(client, admin, NO_LICENSE)
    new = await new_broker(client, admin, NO_HEALTH_LOA)
    fine = await new_broker(client, admin, VALID)
    await revalidate(old["id"], SYSTEM, now=datetime(2026, 11, 13, 15, tzinfo=UTC))
    await revalidate(new["id"], SYSTEM, now=datetime(2026, 11, 27, 15, tzinfo=UTC))
    await revalidate(fine["id"], SYSTEM, now=datetime(2026, 11, 27, 15, tzinfo=UTC))
    return old, new


async def test_support_sees_the_queue_most_urgent_first(client, stuck):
    old, new = stuck
    support = await new_user_headers("support")
    with time_machine.travel(datetime(2026, 11, 30, 16, tzinfo=UTC)):
        r = await client.get("/support/validations", headers=support)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 2 and (page["limit"], page["offset"]) == (50, 0)
    first, second = page["items"]
    assert first["assister_id"] == old["id"] and second["assister_id"] == new["id"]
    # Fri 13th → 16, 17, 18, 19, 20, 23, 24, 25, 27, 30 (26th: Thanksgiving)
    assert (first["waiting_business_days"], first["sla"]) == (10, "breached")
    assert first["failure"] == "no_license" and first["message"].startswith("NPN validation")
    assert first["allowed_events"] == ["revalidate", "escalate"]
    # Fri 27th → Mon 30th: one business day
    assert (second["waiting_business_days"], second["sla"]) == (1, "within")
    with time_machine.travel(datetime(2026, 11, 30, 16, tzinfo=UTC)):
        r = await client.get("/support/validations?sla=breached", headers=support)
    assert [i["assister_id"] for i in r.json()["items"]] == [old["id"]]


async def test_only_support_and_admin_read_the_queue(client, admin, stuck):
    assert (await client.get("/support/validations", headers=admin)).status_code == 200
    old, _ = stuck
    for headers in (
        await new_user_headers("assister", assister_id=old["id"]),
        await new_user_headers("consumer"),
    ):
        assert (await client.get("/support/validations", headers=headers)).status_code == 403
    assert (await client.get("/support/validations")).status_code == 401


@pytest.mark.parametrize(
    "query, field", [("sla=late", "sla"), ("state=happy", "state"), ("limit=0", "limit")]
)
async def test_bad_filters_are_400_naming_them(client, admin, db, query, field):
    r = await client.get(f"/support/validations?{query}", headers=admin)
    assert r.status_code == 400 and field in r.json()["detail"]


async def test_searching_the_queue_for_an_ssn_is_refused(client, admin, db):
    r = await client.get("/support/validations?q=123-45-6789", headers=admin)
    assert r.status_code == 400 and "Social Security Number" in r.json()["detail"]
