"""The consumer's "Manage my assister" pages over HTTP: sign-in, session cookie, CSRF,
and the whole flow with plain form posts (no JavaScript)."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from tests.helpers import active_assister, associate, bearer
from workflow.accounts.service import NewUser, create_user
from workflow.core.codes import hash_token
from workflow.core.settings import get_settings
from workflow.tables import Association, ConsumerSession

PASSWORD = "correct horse battery staple"
ADDRESS = {"street": "100 Main St", "city": "St Paul", "state": "MN", "zip": "55101"}


@pytest.fixture
async def maria(db):
    return await create_user(
        NewUser(username="maria", role="consumer", password=PASSWORD, full_name="Maria Lopez")
    )


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def sign_in(web, username="maria", password=PASSWORD) -> httpx.Response:
    page = await web.get("/consumer/login")
    return await web.post(
        "/consumer/login",
        data={"username": username, "password": password, "csrf_token": csrf(page.text)},
    )


async def test_pages_ask_to_sign_in_first(web, db):
    r = await web.get("/consumer/assister")
    assert r.status_code == 303 and r.headers["location"] == "/consumer/login"
    r = await web.post("/consumer/assister/request", data={"reference_number": "1234567"})
    assert r.status_code == 303 and r.headers["location"] == "/consumer/login"


async def test_sign_in_sets_a_hardened_cookie_and_stores_only_its_hash(web, maria):
    r = await sign_in(web)
    assert r.status_code == 303 and r.headers["location"] == "/consumer/assister"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("workflow_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    session = await ConsumerSession.select().first()
    assert session["user_id"] == maria.user_id
    assert session["token"] == hash_token(value) and value not in session["token"]
    page = await web.get("/consumer/assister")
    assert page.status_code == 200 and "Signed in as Maria Lopez" in page.text


async def test_cookie_is_not_secure_in_development(web, maria, monkeypatch):
    monkeypatch.setenv("WORKFLOW_DEVELOPMENT", "1")
    get_settings.cache_clear()
    try:
        page = await web.get("/consumer/login")
        assert "Secure" not in page.headers["set-cookie"]
    finally:
        monkeypatch.delenv("WORKFLOW_DEVELOPMENT")
        get_settings.cache_clear()


async def test_wrong_password_and_non_consumers_are_refused(web, maria, db):
    r = await sign_in(web, password="not the password at all")
    assert r.status_code == 401 and "username or password is wrong" in r.text
    assert "workflow_session" not in r.headers.get("set-cookie", "")
    await create_user(NewUser(username="sam", role="support", password=PASSWORD))
    r = await sign_in(web, username="sam")
    assert r.status_code == 401 and "this sign-in is for consumers" in r.text
    assert await ConsumerSession.count() == 0


async def test_sign_in_form_needs_its_own_token(web, maria):
    r = await web.post("/consumer/login", data={"username": "maria", "password": PASSWORD})
    assert r.status_code == 403 and await ConsumerSession.count() == 0
    await web.get("/consumer/login")  # the cookie half, but a forged field
    r = await web.post(
        "/consumer/login", data={"username": "maria", "password": PASSWORD, "csrf_token": "x"}
    )
    assert r.status_code == 403 and await ConsumerSession.count() == 0


async def test_the_whole_flow_with_form_posts(web, client, admin, maria):
    ana = await active_assister(client, admin, "Ana Torres", phone="612-555-0100", address=ADDRESS)
    ben = await active_assister(client, admin, "Ben Okafor")
    await sign_in(web)
    token = csrf((await web.get("/consumer/assister")).text)

    r = await web.post(
        "/consumer/assister/request", data={"reference_number": "999", "csrf_token": token}
    )
    assert r.status_code == 422 and "no assister has Reference Number 999" in r.text

    r = await web.post(
        "/consumer/assister/request",
        data={"reference_number": ana["reference_number"], "csrf_token": token},
    )
    assert r.status_code == 303
    select = await web.get(r.headers["location"])
    assert "Select the assister helping you" in select.text and "612-555-0100" in select.text
    assert "100 Main St<br>St Paul, MN 55101" in select.text
    assert ana["email"] not in select.text
    terms_url = r.headers["location"] + "/terms"
    terms = await web.get(terms_url)
    assert "Assister Authorization / Agent of Record" in terms.text and "Ana Torres" in terms.text
    r = await web.post(r.headers["location"] + "/confirm", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/consumer/assister?done=confirmed"
    page = await web.get(r.headers["location"])
    assert "Your new assister is confirmed" in page.text and "Ana Torres" in page.text

    # Change to Ben: the terms page warns, confirming ends Ana.
    r = await web.post(
        "/consumer/assister/request",
        data={"reference_number": ben["reference_number"], "csrf_token": token},
    )
    terms = await web.get(r.headers["location"] + "/terms")
    assert "ends your association with your current assister" in terms.text
    await web.post(r.headers["location"] + "/confirm", data={"csrf_token": token})
    rows = {
        row["assister"]: row["state"]
        for row in await Association.select(Association.assister, Association.state)
    }
    assert rows == {ana["id"]: "disassociated", ben["id"]: "confirmed"}

    page = await web.get("/consumer/assister")
    current = re.search(r'name="association_id" value="(\d+)"', page.text).group(1)
    r = await web.post(
        "/consumer/assister/remove", data={"association_id": current, "csrf_token": token}
    )
    assert r.status_code == 303
    page = await web.get(r.headers["location"])
    assert "Your assister was removed" in page.text and "You have no assister" in page.text


async def test_the_street_line_follows_the_display_choice(web, client, admin, maria):
    ana = await active_assister(client, admin, address=ADDRESS, directory_display="not_listed")
    await sign_in(web)
    token = csrf((await web.get("/consumer/assister")).text)
    r = await web.post(
        "/consumer/assister/request",
        data={"reference_number": ana["reference_number"], "csrf_token": token},
    )
    select = await web.get(r.headers["location"])
    assert "St Paul, MN 55101" in select.text and "100 Main St" not in select.text
    await web.post(r.headers["location"] + "/confirm", data={"csrf_token": token})
    page = await web.get("/consumer/assister")
    assert "St Paul, MN 55101" in page.text and "100 Main St" not in page.text


async def test_cancel_a_request(web, client, admin, maria):
    ana = await active_assister(client, admin)
    await sign_in(web)
    token = csrf((await web.get("/consumer/assister")).text)
    r = await web.post(
        "/consumer/assister/request",
        data={"reference_number": ana["reference_number"], "csrf_token": token},
    )
    r = await web.post(r.headers["location"] + "/cancel", data={"csrf_token": token})
    assert r.headers["location"].endswith("done=cancelled")
    assert (await Association.select(Association.state).first())["state"] == "disassociated"


async def test_forms_without_the_sessions_token_change_nothing(web, client, admin, maria):
    ana = await active_assister(client, admin)
    await sign_in(web)
    for data in ({}, {"csrf_token": "forged"}):
        r = await web.post(
            "/consumer/assister/request", data={"reference_number": ana["reference_number"], **data}
        )
        assert r.status_code == 403 and "CSRF" in r.text
    # Another session's token does not work either.
    other = await create_user(NewUser(username="lee", role="consumer", password=PASSWORD))
    async with httpx.AsyncClient(transport=web._transport, base_url="https://testserver") as w2:
        await sign_in(w2, username=other.username)
        foreign = csrf((await w2.get("/consumer/assister")).text)
    r = await web.post(
        "/consumer/assister/request",
        data={"reference_number": ana["reference_number"], "csrf_token": foreign},
    )
    assert r.status_code == 403
    assert await Association.count() == 0


async def test_the_json_api_accepts_the_cookie_for_consumer_routes_only(web, client, admin, maria):
    ana = await active_assister(client, admin)
    await sign_in(web)
    token = csrf((await web.get("/consumer/assister")).text)
    assert (await web.get("/consumers/me")).json()["name"] == "Maria Lopez"
    body = {"reference_number": ana["reference_number"]}
    assert (await web.post("/associations", json=body)).status_code == 403  # no CSRF header
    r = await web.post("/associations", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    assert (await web.get("/assisters")).status_code == 401  # not a consumer route
    assert (await web.get(f"/assisters/{ana['id']}/clients")).status_code == 401


async def test_bearer_clients_need_no_csrf(client, admin, maria):
    ana = await active_assister(client, admin)
    consumer = bearer(maria.token)
    done = await associate(client, consumer, ana)  # POSTs with no CSRF token at all
    assert done["state"] == "confirmed"


async def test_sign_out_ends_the_session(web, maria):
    await sign_in(web)
    token = csrf((await web.get("/consumer/assister")).text)
    r = await web.post("/consumer/logout", data={"csrf_token": token})
    assert r.status_code == 303 and "signed_out" in r.headers["location"]
    assert await ConsumerSession.count() == 0
    assert (await web.get("/consumer/assister")).status_code == 303
    assert (await web.get("/consumer/login?done=signed_out")).text.count("You are signed out") == 1


async def test_idle_sessions_expire(web, maria):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        await sign_in(web)
        assert (await web.get("/consumer/assister")).status_code == 200
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    with time_machine.travel(start + idle + timedelta(minutes=1), tick=False):
        assert (await web.get("/consumer/assister")).status_code == 303


async def test_signing_in_again_clears_this_users_expired_sessions(web, maria):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        await sign_in(web)
    later = start + timedelta(hours=get_settings().session_max_hours, minutes=1)
    with time_machine.travel(later, tick=False):
        web.cookies.clear()
        await sign_in(web)
        assert (await web.get("/consumer/assister")).status_code == 200
    assert await ConsumerSession.count() == 1
