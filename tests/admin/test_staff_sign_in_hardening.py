"""Staff sign-in holds: wrong MFA codes count toward the lockout and reach the audit log
like wrong passwords; malformed input is a 400 naming the field; the per-address limit
is counted in the database (every process sees it); nobody deactivates themselves or
the last active admin."""

from __future__ import annotations

import json

import httpx
import pyotp
from piccolo_api.mfa.authenticator.tables import AuthenticatorSecret

from admin.mfa import _provider
from tests.admin.helpers import csrf_headers, sign_in, signed_in, staff_user
from workflow.accounts.management import user_id_for
from workflow.accounts.mfa_secrets import encryption_key
from workflow.core.settings import get_settings
from workflow.tables import AuditEntry, LoginAttempt


async def _enrol(username: str) -> str:
    """Enrol the user in an authenticator app; returns its TOTP secret."""
    provider = _provider(encryption_key(get_settings()))
    secret, _ = await AuthenticatorSecret.create_new(
        user_id=await user_id_for(username), encryption_provider=provider.encryption_provider
    )
    return provider.encryption_provider.decrypt(secret.secret)


async def _details(outcome: str) -> list[dict]:
    rows = await (
        AuditEntry.select(AuditEntry.detail)
        .where((AuditEntry.action == "login") & (AuditEntry.outcome == outcome))
        .order_by(AuditEntry.id)
    )
    return [json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"] for r in rows]


def _wrong(secret: str) -> str:
    right = pyotp.TOTP(secret).now()
    return "000000" if right != "000000" else "111111"


async def test_wrong_mfa_codes_lock_the_account_like_wrong_passwords(web, db):
    name = await staff_user("admin")
    secret = await _enrol(name)
    for _ in range(get_settings().login_max_failures):
        r = await sign_in(web, name, mfa_code=_wrong(secret))
        assert r.status_code == 401, r.text
    # The right password and the right code no longer sign in: the account is locked.
    r = await sign_in(web, name, mfa_code=pyotp.TOTP(secret).now())
    assert r.status_code == 401
    assert (await web.get("/admin/api/user/")).status_code == 401

    failures = await _details("failure")
    whys = [detail["why"] for detail in failures]
    assert whys.count("wrong MFA code") == 3 and whys[-1] == "locked", whys
    assert await AuditEntry.count().where(AuditEntry.action == "lockout") == 1
    # A right password alone is not a sign-in: only "password_ok" until the code.
    assert not await AuditEntry.exists().where(
        (AuditEntry.action == "login") & (AuditEntry.outcome == "success")
    )


async def test_a_right_code_signs_in_and_is_audited_once_as_a_success(web, db):
    name = await staff_user("support")
    secret = await _enrol(name)
    r = await sign_in(web, name, mfa_code=pyotp.TOTP(secret).now())
    assert r.status_code == 200, r.text
    assert await _details("success") == [{"channel": "admin", "mfa": True}]


async def test_malformed_sign_in_input_is_a_400_naming_the_field(web, db):
    name = await staff_user("admin")
    await _enrol(name)
    cases = [
        ({"username": name, "password": "correct horse battery", "mfa_code": 0}, "mfa_code"),
        ({"username": name, "password": "correct horse battery", "mfa_code": [1]}, "mfa_code"),
        ({"username": 5, "password": "x"}, "username"),
        ({"username": name, "password": {"a": 1}}, "password"),
    ]
    await web.get("/admin/")
    for body, field in cases:
        r = await web.post("/admin/public/login/", json=body, headers=csrf_headers(web))
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert r.json()["field"] == field and field in r.json()["detail"]
    r = await web.post("/admin/public/login/", json=[1, 2], headers=csrf_headers(web))
    assert r.status_code == 400 and "JSON object" in r.json()["detail"]
    huge = {"username": name, "password": "x" * 100_000}
    r = await web.post("/admin/public/login/", json=huge, headers=csrf_headers(web))
    assert r.status_code == 413
    # Nothing was checked: no attempt recorded.
    assert await LoginAttempt.count() == 0


async def test_the_sign_in_limit_per_address_is_counted_in_the_database(db, monkeypatch):
    """Two app instances (two workers) share one count: the limit is not per process."""
    from workflow.app import create_app

    monkeypatch.setenv("WORKFLOW_STAFF_LOGIN_RATE_LIMIT", "4")
    get_settings.cache_clear()
    try:
        name = await staff_user("admin")
        clients = []
        for _ in range(2):
            transport = httpx.ASGITransport(app=create_app(manage_database=False))
            clients.append(httpx.AsyncClient(transport=transport, base_url="https://testserver"))
        statuses = []
        for i in range(6):
            statuses.append((await sign_in(clients[i % 2], name, "wrong password!")).status_code)
        assert statuses == [401, 401, 401, 401, 429, 429], statuses
        r = await sign_in(clients[0], name)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert "try again in" in r.json()["detail"]
        assert await LoginAttempt.count() == 4
        for c in clients:
            await c.aclose()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_nobody_deactivates_themselves_or_the_last_admin(web, client, db):
    me = await signed_in(web, "admin")
    r = await web.post(
        "/admin/api/forms/deactivate-user/", json={"username": me}, headers=csrf_headers(web)
    )
    assert r.status_code == 422 and "your own login" in r.text

    from workflow.accounts.service import NewUser, create_user

    other = await create_user(NewUser(username="other-admin", role="admin"))
    token = {"Authorization": f"Bearer {other.token}"}
    my_id = await user_id_for(me)
    r = await client.post(f"/users/{other.user_id}/deactivate", headers=token)
    assert r.status_code == 409 and "your own login" in r.json()["detail"]
    # The other admin deactivates me: allowed, one admin remains...
    r = await client.post(f"/users/{my_id}/deactivate", headers=token)
    assert r.status_code == 200, r.text
    # ...and that last active admin cannot be deactivated by anyone (the CLI included).
    from workflow.accounts.management import deactivate
    from workflow.core.errors import Conflict
    from workflow.core.principal import Principal

    cli = Principal(user_id=None, username="cli", role="admin")
    try:
        await deactivate(other.user_id, cli)
        raise AssertionError("the last admin was deactivated")
    except Conflict as exc:
        assert "last active admin" in exc.detail
    assert (await client.get("/noop", headers=token)).status_code == 200


async def test_a_role_cannot_be_changed_in_the_admin(web, db):
    """Demotion has no route: the accounts table is read-only in the admin."""
    from workflow.tables import Account

    await signed_in(web, "admin")
    account = await Account.select(Account.id).first()
    r = await web.patch(
        f"/admin/api/tables/accounts/{account['id']}/",
        json={"role": "support"},
        headers=csrf_headers(web),
    )
    assert r.status_code == 403 and "read-only" in r.text
