"""The sweep drives the NPN validations' date-driven rules too."""

from datetime import UTC, date, datetime

from tests.helpers import NAME_MISMATCH, NO_LICENSE, load_sample_registry, new_broker
from workflow.core.principal import SYSTEM
from workflow.sweep.runner import sweep
from workflow.tables import NpnValidation
from workflow.validations.service import revalidate


async def test_sweep_escalates_breached_validations_and_dry_run_only_lists(client, admin):
    await load_sample_registry()
    late = await new_broker(client, admin, NAME_MISMATCH)
    own_fix = await new_broker(client, admin, NO_LICENSE)  # the broker's to fix: no case
    for broker in (late, own_fix):
        await revalidate(broker["id"], SYSTEM, now=datetime(2026, 11, 17, 15, tzinfo=UTC))
    now = datetime(2026, 11, 30, 15, tzinfo=UTC)

    dry = await sweep(date(2026, 11, 30), dry_run=True, now=now)
    assert [c["assister"] for c in dry.examples("sla_escalation")] == [late["id"]]
    row = await NpnValidation.select().where(NpnValidation.assister == late["id"]).first()
    assert row["state"] == "npn_mismatch"

    report = await sweep(date(2026, 11, 30), now=now)
    assert report.count("sla_escalation") == 1
    row = await NpnValidation.select().where(NpnValidation.assister == late["id"]).first()
    assert row["state"] == "escalated"
    assert (await sweep(date(2026, 11, 30), now=now)).count("sla_escalation") == 0
