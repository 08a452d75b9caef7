"""A database that cannot be reached, or cannot write, answers 503 with Retry-After on
every route (the API, the pages, the admin), never a 500; the health probes tell the
truth: live answers, ready does not."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import threading
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.test_route_roles import served_routes
from tests.server import free_port
from workflow.accounts.service import NewUser, create_user
from workflow.app import create_app
from workflow.db import connect, current_engine, disconnect, engine_from_url, migrate, use_engine

BEARER = {"Authorization": "Bearer wf_" + "x" * 43}
# Routes that need no database at all: drawn from the declarations or static.
# (With a bearer token they answer 503 too: the token is checked in the database.)
NO_DATABASE = {"/", "/health/live", "/health", "/diagrams", "/diagrams.html", "/consumer",
               "/consumer/login", "/diagrams/{file:str}"}  # fmt: skip


def _url(path: str) -> str:
    path = path.replace("{file:str}", "assister.mmd")
    return re.sub(r"\{\w+:int\}", "1", re.sub(r"\{machine:str\}", "assister",
                  re.sub(r"\{event:str\}", "lapse", path)))  # fmt: skip


async def _every_route(app) -> list[tuple[str, str, httpx.Response]]:
    transport = httpx.ASGITransport(app=app)
    answers = []
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        for method, path in sorted(served_routes(app)):
            r = await c.request(method, _url(path), headers=BEARER, json={"reason": "x"})
            answers.append((method, path, r))
        for path in ("/health/live", "/health", "/health/ready", "/"):  # as probes call them
            answers.append(("GET", f"{path} (no token)", await c.get(path)))
        c.cookies.set("id", "a-staff-session")
        # Pages with a session cookie look the session up: 503 too.
        c.cookies.set("workflow_session", "a-consumer-session")
        c.cookies.set("workflow_portal", "an-assister-session")
        pages = (("GET", "/consumer/assister"), ("GET", "/assister"), ("GET", "/agency"))
        for method, path in (("GET", "/admin/api/user/"), ("GET", "/staff/dashboard"), *pages):
            answers.append((method, f"{path} (with a session)", await c.request(method, path)))
        r = await c.post("/admin/public/login/", json={"username": "a", "password": "b"})
        answers.append(("POST", "/admin/public/login/", r))
    return answers


def _check(answers) -> None:
    wrong = [
        f"{method} {path}: {r.status_code} {r.text[:100]}"
        for method, path, r in answers
        if r.status_code >= 500
        and (r.status_code != 503 or "retry-after" not in r.headers)
        or (_needs_database(path) and r.status_code != 503)
    ]
    assert not wrong, "\n".join(wrong)


# Browser pages answer without the database when no session cookie comes with the
# request: the sign-in page, a redirect to it (303), or a refused form (403, no CSRF).
PAGES = re.compile(r"^/(consumer|assister|agency|portal)(/|$)")


def _needs_database(path: str) -> bool:
    if path.endswith("(with a session)"):
        return True
    path = path.split()[0]
    return path not in NO_DATABASE and not PAGES.match(path)


@contextlib.asynccontextmanager
async def engine_at(url: str, **pool):
    previous = current_engine()
    engine = engine_from_url(url)
    use_engine(engine)
    try:
        if pool:
            await engine.start_connection_pool(**pool)
        yield engine
    finally:
        await disconnect(engine)
        use_engine(previous)


async def test_postgresql_that_nothing_answers_is_503_everywhere():
    # A pool that connects on demand, as after a restart: every connection is refused.
    async with engine_at(f"postgresql://127.0.0.1:{free_port()}/gone", min_size=0, max_size=2):
        app = create_app(manage_database=False)
        answers = await _every_route(app)
        _check(answers)
        by_path = {path: r for _, path, r in answers}
        assert by_path["/health/live (no token)"].status_code == 200
        assert by_path["/ (no token)"].status_code == 200
        assert by_path["/health (no token)"].json()["status"] == "degraded"
        ready = by_path["/health/ready (no token)"]
        assert ready.status_code == 503 and int(ready.headers["retry-after"]) > 0
        assert "cannot be reached" in ready.json()["problems"][0]
        assert "nothing was changed" in by_path["/assisters"].json()["detail"]


@contextlib.contextmanager
def small_disk(tmp_path):
    """A 6 MiB file system of its own (root only: a tmpfs mount)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a small file system needs root to mount (run as root, as CI does)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(folder)])
    if done.returncode != 0:
        pytest.skip("this machine may not mount a tmpfs")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)])


