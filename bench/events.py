"""Events per second through HTTP, beside the same server's authenticated no-op.

For each database (SQLite, then PostgreSQL on a scratch database it creates and drops),
starts ``workflow serve``, onboards ``--clients`` × ``--assisters`` navigators, then
alternates, ``--runs`` times: ``--seconds`` of ``GET /noop`` (authenticated: the baseline
includes the token check), then ``--seconds`` of lifecycle events. Each client walks its
own assisters round-robin through every lifecycle event in turn::

    complete_training, record_exam, register, activate, lapse, complete_training,
    record_exam, register, activate, deactivate, reinstate, (again)

The Registration Number an ``activate`` needs is read from the assister's latest
activation message, straight from the database, by the load generator (not timed as a
request). Prints each run, then the medians, and ends with one line::

    bench: events/no-op sqlite=NN% postgresql=NN% p99 sqlite=NNms postgresql=NNms

    python bench/events.py [--seconds 10] [--clients 16] [--assisters 16] [--runs 3]
                           [--engines sqlite,postgresql] [--postgres-admin URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

CYCLE = [
    ("complete_training", None, None),
    ("record_exam", {"score": 90}, None),
    ("register", {"agreements": ["individual"]}, None),
    ("activate", "number", None),
    ("lapse", None, "bench: deadline missed"),
    ("complete_training", None, None),
    ("record_exam", {"score": 90}, None),
    ("register", {"agreements": ["individual"]}, None),
    ("activate", "number", None),
    ("deactivate", None, "bench: left the program"),
    ("reinstate", None, "bench: came back"),
]
LATEST_NUMBER = (
    "SELECT body FROM messages WHERE assister = {} AND template = 'activation' "
    "ORDER BY id DESC LIMIT 1"
)
NUMBER = re.compile(r"Registration Number: (\S+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "WORKFLOW_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    env.setdefault("WORKFLOW_MFA_ENCRYPTION_KEY", os.urandom(32).hex())
    command = [sys.executable, "-m", "workflow.cli.main", "serve", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    out = []
    for line in proc.stdout:
        out.append(line)
        if line.startswith("serving on"):
            break
    token = re.search(r"API token: (\S+)", "".join(out))
    if not token:
        proc.kill()
        raise SystemExit("server did not print a first-start token:\n" + "".join(out))
    return proc, token.group(1)


async def wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise SystemExit("server never became healthy")


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator shares two cores with
    the server, and httpx spends more CPU per request than the no-op it measures."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        answer = await self.reader.readuntil(b"\r\n\r\n")
        status = int(answer[9:12])
        length = int(re.search(rb"(?i)content-length: (\d+)", answer).group(1))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


class Numbers:
    """Reads an assister's latest Registration Number straight from the database."""

    def __init__(self, url: str):
        self.url = url

    async def open(self) -> None:
        if self.url.startswith("sqlite"):
            path = self.url.removeprefix("sqlite:///")
            self.sqlite = sqlite3.connect(path, timeout=30, check_same_thread=False)
        else:
            self.pg = await asyncpg.create_pool(self.url, min_size=1, max_size=4)

    async def latest(self, assister_id: int) -> str:
        if self.url.startswith("sqlite"):
            row = self.sqlite.execute(LATEST_NUMBER.format("?"), (assister_id,)).fetchone()
        else:
            row = await self.pg.fetchrow(LATEST_NUMBER.format("$1"), assister_id)
        return NUMBER.search(row[0]).group(1)

    async def close(self) -> None:
        if self.url.startswith("sqlite"):
            self.sqlite.close()
        else:
            await self.pg.close()


@dataclass
class Walker:
    """One client's assisters, each at its own step of the cycle."""

    assisters: list[dict]
    steps: list[int]
    turn: int = 0

    def next(self) -> tuple[dict, int]:
        i = self.turn % len(self.assisters)
        self.turn += 1
        step = self.steps[i]
        self.steps[i] = (step + 1) % len(CYCLE)
        return self.assisters[i], step


