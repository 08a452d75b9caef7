"""Browser tests: a real ``workflow serve`` process on the test database, driven by
Debian's Chromium through Playwright (``executable_path``; no browser download).

Screenshots go to ``tests/browser/artifacts/`` (ignored by git), kept after the run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from tests.server import running_server

CHROMIUM = os.environ.get("WORKFLOW_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
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


@pytest.fixture
def live_server(db):
    """``workflow serve`` on this test's database, stopped at the end of the test."""
    with running_server(db.url, development="1") as server:
        yield server


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
    """``await screenshot("name")`` saves ``tests/browser/artifacts/<test>-<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    async def take(name: str) -> Path:
        path = ARTIFACTS / f"{stem}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path

    return take
