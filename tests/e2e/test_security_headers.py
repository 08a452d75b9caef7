"""Every response carries the security headers; HSTS only over HTTPS; answers to signed-in
callers are never cached; the access log never holds a query string."""

from __future__ import annotations

import httpx

from tests.server import running_server
from workflow.accounts.service import NewUser, create_user

PATHS = ["/", "/health", "/assisters", "/no-such-page", "/diagrams/assister.svg", "/admin/"]


async def test_headers_on_every_kind_of_response(client, web, admin):
    for path in PATHS:
        r = await client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"] or (
            path.endswith(".svg")
            and r.headers["content-security-policy"].startswith("default-src 'none'")
        ), path
        assert "strict-transport-security" not in r.headers, path
    secure = await web.get("/health")
    assert secure.headers["strict-transport-security"].startswith("max-age=")


async def test_pages_refuse_scripts_from_elsewhere(client):
    csp = (await client.get("/")).headers["content-security-policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-eval" not in csp and "script-src" not in csp  # scripts: same origin only


async def test_personal_answers_are_not_cached(client, admin):
    r = await client.get("/assisters", headers=admin)
    assert r.headers["cache-control"] == "no-store"
    r = await client.get("/diagrams/assister.mmd")
    assert "public" in r.headers["cache-control"]  # the machine itself is no secret


async def test_access_log_names_paths_not_queries(db):
    name = "Zelda Quintanilla"
    user = await create_user(NewUser(username="log-admin", role="admin"))
    headers = {"Authorization": f"Bearer {user.token}"}
    with running_server(db.url) as server:
        r = httpx.get(f"{server.url}/assisters", params={"q": name}, headers=headers)
        assert r.status_code == 200
        r = httpx.get(f"{server.url}/associations", params={"consumer_id": 1}, headers=headers)
        assert r.status_code == 200
    log = "".join(server.log)
    assert "GET /assisters HTTP/1.1" in log and "GET /associations HTTP/1.1" in log
    assert "Zelda" not in log and "Quintanilla" not in log and "consumer_id" not in log
