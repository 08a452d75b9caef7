"""API tokens: random, hashed, expiring, revocable; deactivation stops a login at once."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import time_machine

from tests.helpers import bearer, fire_ok, new_assister, new_user_headers
from workflow.accounts import tokens
from workflow.accounts.service import NewUser, create_user
from workflow.accounts.tokens import issue_token
from workflow.core.codes import hash_token
from workflow.core.settings import get_settings
from workflow.tables import ApiToken, AuditEntry


async def test_tokens_are_long_random_and_stored_hashed(client, db):
    created = await create_user(NewUser(username="dana", role="admin"))
    token = created.token.removeprefix("wf_")
    assert len(token) >= 43  # 256 bits, base64url
    rows = await ApiToken.select(ApiToken.token_hash)
    assert all(created.token not in r["token_hash"] for r in rows)
    assert rows[0]["token_hash"] == hash_token(created.token)


def test_tokens_expire_after_90_days_by_default(monkeypatch):
    from workflow.core.settings import Settings

    monkeypatch.delenv("WORKFLOW_TOKEN_TTL_DAYS", raising=False)
    assert Settings.from_env().token_ttl_days == 90


async def test_tokens_expire(client, admin, db):
    created = await create_user(NewUser(username="erin", role="support"))
    token = await issue_token(created.account_id, ttl=timedelta(days=90))
    me = bearer(token)
    assert (await client.get("/assisters", headers=me)).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(days=91)):
        r = await client.get("/assisters", headers=me)
        assert r.status_code == 401 and "expired" in r.json()["detail"]


async def test_admin_issues_lists_and_revokes_tokens(client, admin, db):
    created = await create_user(NewUser(username="finn", role="support"))
    r = await client.post(
        f"/users/{created.user_id}/tokens", headers=admin, json={"label": "laptop", "ttl_days": 7}
    )
    assert r.status_code == 201
    second = bearer(r.json()["token"])
    assert (await client.get("/assisters", headers=second)).status_code == 200
    listed = (await client.get(f"/users/{created.user_id}/tokens", headers=admin)).json()
    assert [t["label"] for t in listed] == ["created with the account", "laptop"]
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    r = await client.post(f"/tokens/{listed[1]['id']}/revoke", headers=admin)
    assert r.status_code == 200
    assert (await client.get("/assisters", headers=second)).status_code == 401
    assert (await client.get("/assisters", headers=bearer(created.token))).status_code == 200
    support = await new_user_headers("support")
    assert (
        await client.post(f"/tokens/{listed[0]['id']}/revoke", headers=support)
    ).status_code == 403
    assert await AuditEntry.count().where(AuditEntry.action == "token_revoked") == 1


async def test_deactivating_a_user_ends_tokens_and_sessions_at_once(client, admin, web, db):
    created = await create_user(
        NewUser(username="gia", role="consumer", password="a long enough password")
    )
    page = await web.get("/consumer/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    await web.post(
        "/consumer/login",
        data={"username": "gia", "password": "a long enough password", "csrf_token": csrf},
    )
    assert (await web.get("/consumer/assister")).status_code == 200
    r = await client.post(f"/users/{created.user_id}/deactivate", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert (await client.get("/consumers/me", headers=bearer(created.token))).status_code == 401
    after = await web.get("/consumer/assister")
    assert after.status_code in (302, 303, 401) or "sign in" in after.text.lower()


async def test_deactivating_an_assister_revokes_their_access(client, admin, db):
    a = await new_assister(client, admin)
    theirs = await new_user_headers("assister", assister_id=a["id"])
    await fire_ok(client, admin, a["id"], "deactivate", reason="left the program")
    assert (await client.get(f"/assisters/{a['id']}", headers=theirs)).status_code == 401


async def test_cli_revokes_a_token(client, db, monkeypatch):
    created = await create_user(NewUser(username="hal", role="admin"))
    env = {**os.environ, "WORKFLOW_DATABASE_URL": db.url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workflow.cli.main",
            "users",
            "revoke-token",
            "--token",
            created.token,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (await client.get("/assisters", headers=bearer(created.token))).status_code == 401
    issued = subprocess.run(
        [sys.executable, "-m", "workflow.cli.main", "users", "token", "hal", "--ttl-days", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    fresh = issued.stdout.strip().splitlines()[-1]
    assert (await client.get("/assisters", headers=bearer(fresh))).status_code == 200
    checked_at = tokens.clock()
    everything = subprocess.run(
        [sys.executable, "-m", "workflow.cli.main", "users", "revoke-token", "--user", "hal"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "revoked 1 token" in everything.stdout
    # Revoked in another process: this one trusted the token it had just checked, for at
    # most token_cache_seconds; past that bound it asks the database again.
    bound = get_settings().token_cache_seconds
    assert bound > 0
    monkeypatch.setattr(tokens, "clock", lambda: checked_at + bound - 0.5)
    assert (await client.get("/assisters", headers=bearer(fresh))).status_code == 200
    monkeypatch.setattr(tokens, "clock", lambda: checked_at + bound + 0.01)
    assert (await client.get("/assisters", headers=bearer(fresh))).status_code == 401
