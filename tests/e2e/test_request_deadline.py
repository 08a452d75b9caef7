"""A request's headers and body must arrive within WORKFLOW_REQUEST_TIMEOUT_SECONDS, or
the connection closes: half a header, a slow body and a silent connection all end,
many at once, and the server keeps answering others meanwhile."""

from __future__ import annotations

import socket
import time

import httpx

from tests.helpers import bearer
from tests.server import running_server

TIMEOUT = 1.0


def _open(url: str, payload: bytes) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)))
    conn.sendall(payload)
    return conn


def _closed_within(conn: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed the connection within ``seconds``; what it sent."""
    conn.settimeout(seconds)
    received = b""
    started = time.monotonic()
    try:
        while chunk := conn.recv(4096):
            received += chunk
    except TimeoutError:
        return False, received
    except ConnectionResetError:
        pass
    finally:
        conn.close()
    return time.monotonic() - started <= seconds, received


async def test_slow_requests_are_cut_off(db):
    with running_server(db.url, request_timeout_seconds=str(TIMEOUT)) as server:
        token = server.first_token
        slow_body = (
            "POST /organizations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: 200\r\n\r\n" + '{"name": "Sl'
        ).encode()
        half_header = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Half: "
        conns = [_open(server.url, half_header) for _ in range(40)]
        conns += [_open(server.url, slow_body) for _ in range(10)]
        conns += [_open(server.url, b"") for _ in range(10)]  # says nothing at all
        # Meanwhile the server answers others at once.
        assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
        results = [_closed_within(c, TIMEOUT + 10) for c in conns]
        assert all(closed for closed, _ in results), [r for r in results if not r[0]][:3]
        assert all(sent.startswith(b"HTTP/1.1 408") for _, sent in results[:40])
        assert all(sent == b"" for _, sent in results[50:])  # said nothing: just closed
        # A request that arrives in time is served as usual, before and after.
        r = httpx.post(
            f"{server.url}/organizations",
            json={"name": "Fast", "kind": "navigator_entity"},
            headers=bearer(token),
            timeout=5,
        )
        assert r.status_code == 201, r.text
        # The slow body never reached the handler: nothing half-created.
        listed = httpx.get(f"{server.url}/organizations", headers=bearer(token), timeout=5)
        assert all(o["name"] != "Sl" for o in listed.json()["items"])
