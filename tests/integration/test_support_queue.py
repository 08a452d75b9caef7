"""The support queue's business-day arithmetic on a real database, with fixed dates:
Monday 30 November 2026, after Thanksgiving (Thursday 26th, a federal holiday)."""

from datetime import UTC, datetime

import pytest

from tests.helpers import (
    LOA_INACTIVE,
    MISSING_SSN,
    NAME_MISMATCH,
    NO_LICENSE,
    VALID,
    load_sample_registry,
    new_broker,
)
from workflow.core.business_days import SlaStatus
from workflow.core.principal import SYSTEM, Principal
from workflow.validations.queue import support_queue
from workflow.validations.service import correct_record, fire_support_event, revalidate

NOW = datetime(2026, 11, 30, 15, tzinfo=UTC)
SUPPORT = Principal(user_id=None, username="support-test", role="support")


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 15, tzinfo=UTC)


@pytest.fixture
async def queue(client, admin, db):
    """Four stuck brokers (and one valid) with known waits by NOW."""
    await load_sample_registry()
    stuck = {}
    for key, producer, day, ssn in [
        ("today", NO_LICENSE, 30, True),  # 0 business days
        ("due5", LOA_INACTIVE, 20, True),  # Fri 20th: 23, 24, 25, 27, 30 → 5
        ("breached8", NAME_MISMATCH, 17, True),  # Tue 17th → 8
        ("due7", MISSING_SSN, 18, False),  # Wed 18th → 7: the last day before breach
    ]:
        broker = await new_broker(client, admin, producer, ssn_provided=ssn)
        await revalidate(broker["id"], SYSTEM, now=at(day))
        stuck[key] = broker["id"]
    valid = await new_broker(client, admin, VALID)
    await revalidate(valid["id"], SYSTEM, now=at(2))
    await fire_support_event(stuck["due7"], "escalate", SUPPORT, "called", now=at(19))
    return stuck


async def listed(limit=50, offset=0, **filters):
    items, total = await support_queue(SUPPORT, NOW, limit=limit, offset=offset, **filters)
    return [i["assister_id"] for i in items], total, items


async def test_most_urgent_first_with_business_days_and_sla(queue):
    ids, total, items = await listed()
    assert ids == [queue["breached8"], queue["due7"], queue["due5"], queue["today"]]
    assert total == 4
    got = {i["assister_id"]: (i["waiting_business_days"], i["sla"]) for i in items}
    assert got == {
        queue["breached8"]: (8, "breached"),
        queue["due7"]: (7, "due"),
        queue["due5"]: (5, "due"),
        queue["today"]: (0, "within"),
    }
    first = items[0]
    assert first["due_by"].isoformat() == "2026-11-24"  # 5 business days after the 17th
    assert first["breached_after"].isoformat() == "2026-11-27"  # the 26th is Thanksgiving
    assert first["failure"] == "npn_mismatch" and "Marcus Reid" in first["detail"]
    assert first["email"].endswith("@example.org")


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"sla": SlaStatus.breached}, ["breached8"]),
        ({"sla": SlaStatus.due}, ["due7", "due5"]),
        ({"sla": SlaStatus.within}, ["today"]),
        ({"state": "escalated"}, ["due7"]),
        ({"failure": "missing_ssn"}, ["due7"]),  # escalated, still failing on the SSN
        ({"state": "no_license"}, ["today"]),
        ({"q": "marcus"}, ["breached8"]),
        ({"q": NO_LICENSE[0]}, ["today"]),
    ],
)
async def test_filters(queue, filters, expected):
    ids, total, _ = await listed(**filters)
    assert ids == [queue[k] for k in expected] and total == len(expected)


async def test_paged_with_the_total(queue):
    ids, total, _ = await listed(limit=2, offset=1)
    assert ids == [queue["due7"], queue["due5"]] and total == 4


async def test_the_queue_drops_the_old_hint_once_support_corrects_the_record(client, admin, db):
    await load_sample_registry()
    broker = await new_broker(client, admin, NAME_MISMATCH)
    await revalidate(broker["id"], SYSTEM, now=at(23))
    _, _, items = await listed()
    assert "different name" in items[0]["hint"] and "Marcus Reid" in items[0]["detail"]

    await fire_support_event(broker["id"], "confirm_identity", SUPPORT, "by phone", now=at(24))
    await correct_record(broker["id"], SUPPORT, "name as in the registry", now=at(24))
    _, _, items = await listed()
    assert items[0]["state"] == "escalated" and items[0]["failure"] == "npn_mismatch"
    assert items[0]["hint"] is None
    assert items[0]["detail"] == (
        f"support corrected the profile from registry record {NAME_MISMATCH[0]} "
        "(name 'Marcus Reid' → 'Marcus Reed'); not checked since: resolve the case to "
        "validate again"
    )


async def test_a_confirmed_identity_is_no_longer_reported_unconfirmed(client, admin, db):
    await load_sample_registry()
    broker = await new_broker(client, admin, MISSING_SSN, ssn_provided=False)
    await revalidate(broker["id"], SYSTEM, now=at(23))
    _, _, items = await listed()
    assert items[0]["detail"].endswith("identity not confirmed")
    await fire_support_event(broker["id"], "confirm_identity", SUPPORT, "by phone", now=at(24))
    _, _, items = await listed()
    assert items[0]["identity_confirmed"] is True
    assert "identity confirmed by support" in items[0]["detail"]
