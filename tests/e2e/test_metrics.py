"""GET /metrics: Prometheus text for an admin's or a scraper's token (and nobody else):
requests by route template and status with latencies, events applied and refused by
machine, event and refusal class, the outbox, stuck validations past their SLA, the
last sweep. And WORKFLOW_LOG_FORMAT=json: one JSON object a line with the correlation
id, never a request body or a personal field."""

from __future__ import annotations

import json
import logging
from datetime import date

from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import bearer, fire, new_assister, walk_to
from tests.server import running_server
from workflow.accounts.service import NewUser, create_user
from workflow.core.logs import CORRELATION_ID, JsonLines
from workflow.sweep.runner import sweep


async def _scrape(client, headers) -> dict[tuple[str, tuple], float]:
    r = await client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_requests_events_and_read_the_database(client, admin):
    scraper = bearer((await create_user(NewUser(username="prometheus", role="metrics"))).token)
    before = await _scrape(client, scraper)
    ana = await new_assister(client, admin)
    await walk_to(client, admin, ana, "registered")  # the activation message waits
    refused = await fire(client, admin, ana["id"], "reinstate", reason="not deactivated")
    assert refused.status_code == 409
    reads = await _scrape(client, scraper)
    await client.get(f"/assisters/{ana['id']}", headers=admin)
    await sweep(date.today())
    after = await _scrape(client, scraper)

    def grew(name, **labels) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    read = dict(method="GET", route="/assisters/{assister_id}", status="200")
    count = "workflow_http_request_duration_seconds_count"
    assert _value(after, count, **read) - _value(reads, count, **read) == 1
    assert _value(after, "workflow_http_request_duration_seconds_bucket", le="+Inf", **read) >= 1
    assert grew("workflow_events_total", machine="assister", event="complete_training",
                outcome="applied", reason="") == 1  # fmt: skip
    assert grew("workflow_events_total", machine="assister", event="reinstate",
                outcome="refused", reason="not_allowed") == 1  # fmt: skip
    assert _value(after, "workflow_outbox_messages", delivery="pending") >= 1
    assert _value(after, "workflow_outbox_oldest_pending_age_seconds") >= 0
    assert ("workflow_validations_stuck", (("sla", "breached"),)) in after
    assert _value(after, "workflow_sweep_last_run_timestamp_seconds") > 0
    assert any(name == "workflow_sweep_last_cases" for name, _ in after)
    assert _value(after, "workflow_sweep_last_duration_seconds") > 0
    # Route labels are templates: no raw path (no id) in any label.
    labels = [dict(key) for name, key in after if name.startswith("workflow_http")]
    assert all(str(ana["id"]) not in label.get("route", "") for label in labels)


async def test_only_admins_and_scrapers_read_metrics_and_scrapers_read_nothing_else(
    client, admin, make_user
):
    scraper = bearer((await create_user(NewUser(username="prom", role="metrics"))).token)
    assert (await client.get("/metrics", headers=admin)).status_code == 200
    assert (await client.get("/metrics", headers=scraper)).status_code == 200
    for role in ("support", "consumer", "assister"):
        kw = {}
        if role == "assister":
            kw = {"assister_id": (await new_assister(client, admin))["id"]}
        r = await client.get("/metrics", headers=await make_user(role, **kw))
        assert r.status_code == 403, role
    assert (await client.get("/metrics")).status_code == 401
    for path in ("/assisters", "/users", "/noop", "/associations"):
        assert (await client.get(path, headers=scraper)).status_code == 403, path


def test_json_lines_carry_the_correlation_id_and_the_error_class_only():
    token = CORRELATION_ID.set("abc123")
    try:
        try:
            raise ValueError("Maria Lopez 555-0134")
        except ValueError:
            record = logging.LogRecord("workflow.api", 40, __file__, 1, "boom on %s", ("GET",),
                                       exc_info=__import__("sys").exc_info())  # fmt: skip
        line = JsonLines().format(record)
    finally:
        CORRELATION_ID.reset(token)
    entry = json.loads(line)
    assert entry["correlation_id"] == "abc123" and entry["message"] == "boom on GET"
    assert entry["error"] == "ValueError" and "Maria" not in line and "\n" not in line


async def test_json_logs_from_a_real_server_hold_no_body_or_personal_field(db):
    import httpx

    with running_server(db.url, log_format="json") as server:
        token = bearer(server.first_token)
        with httpx.Client(base_url=server.url, timeout=10) as c:
            org = c.post("/organizations", json={"name": "Org J", "kind": "navigator_entity"},
                         headers=token).json()["id"]  # fmt: skip
            r = c.post("/assisters", headers=token, json={
                "kind": "navigator", "name": "Zelda Quartermain", "email": "zq@example.org",
                "phone": "503-555-0177", "organization_id": org})  # fmt: skip
            assert r.status_code == 201, r.text
            c.get("/assisters?q=Quartermain", headers=token)
            c.get("/no/such/route")
        log = "".join(server.log)
    lines = [line for line in server.log if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert len(access) >= 3, log
    assert all(e["correlation_id"] for e in access if '"POST /assisters' in e["message"])
    for secret in ("Zelda", "Quartermain", "zq@example.org", "555-0177"):
        assert secret not in log, secret
