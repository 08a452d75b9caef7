"""The ``workflow`` command, run as a real process against the test database."""

import contextlib
import os
import subprocess
import sys

import httpx
import pytest

from tests.helpers import bearer
from tests.server import running_server
from workflow.core.settings import get_settings
from workflow.tables import Assister, History, TrainingRecord


def run_cli(db, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKFLOW_DATABASE_URL": db.url}
    return subprocess.run(
        [sys.executable, "-m", "workflow.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_users_create_prints_a_working_token_last(client, db):
    done = run_cli(db, "users", "create", "dana", "--role", "admin")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("wf_")
    r = await client.get("/assisters", headers=bearer(token))
    assert r.status_code == 200


async def test_users_create_refuses_bad_input_clearly(db):
    done = run_cli(db, "users", "create", "x", "--role", "assister")
    assert done.returncode == 2 and "--assister-id" in done.stderr
    done = run_cli(db, "users", "create", "x", "--role", "wizard")
    assert done.returncode == 2 and "invalid choice" in done.stderr
    assert run_cli(db, "users", "create", "same", "--role", "support").returncode == 0
    again = run_cli(db, "users", "create", "same", "--role", "support")
    assert again.returncode == 2 and "taken" in again.stderr


async def test_assister_user_is_tied_to_the_assister(client, db, admin):
    r = await client.post(
        "/assisters", json={"kind": "broker", "name": "B", "email": "b@x.org"}, headers=admin
    )
    aid = r.json()["id"]
    done = run_cli(db, "users", "create", "bee", "--role", "assister", "--assister-id", str(aid))
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert (await client.get(f"/assisters/{aid}", headers=bearer(token))).status_code == 200


async def test_migrate_is_idempotent(db):
    first = run_cli(db, "migrate")
    assert first.returncode == 0, first.stderr
    assert run_cli(db, "migrate").returncode == 0


async def test_demo_loads_every_state_with_history(db):
    done = run_cli(db, "demo")
    assert done.returncode == 0, done.stderr
    count = await Assister.count()
    again = run_cli(db, "demo")  # a second run adds nothing and says so
    assert again.returncode == 0 and "left as it is" in again.stdout
    assert await Assister.count() == count
    states = {r["state"] for r in await Assister.select(Assister.state)}
    assert states == {
        "onboarded",
        "trained",
        "exam_passed",
        "registered",
        "active",
        "lapsed",
        "deactivated",
    }
    # demo actives are certified for today's training year, whatever today is
    settings = get_settings()
    this_year = settings.calendar.training_year(settings.today())
    years = {r["training_year"] for r in await TrainingRecord.select(TrainingRecord.training_year)}
    assert years == {this_year}
    for row in await Assister.select(Assister.id, Assister.version):
        rows = await History.count().where(
            (History.machine == "assister") & (History.entity_id == row["id"])
        )
        assert rows == row["version"]  # one history row per applied event
    failed = await History.count().where(
        (History.event == "record_exam") & (History.to_state == "trained")
    )
    assert failed >= 1


async def test_serve_first_start_creates_admin_once(db):
    with running_server(db.url) as server:
        username, password = server.first_admin
        assert username == "admin" and len(password) >= 12
        assert httpx.get(f"{server.url}/health").json()["status"] == "ok"
        r = httpx.get(f"{server.url}/assisters", headers=bearer(server.first_token))
        assert r.status_code == 200
    with running_server(db.url) as again:
        assert again.first_admin is None  # the admin exists now: nothing printed
        assert "password" not in again.output


def test_a_database_that_cannot_be_used_is_one_line_not_a_traceback(tmp_path):
    urls = {
        "mysql://x/y": "unsupported database URL",
        "postgresql://bob:secret@127.0.0.1:1/x": "cannot reach the database",
        f"sqlite:///{tmp_path}/missing/folder/x.sqlite": "missing/folder does not exist",
    }
    for url, words in urls.items():
        env = {**os.environ, "WORKFLOW_DATABASE_URL": url}
        done = subprocess.run(
            [sys.executable, "-m", "workflow.cli.main", "migrate"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr
        assert "secret" not in done.stderr


async def test_sweep_into_the_future_only_as_a_dry_run(db):
    future = "2099-11-01"
    done = run_cli(db, "sweep", "--as-of", future)
    assert done.returncode == 2 and "--dry-run" in done.stderr
    dry = run_cli(db, "sweep", "--as-of", future, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert run_cli(db, "sweep").returncode == 0


async def test_users_create_holds_consumer_fields_to_the_api_rules(db):
    cases = {
        ("--phone", "5" * 60): "phone:",
        ("--phone", "call me"): "phone:",
        ("--full-name", "Ann 123-45-6789"): "Social Security Number",
    }
    for (flag, value), words in cases.items():
        done = run_cli(db, "users", "create", "ann", "--role", "consumer", flag, value)
        assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


@contextlib.contextmanager
def read_only_folder(tmp_path):
    """A folder this user cannot write: a read-only tmpfs as root (root writes through
    permission bits), else one without write permission."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)])
    if mounted.returncode != 0:
        pytest.skip("running as root where no read-only file system can be mounted")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)])


def test_a_read_only_folder_is_named_as_the_cause(tmp_path):
    with read_only_folder(tmp_path) as folder:
        env = {**os.environ, "WORKFLOW_DATABASE_URL": f"sqlite:///{folder}/x.sqlite"}
        done = subprocess.run(
            [sys.executable, "-m", "workflow.cli.main", "migrate"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "is read-only" in done.stderr and "does not exist" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_several_workers_on_postgresql_need_the_mfa_key():
    env = {k: v for k, v in os.environ.items() if k != "WORKFLOW_MFA_ENCRYPTION_KEY"}
    env["WORKFLOW_DATABASE_URL"] = "postgresql://127.0.0.1:1/never"
    done = subprocess.run(
        [sys.executable, "-m", "workflow.cli.main", "serve", "--workers", "3"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "WORKFLOW_MFA_ENCRYPTION_KEY is not set" in done.stderr
    assert "could not be read by another" in done.stderr and "Traceback" not in done.stderr


def test_runtime_role_is_for_postgresql_and_names_its_rules(tmp_path):
    cases = {
        f"sqlite:///{tmp_path}/x.sqlite": ("workflow_app", "runtime roles are for PostgreSQL"),
        # Refused before the database is touched (nothing listens on port 1).
        "postgresql://127.0.0.1:1/never": ("Robert'); DROP", "lower-case letters"),
    }
    for url, (name, words) in cases.items():
        env = {**os.environ, "WORKFLOW_DATABASE_URL": url}
        done = subprocess.run(
            [sys.executable, "-m", "workflow.cli.main", "db", "runtime-role", name],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 2 and words in done.stderr, done.stderr
