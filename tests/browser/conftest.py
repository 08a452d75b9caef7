"""Browser tests: a real ``workflow serve`` process on the test database, driven by
Debian's Chromium through Playwright (``executable_path``; no browser download).

Screenshots go to ``test-artifacts/`` at the repository root, kept after the run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright

CHROMIUM = os.environ.get("WORKFLOW_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without these, Chromium keeps trying to reach Google's hosts on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    url: str
    output: str  # what ``serve`` printed before it started serving

    @property
    def first_admin(self) -> tuple[str, str] | None:
        """(username, password) printed on first start, if this start created them."""
        user = re.search(r"username: (\S+)", self.output)
        password = re.search(r"password: (\S+)", self.output)
        return (user.group(1), password.group(1)) if user and password else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def live_server(db):
    """``workflow serve`` on this test's database, stopped at the end of the test."""
    port = _free_port()
    env = {
        **os.environ,
        "WORKFLOW_DATABASE_URL": db.url,
        "WORKFLOW_DEVELOPMENT": "1",
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "workflow.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("serving on"):
            break
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{url}/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise AssertionError("server did not start:\n" + "".join(seen))
    try:
        yield LiveServer(url, "".join(seen))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
async def browser():
    if not Path(CHROMIUM).exists():
        raise AssertionError(
            f"{CHROMIUM} is missing: install Debian's chromium (make test does) "
            "or point WORKFLOW_TEST_CHROMIUM at a Chromium binary"
        )
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser):
    context = await browser.new_context()
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
def screenshot(page, request):
    """``await screenshot("name")`` saves ``test-artifacts/<test>-<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    async def take(name: str) -> Path:
        path = ARTIFACTS / f"{stem}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path

    return take
