"""Lockout after repeated failed sign-ins, counted in the database."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import time_machine

from tests.server import running_server
from workflow.accounts.login import authenticate
from workflow.accounts.service import NewUser, create_user
from workflow.tables import AuditEntry, LoginAttempt

PASSWORD = "correct horse battery staple"


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


async def consumer(username: str = "maria"):
    return await create_user(NewUser(username=username, role="consumer", password=PASSWORD))


async def test_three_failures_lock_the_account_for_an_hour(db):
    user = await consumer()
    start = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for minutes in (0, 30, 100):  # three failures within 120 minutes
        assert (
            await authenticate(
                "maria", "wrong", channel="consumer", now=start + timedelta(minutes=minutes)
            )
            is None
        )
    locked_at = start + timedelta(minutes=101)
    assert await authenticate("maria", PASSWORD, channel="consumer", now=locked_at) is None
    later = start + timedelta(minutes=100 + 61)
    assert await authenticate("maria", PASSWORD, channel="consumer", now=later) == user.user_id
    lockouts = await AuditEntry.count().where(AuditEntry.action == "lockout")
    assert lockouts == 1


async def test_failures_spread_over_more_than_the_window_do_not_lock(db):
    user = await consumer()
    start = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for minutes in (0, 60, 125):  # the first has left the 120-minute window
        await authenticate(
            "maria", "wrong", channel="consumer", now=start + timedelta(minutes=minutes)
        )
    now = start + timedelta(minutes=126)
    assert await authenticate("maria", PASSWORD, channel="consumer", now=now) == user.user_id


async def test_locked_unknown_and_wrong_get_the_same_answer(web, db):
    await consumer()
    for _ in range(3):
        await authenticate("maria", "wrong", channel="consumer")
    answers = []
    for username, password in (("maria", PASSWORD), ("nobody", PASSWORD), ("maria", "wrong")):
        page = await web.get("/consumer/login")
        form = {"username": username, "password": password, "csrf_token": _csrf(page.text)}
        r = await web.post("/consumer/login", data=form)
        answers.append((r.status_code, _message(r.text)))
    assert answers[0] == answers[1] == answers[2], answers
    assert "locked" in answers[0][1]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _message(html: str) -> str:
    found = re.search(r'class="error"[^>]*>(.*?)<', html, re.S)
    return found.group(1).strip() if found else html[:200]


async def test_the_lockout_holds_in_another_process(db):
    await consumer()
    for _ in range(3):
        await authenticate("maria", "wrong", channel="consumer")
    with (
        running_server(db.url, development="1") as server,
        httpx.Client(base_url=server.url) as browser,
    ):
        page = browser.get("/consumer/login")
        form = {"username": "maria", "password": PASSWORD, "csrf_token": _csrf(page.text)}
        r = browser.post("/consumer/login", data=form)
        assert "locked" in r.text and browser.cookies.get("workflow_session") is None


async def test_support_unlocks(client, make_user, db):
    user = await consumer()
    for _ in range(3):
        await authenticate("maria", "wrong", channel="consumer")
    support = await make_user("support")
    listed = (await client.get(f"/users/{user.user_id}", headers=support)).json()
    assert listed["locked"] is True
    r = await client.post(f"/users/{user.user_id}/unlock", headers=support)
    assert r.status_code == 200 and r.json()["locked"] is False
    assert await authenticate("maria", PASSWORD, channel="consumer") == user.user_id
    # the failures before the unlock no longer count
    await authenticate("maria", "wrong", channel="consumer")
    assert await authenticate("maria", PASSWORD, channel="consumer") == user.user_id


async def test_support_may_not_unlock_an_admin_through_the_api(client, make_user, db):
    locked_admin = await create_user(NewUser(username="boss", role="admin", password=PASSWORD))
    for _ in range(3):
        await authenticate("boss", "wrong", channel="admin")
    support = await make_user("support")
    r = await client.post(f"/users/{locked_admin.user_id}/unlock", headers=support)
    assert r.status_code == 403 and "ask an admin" in r.json()["detail"]
    assert (await client.get(f"/users/{locked_admin.user_id}", headers=support)).json()["locked"]
    r = await client.post(f"/users/{locked_admin.user_id}/unlock", headers=await make_user("admin"))
    assert r.status_code == 200 and r.json()["locked"] is False


async def test_every_attempt_is_recorded_without_the_password(db):
    await consumer()
    await authenticate("maria", "wrong-password-123", channel="consumer")
    await authenticate("maria", PASSWORD, channel="consumer")
    attempts = await LoginAttempt.select().order_by(LoginAttempt.id)
    assert [a["success"] for a in attempts] == [False, True]
    logins = await AuditEntry.select().where(AuditEntry.action == "login").order_by(AuditEntry.id)
    assert [e["outcome"] for e in logins] == ["failure", "success"]
    dump = repr(attempts) + repr(logins)
    assert "wrong-password-123" not in dump and PASSWORD not in dump
