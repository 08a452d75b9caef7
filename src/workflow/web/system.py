"""Routes that describe the service itself: health, the home page, a no-op for bench."""

from __future__ import annotations

import time

from litestar import get
from litestar.response import Template
from msgspec import Struct
from piccolo.apps.migrations.tables import Migration

from workflow.db import current_engine, is_sqlite
from workflow.diagrams.service import machines as diagram_machines
from workflow.web.auth import ALL_ROLES, ANONYMOUS, allow


class DatabaseHealth(Struct):
    engine: str
    reachable: bool
    latency_ms: float
    applied_migrations: int


class Health(Struct):
    status: str
    database: DatabaseHealth


@get("/health", opt=allow(ANONYMOUS), tags=["system"])
async def health() -> Health:
    """Liveness and the database's state. 200 even when the database is down, so a
    probe can read why; ``status`` is then ``degraded``."""
    engine = current_engine()
    started = time.perf_counter()
    try:
        applied, reachable = await Migration.count(), True
    except Exception:  # the probe must report, not fail
        applied, reachable = 0, False
    latency = round((time.perf_counter() - started) * 1000, 2)
    return Health(
        status="ok" if reachable else "degraded",
        database=DatabaseHealth(
            engine="sqlite" if is_sqlite(engine) else "postgresql",
            reachable=reachable,
            latency_ms=latency,
            applied_migrations=applied,
        ),
    )


@get("/", opt=allow(ANONYMOUS), include_in_schema=False)
async def home() -> Template:
    """A small page for newcomers, linking to the API docs, the admin and the diagrams."""
    return Template(template_name="pages/home.html", context={"machines": diagram_machines()})


class Pong(Struct):
    ok: bool


@get("/noop", opt=allow(*ALL_ROLES), tags=["system"])
async def noop() -> Pong:
    """Authenticated no-op: the baseline the benchmark compares events against."""
    return Pong(ok=True)


ROUTES = [health, home, noop]
