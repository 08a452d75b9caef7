"""The service as a marketplace runs it: three server processes (one of them with two
workers) on one PostgreSQL database, started with the command line of
``deploy/workflow.service``. Nothing a request relies on lives in one process:

- 50 racers for one case, spread over the three → exactly one applied;
- a token revoked through one is refused by all within WORKFLOW_TOKEN_CACHE_SECONDS;
- the three outbox workers (inside the servers) deliver each message exactly once;
- two sweeps started at once → one runs, the other says another is running.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import os
import subprocess
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import bearer, walk_to
from tests.server import free_port, running_server
from workflow.tables import AuditEntry, History, Message

TOKEN_CACHE_SECONDS = 2.0
MESSAGES = 30


class Inbox:
    def __init__(self):
        self.received: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _serve_args(workers: int) -> list[str]:
    # As deploy/workflow.service runs it (host and port differ per process here).
    return ["--host", "127.0.0.1", "--workers", str(workers)]


@pytest.fixture
def smtp():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@contextlib.contextmanager
def three_servers(url: str, smtp_port: int):
    env = dict(
        token_cache_seconds=str(TOKEN_CACHE_SECONDS),
        smtp_host="127.0.0.1",
        smtp_port=str(smtp_port),
        outbox_interval_seconds="1",
        mail_from="program@example.gov",
    )
    with contextlib.ExitStack() as stack:
        # The first migrates and creates the admin; the others start together.
        first = stack.enter_context(running_server(url, *_serve_args(2), **env))
        contexts = [running_server(url, *_serve_args(1), **env) for _ in range(2)]
        with ThreadPoolExecutor(2) as pool:
            others = list(pool.map(lambda cm: cm.__enter__(), contexts))
        for cm in contexts:
            stack.push(cm.__exit__)
        yield [first, *others]


async def test_three_processes_on_one_postgresql_database(db, smtp):
    if db.is_sqlite:
        pytest.skip("several hosts share a PostgreSQL database (SQLite is one machine's file)")
    inbox, smtp_port = smtp
    with three_servers(db.url, smtp_port) as servers:
        admin = bearer(servers[0].first_token)
        clients = [httpx.AsyncClient(base_url=s.url, timeout=60) for s in servers]
        try:
            await _racers(clients, admin)
            await _revocation(clients, admin)
            await _outbox(inbox)
        finally:
            for c in clients:
                await c.aclose()
    await _two_sweeps(db.url)


async def _racers(clients, admin) -> None:
    """50 deactivations of one active assister, over the three servers: one wins."""
    c = clients[0]
    org = (await c.post("/organizations", json={"name": "Org", "kind": "navigator_entity"},
                        headers=admin)).json()["id"]  # fmt: skip
    r = await c.post("/assisters", headers=admin, json={
        "kind": "navigator", "name": "Ana Torres", "email": "ana@example.org",
        "organization_id": org})  # fmt: skip
    ana = await walk_to(c, admin, r.json(), "active")
    url = f"/assisters/{ana['id']}/events/deactivate"
    answers = await asyncio.gather(*(
        clients[i % 3].post(url, json={"reason": f"racer {i}"}, headers=admin)
        for i in range(50)
    ))  # fmt: skip
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(200) == 1 and statuses.count(409) == 49, statuses
    applied = await History.count().where(
        (History.entity_id == ana["id"]) & (History.event == "deactivate")
    )
    assert applied == 1
    # The first server's two workers add their counts up: its 17 racers, whichever
    # worker took each and whichever answers the scrape.
    for _ in range(3):
        text = (await c.get("/metrics", headers=admin)).text
        seen = sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "workflow_events_total" and sample.labels["event"] == "deactivate"
        )
        assert seen == len(range(0, 50, 3)), text


async def _revocation(clients, admin) -> None:
    c = clients[0]
    me = (await c.get("/users?role=admin", headers=admin)).json()["items"][0]["id"]
    made = await c.post(f"/users/{me}/tokens", json={"label": "to revoke"}, headers=admin)
    token = bearer(made.json()["token"])
    for client in clients:  # every process now trusts it from its cache
        assert (await client.get("/noop", headers=token)).status_code == 200
    token_id = max(t["id"] for t in (await c.get(f"/users/{me}/tokens", headers=admin)).json())
    assert (await c.post(f"/tokens/{token_id}/revoke", headers=admin)).status_code == 200
    assert (await c.get("/noop", headers=token)).status_code == 401  # here: at once
    await asyncio.sleep(TOKEN_CACHE_SECONDS + 0.5)  # the documented bound elsewhere
    for client in clients:
        assert (await client.get("/noop", headers=token)).status_code == 401


async def _outbox(inbox: Inbox) -> None:
    now = datetime.now(UTC)
    await Message.insert(*(
        Message(recipient_email=f"person{i}@example.org", template="test",
                subject=f"Message {i}", body="Body", created_at=now)
        for i in range(MESSAGES)
    ))  # fmt: skip
    deadline = time.monotonic() + 90
    while await Message.count().where(Message.delivery != "sent") and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    total = await Message.count()
    assert await Message.count().where(Message.delivery == "sent") == total
    ids = [m["Message-ID"] for m in inbox.received]
    assert len(ids) == len(set(ids)) == total, (len(ids), len(set(ids)), total)


async def _two_sweeps(url: str) -> None:
    """Sweep A takes the run lock and is held up (a table it reads is locked by this
    test); sweep B, started meanwhile, finds the lock taken and changes nothing."""
    env = {**os.environ, "WORKFLOW_DATABASE_URL": url}
    command = [sys.executable, "-m", "workflow.cli.main", "sweep"]
    key = zlib.crc32(b"workflow:sweep")
    blocker = await asyncpg.connect(url)
    hold = blocker.transaction()
    await hold.start()
    await blocker.execute("LOCK TABLE assisters IN ACCESS EXCLUSIVE MODE")
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not await blocker.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 "
            "AND granted", key,
        ):  # fmt: skip
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            await asyncio.sleep(0.2)
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2 and "another sweep is running" in second.stderr
        assert first.poll() is None  # A still held the lock all along
    finally:
        await hold.rollback()
        await blocker.close()
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    runs = await AuditEntry.count().where(
        (AuditEntry.object_type == "sweep") & (AuditEntry.object_id == "run")
    )
    assert runs == 1


def test_the_deploy_unit_runs_the_command_line_this_test_starts():
    from pathlib import Path

    unit = (Path(__file__).parents[2] / "deploy" / "workflow.service").read_text()
    [start] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    words = start.removeprefix("ExecStart=").split()
    assert words[0].endswith("/workflow") and words[1] == "serve"
    options = dict(zip(words[2::2], words[3::2], strict=True))
    tested = dict(zip(_serve_args(2)[::2], _serve_args(2)[1::2], strict=True))
    assert set(options) == set(tested) | {"--port"}, options
    assert options["--host"] == tested["--host"] and options["--workers"] == "${WORKFLOW_WORKERS}"
