"""Start a real ``workflow serve`` process for a test and stop it afterwards."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx


@dataclass
class RunningServer:
    url: str
    output: str  # what ``serve`` printed before it started serving
    log: list[str] = field(default_factory=list)  # every line after that (access log, errors)

    @property
    def first_admin(self) -> tuple[str, str] | None:
        """(username, password) printed on first start, if this start created them."""
        user = re.search(r"username: (\S+)", self.output)
        password = re.search(r"password: (\S+)", self.output)
        return (user.group(1), password.group(1)) if user and password else None

    @property
    def first_token(self) -> str | None:
        token = re.search(r"API token: (\S+)", self.output)
        return token.group(1) if token else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(
    database_url: str, *args: str, port: int | None = None, **env: str
) -> Iterator[RunningServer]:
    """``args`` go to ``serve`` (e.g. ``--workers``, ``3``)."""
    port = port or free_port()
    environment = {
        **os.environ,
        "WORKFLOW_DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        **{f"WORKFLOW_{k.upper()}": v for k, v in env.items()},
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "workflow.cli.main", "serve", "--port", str(port), *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = _read_until_serving(proc)
        server = RunningServer(f"http://127.0.0.1:{port}", output)
        # Keep reading: a full pipe would block the server on its next log line.
        reader = threading.Thread(target=_drain, args=(proc, server.log), daemon=True)
        reader.start()
        _wait_healthy(server.url, proc, output)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _drain(proc: subprocess.Popen, into: list[str]) -> None:
    for line in proc.stdout:
        into.append(line)


def _read_until_serving(proc: subprocess.Popen) -> str:
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("serving on"):
            return "".join(seen)
    raise AssertionError("server did not start:\n" + "".join(seen))


def _wait_healthy(url: str, proc: subprocess.Popen, output: str) -> None:
    deadline = time.monotonic() + 90  # several workers on a busy machine start slowly
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/health", timeout=1)
            return
        except httpx.TransportError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    raise AssertionError(f"server never answered /health:\n{output}")