async def drive(port, token, seconds, clients, request_for) -> tuple[list[float], float]:
    """``clients`` connections for ``seconds``; each awaits ``request_for(i)`` for its next
    (method, path, body), sends it and checks it succeeded. Returns the latencies and the
    time taken."""
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds

    async def loop(i: int) -> None:
        conn = Connection(port, token)
        await conn.open()
        try:
            while time.perf_counter() < deadline:
                method, path, body = await request_for(i)
                sent = time.perf_counter()
                status, answer = await conn.request(method, path, body)
                latencies.append(time.perf_counter() - sent)
                if status != 200:
                    raise SystemExit(f"{method} {path} {body!r} -> {status}: {answer[:300]!r}")
        finally:
            conn.close()

    await asyncio.gather(*(loop(i) for i in range(clients)))
    return latencies, time.perf_counter() - started


def figures(latencies: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "per_s": len(ordered) / seconds,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "n": len(ordered),
    }


def show(name: str, f: dict[str, float]) -> None:
    print(f"  {name:<26} {f['per_s']:>7.0f}/s   p50 {f['p50_ms']:>6.1f} ms   "
          f"p99 {f['p99_ms']:>6.1f} ms   ({f['n']} requests)")  # fmt: skip


async def onboard(port: int, token: str, clients: int, per_client: int) -> list[Walker]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers,
                                 timeout=60) as client:  # fmt: skip
        await wait_ready(client)
        org = (
            await client.post("/organizations", json={"name": "Bench", "kind": "navigator_entity"})
        ).json()["id"]
        walkers = []
        for c in range(clients):
            people = []
            for k in range(per_client):
                body = {"kind": "navigator", "name": f"Bench {c}-{k}",
                        "email": f"b{c}-{k}@example.org", "organization_id": org}  # fmt: skip
                people.append((await client.post("/assisters", json=body)).json())
            walkers.append(Walker(people, [0] * per_client))
        return walkers


async def measure(url: str, label: str, args) -> dict[str, float]:
    port = free_port()
    proc, token = start_server(url, port)
    numbers = Numbers(url)
    try:
        walkers = await onboard(port, token, args.clients, args.assisters)
        await numbers.open()

        async def noop(_: int):
            return "GET", "/noop", b""

        async def event(i: int):
            assister, step = walkers[i].next()
            name, data, reason = CYCLE[step]
            if data == "number":
                number = await numbers.latest(assister["id"])
                data = {"registration_number": number, "email": assister["email"]}
            body = {k: v for k, v in (("data", data), ("reason", reason)) if v}
            return "POST", f"/assisters/{assister['id']}/events/{name}", json.dumps(body).encode()

        print(f"{label}: {args.clients} clients, {args.clients * args.assisters} assisters, "
              f"{args.seconds:.0f} s per phase, {args.runs} runs")  # fmt: skip
        runs = []
        for run in range(1, args.runs + 1):
            base = figures(*await drive(port, token, args.seconds, args.clients, noop))
            events = figures(*await drive(port, token, args.seconds, args.clients, event))
            show(f"run {run}: GET /noop", base)
            show(f"run {run}: events (mixed)", events)
            runs.append({"ratio": events["per_s"] / base["per_s"], "p99": events["p99_ms"]})
        ratio = statistics.median(r["ratio"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        print(f"  median: events at {ratio:.0%} of the no-op's rate, event p99 {p99:.1f} ms")
        return {"ratio": ratio, "p99": p99}
    finally:
        await numbers.close()
        proc.terminate()
        proc.wait(timeout=30)


async def scratch_postgres(admin_url: str) -> tuple[str, str]:
    name = f"workflow_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"{admin_url.rsplit('/', 1)[0]}/{name}"


async def drop_postgres(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--assisters", type=int, default=16, help="per client")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres-admin", default="postgresql://127.0.0.1:5432/postgres",
                        help="where to create (and drop) the scratch database")  # fmt: skip
    args = parser.parse_args()
    results = {}
    for engine in args.engines.split(","):
        if engine == "sqlite":
            path = Path(tempfile.mkdtemp(prefix="workflow-bench-")) / "bench.sqlite"
            results[engine] = await measure(f"sqlite:///{path}", "SQLite", args)
        else:
            name, url = await scratch_postgres(args.postgres_admin)
            try:
                results[engine] = await measure(url, "PostgreSQL", args)
            finally:
                await drop_postgres(args.postgres_admin, name)
    shares = " ".join(f"{e}={r['ratio'] * 100:.0f}%" for e, r in results.items())
    p99s = " ".join(f"{e}={r['p99']:.0f}ms" for e, r in results.items())
    print(f"bench: events/no-op {shares} p99 {p99s}")


if __name__ == "__main__":
    asyncio.run(main())
