"""Events per second through HTTP, beside the same server's no-op endpoint.

Starts ``workflow serve`` on a scratch database (SQLite by default, ``--postgres URL`` for
PostgreSQL), creates assisters, then drives 16 concurrent clients: first ``GET /noop``
(authenticated, so the baseline includes token lookup), then lifecycle events that cycle
``complete_training`` / ``lapse`` on each client's own assisters. Prints events/s and
p50/p99 latency for both, and the in-process rate of deciding an event on the machine.

    python bench/events.py [--seconds 10] [--clients 16] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "WORKFLOW_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workflow.cli.main",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
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

    async def request(self, method: str, path: str) -> tuple[int, bytes]:
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self.token}"
            f"\r\nContent-Length: 0\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def drive(port, token, seconds: float, clients: int, request_for) -> list[float]:
    """Run ``clients`` connections for ``seconds``; each asks ``request_for(i, n)`` for its
    n-th request and checks it succeeded. Returns per-request latencies."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def loop(i: int) -> None:
        conn = Connection(port, token)
        await conn.open()
        n = 0
        try:
            while time.perf_counter() < deadline:
                method, url = request_for(i, n)
                started = time.perf_counter()
                status, body = await conn.request(method, url)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    raise SystemExit(f"{method} {url} -> {status}: {body[:300]!r}")
                n += 1
        finally:
            conn.close()

    await asyncio.gather(*(loop(i) for i in range(clients)))
    return latencies


def summary(name: str, latencies: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    figures = {
        "per_s": len(latencies) / seconds,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": p99 * 1000,
    }
    print(
        f"{name:<28} {figures['per_s']:>9.0f}/s   p50 {figures['p50_ms']:>6.1f} ms"
        f"   p99 {figures['p99_ms']:>6.1f} ms   ({len(latencies)} requests)"
    )
    return figures


def machine_rate(seconds: float = 2.0) -> float:
    from workflow.assisters.machine import ASSISTER

    facts = {
        "kind": "navigator",
        "npn_status": "not_checked",
        "registration_number_hash": None,
        "registration_email": None,
        # What training_facts loads for the course and year guards.
        "current_training_year": 2027,
        "state_years": [2027],
        "courses_by_year": {2027: ["full"]},
        "pass_marks": {"full": 80, "refresher": 80, "overview": 80},
        "exempt": False,
        "refresher_eligible": False,
        "default_course": "full",
    }
    n, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        ASSISTER.decide("trained", "record_exam", facts, {"score": 90})
        ASSISTER.decide("onboarded", "complete_training", facts, {})
        n += 2
    return n / seconds


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--postgres", help="a PostgreSQL URL to an empty database")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="workflow-bench-"))
    url = args.postgres or f"sqlite:///{scratch / 'bench.sqlite'}"
    port = free_port()
    proc, token = start_server(url, port)
    limits = httpx.Limits(max_connections=args.clients)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=30
        ) as client:
            await wait_ready(client)
            org = (
                await client.post(
                    "/organizations", json={"name": "Bench", "kind": "navigator_entity"}
                )
            ).json()["id"]
            ids = []
            for i in range(args.clients):
                r = await client.post(
                    "/assisters",
                    json={
                        "kind": "navigator",
                        "name": f"Bench {i}",
                        "email": f"b{i}@example.org",
                        "organization_id": org,
                    },
                )
                ids.append(r.json()["id"])

            print(
                f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; "
                f"{args.clients} concurrent clients, {args.seconds:.0f} s each"
            )
            noop = summary(
                "GET /noop (authenticated)",
                await drive(port, token, args.seconds, args.clients, lambda i, n: ("GET", "/noop")),
                args.seconds,
            )
            cycle = ("complete_training", "lapse")
            events = summary(
                "POST .../events/{event}",
                await drive(
                    port,
                    token,
                    args.seconds,
                    args.clients,
                    lambda i, n: ("POST", f"/assisters/{ids[i]}/events/{cycle[n % 2]}"),
                ),
                args.seconds,
            )
            print(f"events/s as a share of no-op/s: {events['per_s'] / noop['per_s']:.0%}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"in-process machine decisions: {machine_rate():,.0f}/s (one machine per kind)")


if __name__ == "__main__":
    asyncio.run(main())
