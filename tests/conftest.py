"""Fixtures: every database test runs on SQLite and on PostgreSQL.

``backend`` is session-scoped and parametrized, so pytest groups the tests per engine:
for SQLite it migrates a template file that each test copies; for PostgreSQL it creates
a database with a unique name, migrates it, truncates it between tests and drops it at
the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

# Before anything imports workflow: a throwaway default database, never the dev one.
_SCRATCH = Path(tempfile.mkdtemp(prefix="workflow-tests-"))
os.environ["WORKFLOW_DATABASE_URL"] = f"sqlite:///{_SCRATCH / 'default.sqlite'}"
os.environ.setdefault("PICCOLO_CONF", "workflow.piccolo_conf")
# Tests travel years through time; their tokens must outlive that (expiry is tested apart).
os.environ.setdefault("WORKFLOW_TOKEN_TTL_DAYS", "36500")
# The admin's CSRF check names the hosts it is served under; tests call it "testserver".
os.environ.setdefault("WORKFLOW_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Every test signs in from the same address; the admin's per-address limit is tested apart.
os.environ.setdefault("WORKFLOW_STAFF_LOGIN_RATE_LIMIT", "100000")
# A throwaway key for staff MFA secrets (otherwise one is written to ./mfa.key).
os.environ.setdefault("WORKFLOW_MFA_ENCRYPTION_KEY", os.urandom(32).hex())

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import pytest  # noqa: E402
from piccolo.apps.user.tables import BaseUser  # noqa: E402

from workflow.accounts.service import NewUser, create_user  # noqa: E402
from workflow.db import (  # noqa: E402
    all_tables,
    connect,
    disconnect,
    engine_from_url,
    migrate,
    use_engine,  # noqa: E402
)

PG_ADMIN_DSN = os.environ.get("WORKFLOW_TEST_PG", "postgresql://127.0.0.1:5432/postgres")

# Password hashing is deliberately slow (600k PBKDF2 rounds); tests create many users.
BaseUser._pbkdf2_iteration_count = 1_000


@dataclass
class Backend:
    name: str
    url: str
    engine: object
    template: Path | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SCRATCH, ignore_errors=True)


async def _create_pg_database() -> tuple[str, str]:
    name = f"workflow_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def backend(request):
    if request.param == "sqlite":
        template = _SCRATCH / f"template-{uuid.uuid4().hex[:8]}.sqlite"
        engine = engine_from_url(f"sqlite:///{template}")
        use_engine(engine)
        await migrate()
        await disconnect(engine)
        yield Backend("sqlite", f"sqlite:///{template}", engine, template)
        return
    name, url = await _create_pg_database()
    engine = engine_from_url(url)
    use_engine(engine)
    await migrate()
    await connect(engine)
    try:
        yield Backend("postgres", url, engine)
    finally:
        await disconnect(engine)
        await _drop_pg_database(name)


async def _truncate_postgres() -> None:
    from piccolo.apps.migrations.tables import Migration

    names = ", ".join(f'"{t._meta.tablename}"' for t in all_tables() if t is not Migration)
    async with Migration._meta.db.transaction():
        # Replica mode skips the append-only triggers, for this reset only.
        await Migration.raw("SET LOCAL session_replication_role = replica")
        await Migration.raw(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
async def db(backend):
    """A clean, migrated database on the current backend."""
    if backend.is_sqlite:
        path = _SCRATCH / f"test-{uuid.uuid4().hex[:8]}.sqlite"
        shutil.copy(backend.template, path)
        engine = engine_from_url(f"sqlite:///{path}")
        use_engine(engine)
        await connect(engine)
        yield Backend("sqlite", f"sqlite:///{path}", engine, backend.template)
        await disconnect(engine)
        path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        use_engine(backend.engine)
        await _truncate_postgres()
        yield backend


@pytest.fixture
async def client(db):
    from workflow.app import create_app

    # httpx's ASGITransport runs the app in this test's event loop (litestar's own
    # AsyncTestClient uses a separate thread, which a PostgreSQL pool cannot cross).
    transport = httpx.ASGITransport(app=create_app(manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def web(db):
    """A browser-like client: keeps cookies; https, because session cookies are Secure."""
    from workflow.app import create_app

    transport = httpx.ASGITransport(app=create_app(manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def make_user(db):
    """``await make_user("admin")`` → headers with a fresh bearer token for that role."""

    async def make(role: str, **kw) -> dict[str, str]:
        created = await create_user(
            NewUser(username=f"{role}-{uuid.uuid4().hex[:8]}", role=role, **kw)
        )
        return {"Authorization": f"Bearer {created.token}"}

    return make


@pytest.fixture
async def admin(make_user):
    return await make_user("admin")
