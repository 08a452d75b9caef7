"""The PostgreSQL role the service runs as (``workflow db runtime-role NAME``) owns no
table: connected as it, history and the audit log can be read and appended to but not
updated, deleted, truncated, nor their triggers disabled or skipped with
``session_replication_role``; and the whole service (sign-in, onboarding, every
lifecycle event, the audit log) runs normally as it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from urllib.parse import urlparse

import asyncpg
import httpx
import pytest

from tests.conftest import PG_ADMIN_DSN
from tests.helpers import active_assister, bearer, fire_ok
from tests.server import running_server
from workflow.tables import AuditEntry, History

FORBIDDEN = [
    "UPDATE history SET reason = 'rewritten'",
    "DELETE FROM history",
    "UPDATE audit_log SET outcome = 'success'",
    "DELETE FROM audit_log",
    "TRUNCATE history",
    "TRUNCATE audit_log",
    "ALTER TABLE history DISABLE TRIGGER ALL",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "SET session_replication_role = replica",
    "DROP TABLE history",
    "CREATE TABLE sneaky (i int)",
    "INSERT INTO migration (name, app_name, ran_on) VALUES ('x', 'workflow', now())",
]


def _as(url: str, role: str, password: str) -> str:
    parsed = urlparse(url)
    return f"postgresql://{role}:{password}@{parsed.hostname}:{parsed.port}{parsed.path}"


async def test_the_runtime_role_cannot_rewrite_history_and_the_service_runs_as_it(db):
    if db.is_sqlite:
        pytest.skip("database roles are PostgreSQL's; SQLite has no users")
    role, password = f"wf_rt_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    env = {**os.environ, "WORKFLOW_DATABASE_URL": db.url, "RT_PASSWORD": password}
    done = subprocess.run(
        [sys.executable, "-m", "workflow.cli.main", "db", "runtime-role", role,
         "--password-env", "RT_PASSWORD"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"created role {role}" in done.stdout and password not in done.stdout
    url = _as(db.url, role, password)
    try:
        with running_server(url) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
                admin = bearer(server.first_token)
                ana = await active_assister(client, admin)
                await fire_ok(client, admin, ana["id"], "deactivate", reason="left")
                history = await client.get(f"/assisters/{ana['id']}/history", headers=admin)
                assert history.status_code == 200 and len(history.json()) >= 5
                assert (await client.get("/health/ready")).status_code == 200
        assert await History.count() >= 5 and await AuditEntry.count() > 0

        conn = await asyncpg.connect(url)
        try:
            role_row = await conn.fetchrow(
                "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
                "WHERE rolname = current_user"
            )
            assert not any(role_row.values())
            for statement in FORBIDDEN:
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(statement)
            # Reading and appending are what the service needs.
            assert await conn.fetchval("SELECT count(*) FROM history") >= 5
            await conn.execute(
                "INSERT INTO audit_log (at, actor, role, action, object_type, object_id, "
                "outcome, detail, source, correlation_id) VALUES (now(), 'test', '', 'probe', "
                "'', '', 'success', '{}', '', '')"
            )
        finally:
            await conn.close()
    finally:
        owner = await asyncpg.connect(db.url)
        try:
            await owner.execute(f'DROP OWNED BY "{role}"')
        finally:
            await owner.close()
        superuser = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await superuser.execute(f'DROP ROLE IF EXISTS "{role}"')
        finally:
            await superuser.close()
