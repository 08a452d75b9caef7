"""``GET /metrics`` in Prometheus' text format, for an admin's token or a scraper's
(role ``metrics``, which reads nothing else).

Requests and events are counted by the workers as they serve (``core/metrics.py``;
added up across workers through ``PROMETHEUS_MULTIPROC_DIR``). The outbox, the
validations' SLA and the last sweep are facts about the database, read at each scrape,
so whichever worker answers, the figures agree.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from litestar import Response, get
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from workflow.core.business_days import SlaStatus
from workflow.core.principal import Principal
from workflow.db.raw import raw
from workflow.validations.queue import support_queue
from workflow.web.auth import allow

OUTBOX = """
SELECT delivery, COUNT(*) AS n, MIN(created_at) AS oldest FROM messages
WHERE delivery IN ('pending', 'failed') GROUP BY delivery
"""
LAST_SWEEP = """
SELECT at, detail FROM audit_log WHERE object_type = 'sweep' AND object_id = 'run'
ORDER BY id DESC LIMIT 1
"""
_SYSTEM = Principal(user_id=None, username="metrics", role="system")


class DatabaseFacts:
    """A collector of figures read from the database just before a scrape."""

    def __init__(self, families: list[GaugeMetricFamily]):
        self.families = families

    def collect(self):
        return iter(self.families)


async def database_facts(now: datetime) -> list[GaugeMetricFamily]:
    return [*await _outbox(now), await _validations(now), *await _sweep()]


async def _outbox(now: datetime) -> list[GaugeMetricFamily]:
    rows = {r["delivery"]: r for r in await raw(OUTBOX)}
    messages = GaugeMetricFamily(
        "workflow_outbox_messages",
        "Messages waiting to be e-mailed, or failed",
        labels=("delivery",),
    )
    for delivery in ("pending", "failed"):
        messages.add_metric([delivery], rows[delivery]["n"] if delivery in rows else 0)
    oldest = rows.get("pending", {}).get("oldest")
    age = GaugeMetricFamily(
        "workflow_outbox_oldest_pending_age_seconds",
        "How long the oldest pending message has waited (0: none waiting)",
        value=(now - _aware(oldest)).total_seconds() if oldest else 0,
    )
    return [messages, age]


async def _validations(now: datetime) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "workflow_validations_stuck",
        "Stuck NPN validations past their SLA: due, or breached",
        labels=["sla"],
    )
    for status in (SlaStatus.due, SlaStatus.breached):
        _, total = await support_queue(_SYSTEM, now, sla=status, limit=1, offset=0)
        family.add_metric([str(status)], total)
    return family


async def _sweep() -> list[GaugeMetricFamily]:
    rows = await raw(LAST_SWEEP)
    last = GaugeMetricFamily(
        "workflow_sweep_last_run_timestamp_seconds", "When the last sweep finished (Unix time)"
    )
    took = GaugeMetricFamily("workflow_sweep_last_duration_seconds", "How long it took")
    cases = GaugeMetricFamily(
        "workflow_sweep_last_cases", "Cases the last sweep changed, by rule", labels=["rule"]
    )
    if rows:
        detail = rows[0]["detail"]
        detail = json.loads(detail) if isinstance(detail, str) else detail
        last.add_metric([], _aware(rows[0]["at"]).timestamp())
        took.add_metric([], float(detail.get("seconds", 0)))
        for rule, count in sorted(detail.get("counts", {}).items()):
            cases.add_metric([rule], count)
    return [last, took, cases]


def _aware(value) -> datetime:
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _served_counts() -> CollectorRegistry:
    """This process's counters, or every worker's when they share a folder."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


@get("/metrics", opt=allow("admin", "metrics"), tags=["system"], include_in_schema=True)
async def metrics() -> Response[bytes]:
    """Prometheus text format: requests by route template and status with latency
    histograms, events applied and refused by machine, event and refusal class, the
    outbox, stuck validations past their SLA, and the last sweep."""
    facts = CollectorRegistry(auto_describe=False)
    facts.register(DatabaseFacts(await database_facts(datetime.now(UTC))))
    body = generate_latest(_served_counts()) + generate_latest(facts)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


ROUTES = [metrics]
