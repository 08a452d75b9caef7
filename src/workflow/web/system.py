"""Routes that describe the service itself: health, the home page, a no-op for bench."""

from __future__ import annotations

import time

from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Template
from msgspec import Struct
from piccolo.apps.migrations.tables import Migration

from workflow.core.settings import get_settings
from workflow.db import current_engine, is_sqlite
from workflow.db.health import pending_migrations, place_problem, write_problem
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
    # Why the service cannot take work now (empty when ready).
    problems: list[str] = []


async def _problems() -> tuple[list[str], int]:
    """What stops the service from working now, and how many migrations are applied."""
    try:
        applied = await Migration.count()
        pending = await pending_migrations()
        cannot_write = await write_problem()
    except Exception as exc:  # the probe must report, not fail
        why = place_problem() or f"the database cannot be reached or used ({type(exc).__name__})"
        return [why], 0
    problems = [cannot_write] if cannot_write else []
    if pending:
        problems.append(f"{len(pending)} migration(s) not applied: run `workflow migrate`")
    return problems, applied


@get("/health", opt=allow(ANONYMOUS), tags=["system"])
async def health() -> Health:
    """The database's state, for people. 200 even when the database is down, so it can
    say why: ``status`` is then ``degraded`` and ``problems`` lists what is wrong. Probes
    use ``/health/live`` and ``/health/ready``."""
    started = time.perf_counter()
    problems, applied = await _problems()
    latency = round((time.perf_counter() - started) * 1000, 2)
    return Health(
        status="degraded" if problems else "ok",
        database=DatabaseHealth(
            engine="sqlite" if is_sqlite(current_engine()) else "postgresql",
            reachable=applied > 0,
            latency_ms=latency,
            applied_migrations=applied,
        ),
        problems=problems,
    )


class Probe(Struct):
    status: str
    problems: list[str] = []


@get("/health/live", opt=allow(ANONYMOUS), tags=["system"])
async def live() -> Probe:
    """The process answers (no database involved): restart it if this fails."""
    return Probe(status="alive")


@get(
    "/health/ready",
    opt=allow(ANONYMOUS),
    tags=["system"],
    responses={503: ResponseSpec(Probe, description="not ready: the problems say why")},
)
async def ready() -> Response[Probe]:
    """Ready for work: the database answers, a write transaction can begin (and on
    SQLite there is room to write), and every migration is applied. 503 with
    ``Retry-After`` otherwise: send no traffic here until it passes."""
    problems, _ = await _problems()
    if not problems:
        return Response(Probe(status="ready"))
    retry = str(get_settings().unavailable_retry_after_seconds)
    body = Probe(status="not ready", problems=problems)
    return Response(body, status_code=503, headers={"Retry-After": retry})


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


ROUTES = [health, live, ready, home, noop]
