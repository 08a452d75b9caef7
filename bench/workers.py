"""Events per second through one worker and through three, on one PostgreSQL database,
in the same run.

Creates a scratch database, starts two ``workflow serve`` processes on it: one with
``--workers 1`` and one with ``--workers 3`` (the second idles while the first is
measured, and the other way round), onboards ``--clients`` × ``--assisters`` navigators
and alternates ``--runs`` times: ``--seconds`` of lifecycle events (the mix of
``bench/events.py``) against one worker, then against three. Ends with one line::

    bench: workers events/s 1=NNN 3=NNN ratio=R.RR p99 1=NNms 3=NNms

    python bench/workers.py [--seconds 10] [--clients 24] [--assisters 8] [--runs 3]
                            [--postgres-admin URL]

This machine has two cores shared by the workers, PostgreSQL and the load generator:
three workers can use both cores (one worker uses at most one), not three.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from events import (
    CYCLE,
    Numbers,
    drive,
    drop_postgres,
    figures,
    free_port,
    onboard,
    scratch_postgres,
    show,
)


def start(url: str, port: int, workers: int, log: Path) -> subprocess.Popen:
    """``workflow serve`` as deploy/workflow.service runs it; its output goes to ``log``."""
    env = {**os.environ, "WORKFLOW_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "workflow.cli.main",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    with log.open("w") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def first_token(log: Path) -> str:
    found = re.search(r"API token: (\S+)", log.read_text())
    if not found:
        raise SystemExit("the first server printed no first-start token:\n" + log.read_text())
    return found.group(1)


async def wait_up(port: int) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(600):
            try:
                if (await client.get("/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"the server on {port} never became ready")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--assisters", type=int, default=8, help="per client")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=5, help="seconds per server, unmeasured")
    parser.add_argument("--postgres-admin", default="postgresql://127.0.0.1:5432/postgres")
    args = parser.parse_args()
    os.environ.setdefault("WORKFLOW_MFA_ENCRYPTION_KEY", os.urandom(32).hex())
    name, url = await scratch_postgres(args.postgres_admin)
    servers = []
    try:
        one, three = free_port(), free_port()
        logs = Path(tempfile.mkdtemp(prefix="workflow-bench-"))
        servers.append(start(url, one, 1, logs / "one.log"))
        await wait_up(one)
        token = first_token(logs / "one.log")
        servers.append(start(url, three, 3, logs / "three.log"))
        await wait_up(three)
        walkers = await onboard(one, token, args.clients, args.assisters)
        numbers = Numbers(url)
        await numbers.open()

        async def event(i: int):
            assister, step = walkers[i].next()
            event_name, data, reason = CYCLE[step]
            if data == "number":
                number = await numbers.latest(assister["id"])
                data = {"registration_number": number, "email": assister["email"]}
            body = {k: v for k, v in (("data", data), ("reason", reason)) if v}
            path = f"/assisters/{assister['id']}/events/{event_name}"
            return "POST", path, json.dumps(body).encode()

        print(f"PostgreSQL: {args.clients} clients, {args.clients * args.assisters} assisters, "
              f"{args.seconds:.0f} s per phase, {args.runs} runs")  # fmt: skip
        # Each worker builds its models, templates and pool on first use: not measured.
        for port in (one, three):
            await drive(port, token, args.warmup, args.clients, event)
        results = {1: [], 3: []}
        for run in range(1, args.runs + 1):
            for workers, port in ((1, one), (3, three)):
                f = figures(*await drive(port, token, args.seconds, args.clients, event))
                show(f"run {run}: {workers} worker(s)", f)
                results[workers].append(f)
        await numbers.close()
        rate = {w: statistics.median(f["per_s"] for f in fs) for w, fs in results.items()}
        p99 = {w: statistics.median(f["p99_ms"] for f in fs) for w, fs in results.items()}
        print(f"bench: workers events/s 1={rate[1]:.0f} 3={rate[3]:.0f} "
              f"ratio={rate[3] / rate[1]:.2f} p99 1={p99[1]:.0f}ms 3={p99[3]:.0f}ms")  # fmt: skip
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=30)
        await drop_postgres(args.postgres_admin, name)


if __name__ == "__main__":
    asyncio.run(main())