async def test_sqlite_on_a_full_disk_is_503_and_not_ready(tmp_path):
    with small_disk(tmp_path) as disk:
        async with engine_at(f"sqlite:///{disk / 'db.sqlite'}"):
            await connect()
            await migrate()
            admin = await create_user(NewUser(username="boss", role="admin"))
            app = create_app(manage_database=False)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                token = {"Authorization": f"Bearer {admin.token}"}
                assert (await c.get("/health/ready")).status_code == 200
                _fill(disk)
                statuses = []
                for i in range(30):
                    r = await c.post(
                        "/organizations",
                        json={"name": f"Org {i} " + "x" * 150, "kind": "navigator_entity"},
                        headers=token,
                    )
                    statuses.append(r.status_code)
                    assert r.status_code != 500, r.text
                assert 503 in statuses, statuses
                ready = await c.get("/health/ready")
                assert ready.status_code == 503 and "full" in str(ready.json()["problems"])
                assert (await c.get("/health")).json()["status"] == "degraded"


def _fill(folder) -> None:
    with open(folder / "filler", "wb") as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 65536)
            f.flush()


class Proxy:
    """A TCP relay in front of PostgreSQL that can be stopped and started again, as a
    restart looks to the service: pooled connections die, new ones are refused. It runs
    on a loop of its own (piccolo connects once synchronously, from another thread)."""

    def __init__(self, target: tuple[str, int], port: int):
        self.target, self.port = target, port
        self.server = None
        self.pipes: set = set()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def _run(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def start(self) -> None:
        async def start():
            self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

        self._run(start())

    def stop(self) -> None:
        async def stop():
            self.server.close()
            for writer in list(self.pipes):
                writer.transport.abort()
            await self.server.wait_closed()

        self._run(stop())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _relay(self, reader, writer) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.pipes |= {writer, up_writer}

        async def pump(src, dst):
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))


async def test_a_postgresql_restart_is_503_then_work_resumes(db, admin):
    if db.is_sqlite:
        pytest.skip("a server restart is PostgreSQL's; SQLite's full disk is tested above")
    target = urlparse(db.url)
    proxy = Proxy((target.hostname, target.port), free_port())
    proxy.start()
    url = f"postgresql://{target.hostname}:{proxy.port}{target.path}"
    try:
        async with engine_at(url, min_size=1, max_size=4):
            app = create_app(manage_database=False)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                assert (await c.get("/assisters", headers=admin)).status_code == 200
                proxy.stop()  # the server goes away mid-life
                for _ in range(5):
                    r = await c.get("/assisters", headers=admin)
                    assert r.status_code == 503 and r.headers["retry-after"], r.text
                    body = {"name": "During", "kind": "navigator_entity"}
                    r = await c.post("/organizations", headers=admin, json=body)
                    assert r.status_code == 503, r.text
                assert (await c.get("/health/ready")).status_code == 503
                proxy.start()  # back: the pool connects again
                for _ in range(3):
                    r = await c.get("/assisters", headers=admin)
                    if r.status_code == 200:
                        break
                assert r.status_code == 200, r.text
                assert (await c.get("/health/ready")).status_code == 200
    finally:
        with contextlib.suppress(Exception):
            proxy.stop()
        proxy.close()


@contextlib.contextmanager
def read_only_view(folder):
    """``folder`` seen through a read-only bind mount (root only)."""
    view = folder.parent / f"{folder.name}-ro"
    view.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a read-only mount needs root (run as root, as CI does)")
    if subprocess.run(["mount", "--bind", str(folder), str(view)]).returncode != 0:
        pytest.skip("this machine may not bind-mount")
    try:
        assert subprocess.run(["mount", "-o", "remount,bind,ro", str(view)]).returncode == 0
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)])


async def test_sqlite_on_a_read_only_file_system_is_503_and_not_ready(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    async with engine_at(f"sqlite:///{folder / 'db.sqlite'}"):
        await connect()
        await migrate()
        admin = await create_user(NewUser(username="boss", role="admin"))
    with read_only_view(folder) as view:
        async with engine_at(f"sqlite:///{view / 'db.sqlite'}"):
            app = create_app(manage_database=False)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                token = {"Authorization": f"Bearer {admin.token}"}
                body = {"name": "Read-only", "kind": "navigator_entity"}
                for _ in range(3):
                    r = await c.post("/organizations", json=body, headers=token)
                    assert r.status_code == 503 and r.headers["retry-after"], r.text
                ready = await c.get("/health/ready")
                assert ready.status_code == 503 and "read-only" in str(ready.json()["problems"])
