"""Staff sessions end when idle and at an absolute limit; cookies are secure outside
development; MFA can be required for staff, and support can reset it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine

from admin.mfa import _provider, is_enrolled
from tests.admin.helpers import csrf_headers, sign_in, signed_in, staff_user
from workflow.accounts.mfa_secrets import encryption_key
from workflow.core.settings import get_settings
from workflow.tables import AuditEntry


async def _still_signed_in(web) -> bool:
    r = await web.get("/admin/api/user/")
    return r.status_code == 200


async def test_an_idle_staff_session_ends_after_15_minutes(web, db):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        await signed_in(web)
        clock.shift(timedelta(minutes=14))
        assert await _still_signed_in(web)  # activity renews it...
        clock.shift(timedelta(minutes=14))
        assert await _still_signed_in(web)  # ...for another 15 minutes
        clock.shift(timedelta(minutes=16))
        assert not await _still_signed_in(web)


async def test_a_busy_staff_session_still_ends_after_12_hours(web, db):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False) as clock:
        await signed_in(web)
        for _ in range(12 * 6 - 1):  # a request every 10 minutes
            clock.shift(timedelta(minutes=10))
            assert await _still_signed_in(web)
        clock.shift(timedelta(minutes=11))
        assert not await _still_signed_in(web)


async def test_session_cookie_is_secure_httponly_outside_development(web, db):
    name = await staff_user("support")
    r = await sign_in(web, name)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie


@pytest.fixture
def mfa_required(monkeypatch):
    monkeypatch.setenv("WORKFLOW_STAFF_MFA_REQUIRED", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _code(secret_row) -> str:
    provider = _provider(encryption_key(get_settings()))
    return pyotp.TOTP(provider.encryption_provider.decrypt(secret_row.secret)).now()


async def test_mfa_required_staff_must_enrol_then_give_a_code(web, db, mfa_required):
    from piccolo_api.mfa.authenticator.tables import AuthenticatorSecret

    from workflow.accounts.management import user_id_for

    name = await signed_in(web)
    r = await web.get("/admin/api/tables/")
    assert r.status_code == 403 and "authenticator" in r.json()["detail"]
    r = await web.get("/admin/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/api/mfa-setup/"
    assert (await web.get("/admin/api/mfa-setup/")).status_code == 200

    # Enrolled (as the setup page does), the next sign-in asks for a code.
    user_id = await user_id_for(name)
    secret, _codes = await AuthenticatorSecret.create_new(
        user_id=user_id,
        encryption_provider=_provider(encryption_key(get_settings())).encryption_provider,
    )
    web.cookies.clear()
    r = await sign_in(web, name)
    assert r.status_code == 401 and "MFA code required" in r.text
    r = await sign_in(web, name, mfa_code="000000" if _code(secret) != "000000" else "111111")
    assert r.status_code == 401
    r = await sign_in(web, name, mfa_code=_code(secret))
    assert r.status_code == 200, r.text
    assert (await web.get("/admin/api/tables/")).status_code == 200


async def test_support_resets_someones_mfa(web, db, mfa_required):
    from piccolo_api.mfa.authenticator.tables import AuthenticatorSecret

    from workflow.accounts.management import user_id_for

    lost_phone = await staff_user("support")
    user_id = await user_id_for(lost_phone)
    secret, _ = await AuthenticatorSecret.create_new(
        user_id=user_id,
        encryption_provider=_provider(encryption_key(get_settings())).encryption_provider,
    )
    assert await is_enrolled(user_id)
    support = await staff_user("support")
    support_id = await user_id_for(support)
    await AuthenticatorSecret.create_new(
        user_id=support_id,
        encryption_provider=_provider(encryption_key(get_settings())).encryption_provider,
    )
    support_secret = (
        await AuthenticatorSecret.objects().where(AuthenticatorSecret.user_id == support_id).first()
    )
    assert (await sign_in(web, support, mfa_code=_code(support_secret))).status_code == 200
    r = await web.post(
        "/admin/api/forms/reset-mfa/", json={"username": lost_phone}, headers=csrf_headers(web)
    )
    assert r.status_code == 200, r.text
    assert not await is_enrolled(user_id)
    entry = await AuditEntry.select().where(AuditEntry.action == "mfa_reset").first()
    assert entry["actor"] == support and entry["object_id"] == str(user_id)


async def test_admin_writes_need_the_csrf_token(web, admin, client):
    from tests.helpers import new_assister

    a = await new_assister(client, admin)
    await signed_in(web)
    url = f"/admin/api/tables/assisters/{a['id']}/"
    r = await web.patch(url, json={"phone": "555-0199"}, headers={"Referer": "https://testserver/"})
    assert r.status_code == 403
    forged = {"X-CSRFToken": web.cookies["csrftoken"], "Referer": "https://evil.example/"}
    assert (await web.patch(url, json={"phone": "555-0199"}, headers=forged)).status_code == 403
    r = await web.patch(url, json={"phone": "555-0199"}, headers=csrf_headers(web))
    assert r.status_code == 200


async def test_deactivating_a_user_ends_their_admin_session_at_once(web, db):
    import httpx

    from workflow.app import create_app

    victim = await staff_user("support")
    transport = httpx.ASGITransport(app=create_app(manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as other:
        assert (await sign_in(other, victim)).status_code == 200
        assert (await other.get("/admin/api/user/")).status_code == 200
        await signed_in(web)
        r = await web.post(
            "/admin/api/forms/deactivate-user/",
            json={"username": victim},
            headers=csrf_headers(web),
        )
        assert r.status_code == 200, r.text
        assert (await other.get("/admin/api/user/")).status_code == 401


COOKIE_READS = ("/staff/validations", "/staff/dashboard", "/assisters", "/support/validations")


async def test_mfa_required_an_unenrolled_session_reads_nothing_outside_the_admin(
    web, admin, client, mfa_required
):
    from piccolo_api.mfa.authenticator.tables import AuthenticatorSecret

    from tests.helpers import new_assister
    from workflow.accounts.management import user_id_for

    a = await new_assister(client, admin)
    reads = (*COOKIE_READS, f"/assisters/{a['id']}/clients")
    name = await signed_in(web, "support")  # password only: not enrolled yet
    for path in reads:
        r = await web.get(path)
        assert r.status_code == 401, (path, r.status_code)

    # Enrolled, signed in again with a code: the same pages answer.
    secret, _ = await AuthenticatorSecret.create_new(
        user_id=await user_id_for(name),
        encryption_provider=_provider(encryption_key(get_settings())).encryption_provider,
    )
    web.cookies.clear()
    assert (await sign_in(web, name, mfa_code=_code(secret))).status_code == 200
    for path in reads:
        r = await web.get(path)
        assert r.status_code == 200, (path, r.status_code)


async def _people_form(web, form: str, username: str):
    return await web.post(
        f"/admin/api/forms/{form}/", json={"username": username}, headers=csrf_headers(web)
    )


async def test_support_unlocks_and_resets_only_other_non_admins(web, db):
    from workflow.accounts.management import get_user, user_id_for

    other_admin = await staff_user("admin")
    colleague = await staff_user("support")
    me = await signed_in(web, "support")
    for form in ("unlock-user", "reset-mfa"):
        for target, why in ((other_admin, "support may not"), (me, "you may not")):
            r = await _people_form(web, form, target)
            assert r.status_code == 422 and why in r.text, (form, target, r.text)
        assert (await _people_form(web, form, colleague)).status_code == 200
    refused = await AuditEntry.select().where(AuditEntry.outcome == "refused")
    assert len(refused) == 4
    assert (await get_user(await user_id_for(other_admin)))["username"] == other_admin


async def test_admin_resets_anyone_but_themselves(web, db):
    other_admin = await staff_user("admin")
    me = await signed_in(web, "admin")
    assert (await _people_form(web, "reset-mfa", other_admin)).status_code == 200
    r = await _people_form(web, "reset-mfa", me)
    assert r.status_code == 422 and "your own MFA" in r.text
    assert (await _people_form(web, "unlock-user", other_admin)).status_code == 200
