"""The portal's activation and sign-in, over HTTP with plain form posts: activation in
one transaction with the Rules of Behavior recorded, refusals that leave nothing behind,
MFA (authenticator app and e-mail), lockout after three failed codes, reset links."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from piccolo.apps.user.tables import BaseUser

from tests.helpers import new_org
from tests.portal_helpers import (
    PASSWORD,
    activate,
    agency_admin,
    csrf,
    enrol_totp,
    post_form,
    registered_assister,
    sign_in_password,
    submit_code,
)
from workflow.tables import (
    Account,
    Assister,
    AuditEntry,
    History,
    LoginAttempt,
    Message,
    OneTimeCode,
    PortalLogin,
    PortalSession,
    RulesAcceptance,
)


async def _nothing_created(assister_id: int) -> None:
    assert await BaseUser.count().where(BaseUser.username.like("ana%")) == 0
    assert await Account.count().where(Account.assister == assister_id) == 0
    assert await RulesAcceptance.count() == 0 and await PortalLogin.count() == 0
    row = await Assister.select(Assister.state).where(Assister.id == assister_id).first()
    assert row["state"] == "registered"


async def test_activation_creates_the_login_with_the_rules_recorded(web, client, admin):
    assister, number = await registered_assister(client, admin)
    before = datetime.now(UTC)
    r = await activate(web, assister, number, "ana.torres")
    assert r.status_code == 303 and r.headers["location"] == "/assister/login?done=activated"
    state = await Assister.select(Assister.state).where(Assister.id == assister["id"]).first()
    assert state["state"] == "active"
    account = await Account.select().where(Account.assister == assister["id"]).first()
    user = await BaseUser.select().where(BaseUser.id == account["user"]).first()
    assert user["username"] == "ana.torres" and account["role"] == "assister"
    assert PASSWORD not in user["password"]
    rules = await RulesAcceptance.select().first()
    assert rules["version"] == "2026.1" and rules["user"] == user["id"]
    assert rules["assister"] == assister["id"] and rules["accepted_at"] >= before
    event = await History.select().where(History.event == "activate").first()
    assert event["actor"] == "ana.torres" and number not in str(event["data"])
    # The Registration Number is used up: activating again is refused.
    r = await activate(web, assister, number, "ana.again")
    assert (
        r.status_code in (409, 422)
        and await BaseUser.count().where(BaseUser.username == "ana.again") == 0
    )


@pytest.mark.parametrize(
    "over, status, sentence",
    [
        ({"registration_number": "AAAA-BBBB-CCCC"}, 422, "Registration Number does not match"),
        ({"email": "someone.else@example.org"}, 422, "email does not match"),
        ({"password": "short pass", "password_again": "short pass"}, 400, "at least 12"),
        ({"password": "Password1234", "password_again": "Password1234"}, 400, "common or breached"),
        ({"password_again": "something else entirely"}, 400, "not the same"),
        ({"rules": ""}, 400, "Rules of Behavior"),
        ({"username": "ana torres!"}, 400, "username of 3 to 100"),
    ],
)
async def test_activation_refusals_leave_nothing_behind(web, client, admin, over, status, sentence):
    assister, number = await registered_assister(client, admin)
    r = await activate(web, assister, number, "ana.torres", **over)
    assert r.status_code == status and sentence in r.text, r.text
    await _nothing_created(assister["id"])


async def test_activation_refusal_uses_the_api_sentence(web, client, admin):
    assister, number = await registered_assister(client, admin)
    api = await client.post(
        f"/assisters/{assister['id']}/events/activate",
        json={"data": {"registration_number": "AAAA-BBBB-CCCC", "email": assister["email"]}},
        headers=admin,
    )
    page = await activate(web, assister, "AAAA-BBBB-CCCC", "ana.torres")
    assert api.json()["detail"].split(":")[0] in page.text


async def test_a_taken_username_rolls_back_nothing_half_done(web, client, admin):
    assister, number = await registered_assister(client, admin)
    other, other_number = await registered_assister(client, admin, name="Bo Lee")
    assert (await activate(web, other, other_number, "ana.torres")).status_code == 303
    r = await activate(web, assister, number, "ana.torres")
    assert r.status_code == 409 and "is taken" in r.text
    row = await Assister.select(Assister.state).where(Assister.id == assister["id"]).first()
    assert row["state"] == "registered"


async def test_totp_enrolment_then_sign_out_and_in(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    totp = await enrol_totp(web, "ana.torres")
    home = await web.get("/assister/")
    assert home.status_code == 200
    cookie = web.cookies.get("workflow_portal")
    assert cookie and await PortalSession.count() == 1
    r = await web.post("/assister/logout", data={"csrf_token": csrf(home.text)})
    assert r.status_code == 303 and await PortalSession.count() == 0
    assert (await web.get("/assister/")).status_code == 303
    r = await sign_in_password(web, "ana.torres")
    assert r.headers["location"] == "/assister/login/code"
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=31), tick=True):
        r = await submit_code(web, totp.now())
    assert r.status_code == 303 and r.headers["location"] == "/assister/"


async def test_a_post_without_the_session_csrf_token_is_refused(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    await enrol_totp(web, "ana.torres")
    r = await web.post("/assister/logout", data={"csrf_token": "forged"})
    assert r.status_code == 403 and await PortalSession.count() == 1
    r = await web.post("/assister/login", data={"username": "ana.torres", "password": PASSWORD})
    assert r.status_code == 403


async def test_three_failed_codes_lock_the_account_for_an_hour(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    totp = await enrol_totp(web, "ana.torres")
    await web.post(
        "/assister/logout", data={"csrf_token": csrf((await web.get("/assister/")).text)}
    )
    start = datetime.now(UTC)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        await sign_in_password(web, "ana.torres")
        for _ in range(2):
            r = await submit_code(web, "000000")
            assert r.status_code == 401 and "code is wrong" in r.text
        r = await submit_code(web, "000000")
        assert r.status_code == 401 and "locked for an hour" in r.text
    account = await Account.select().where(Account.assister == assister["id"]).first()
    assert account["locked_until"] is not None  # in the database, for every process
    failures = await LoginAttempt.count().where(
        (LoginAttempt.success == False) & (LoginAttempt.channel == "portal")  # noqa: E712
    )
    audited = await AuditEntry.count().where(
        (AuditEntry.action == "login") & (AuditEntry.outcome == "failure")
    )
    assert failures == 3 and audited == 3
    assert await AuditEntry.count().where(AuditEntry.action == "lockout") == 1
    # Locked: even the right password and code do not get in.
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        r = await sign_in_password(web, "ana.torres")
        assert r.status_code == 401 and await PortalSession.count() == 0
    # An hour later the account opens again.
    with time_machine.travel(start + timedelta(minutes=70), tick=False):
        r = await sign_in_password(web, "ana.torres")
        assert r.headers["location"] == "/assister/login/code"
        r = await submit_code(web, totp.now())
        assert r.status_code == 303 and r.headers["location"] == "/assister/"


async def test_email_codes_instead_of_an_app(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    r = await sign_in_password(web, "ana.torres")
    page = await web.get(r.headers["location"])
    r = await web.post("/assister/login/enrol/email", data={"csrf_token": csrf(page.text)})
    assert r.status_code == 200 and "Check your e-mail" in r.text
    code = await _emailed_code(assister["email"])
    # Never in the assister's secure mailbox (which support reads to help).
    mine = (Message.assister == assister["id"]) & (Message.template == "portal_code")
    assert await Message.count().where(mine) == 0
    r = await web.post(
        "/assister/login/enrol/email/confirm", data={"code": code, "csrf_token": csrf(r.text)}
    )
    assert r.status_code == 303 and r.headers["location"] == "/assister/"
    login = await PortalLogin.select().first()
    assert login["mfa_method"] == "email"


async def _emailed_code(address: str) -> str:
    message = (
        await Message.select(Message.body)
        .where((Message.recipient_email == address) & (Message.template == "portal_code"))
        .order_by(Message.id, ascending=False)
        .first()
    )
    return re.search(r"\b(\d{6})\b", message["body"]).group(1)


async def _reset_link(address: str) -> str:
    message = (
        await Message.select(Message.body)
        .where((Message.recipient_email == address) & (Message.template == "portal_reset"))
        .order_by(Message.id, ascending=False)
        .first()
    )
    return re.search(r"(/assister/reset/\S+)", message["body"]).group(1)


async def test_reset_link_works_once(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    r = await post_form(web, "/assister/forgot", email=assister["email"].upper())
    assert r.status_code == 303 and r.headers["location"] == "/assister/login?done=reset_sent"
    link = await _reset_link(assister["email"])
    new = "violet harbour engine pebble"
    r = await post_form(web, link, password=new, password_again=new)
    assert r.status_code == 303 and r.headers["location"] == "/assister/login?done=password_changed"
    r = await post_form(web, "/assister/login", username="ana.torres", password=new)
    assert r.status_code == 303
    again = await web.get(link)
    assert again.status_code == 404 and "expired or was used already" in again.text
    row = await OneTimeCode.select().where(OneTimeCode.purpose == "reset").first()
    assert row["used_at"] is not None and link.rsplit("/", 1)[1] not in row["token_hash"]


async def test_reset_link_expires_after_30_minutes(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        await post_form(web, "/assister/forgot", email=assister["email"])
    link = await _reset_link(assister["email"])
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert (await web.get(link)).status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        new = "violet harbour engine pebble"
        page = await web.get(link)
        assert page.status_code == 404
        r = await web.post(
            link,
            data={
                "password": new,
                "password_again": new,
                "csrf_token": web.cookies.get("workflow_portal_form"),
            },
        )
        assert r.status_code == 403 and "expired or was used already" in r.text


async def test_recovery_pages_do_not_tell_whether_an_address_exists(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    answers = []
    for address in (assister["email"], "nobody@example.org"):
        for url in ("/assister/forgot", "/assister/forgot-username"):
            r = await post_form(web, url, email=address)
            answers.append((url, r.status_code, r.headers["location"]))
    assert answers[:2] == answers[2:]
    sent = await Message.select(Message.template).where(
        Message.recipient_email == assister["email"]
    )
    assert {"portal_reset", "portal_username"} <= {m["template"] for m in sent}
    mine = (Message.assister == assister["id"]) & (Message.template == "portal_code")
    assert await Message.count().where(mine) == 0


async def test_recovery_forms_are_limited_per_address_in_the_database(web, client, admin):
    """Five requests per address per five minutes (both forms together): the sixth gets
    the same answer but sends nothing; the count is rows in login_attempts, shared by
    every server process; five minutes on, mail goes out again."""
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    mine = Message.recipient_email == assister["email"]
    recovery = Message.template.is_in(["portal_reset", "portal_username"])
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        for i in range(5):
            url = "/assister/forgot" if i % 2 else "/assister/forgot-username"
            await post_form(web, url, email=assister["email"])
        assert await Message.count().where(mine & recovery) == 5
        for url in ("/assister/forgot", "/assister/forgot-username"):
            r = await post_form(web, url, email=assister["email"])
            assert r.status_code == 303 and r.headers["location"].startswith("/assister/login")
        assert await Message.count().where(mine & recovery) == 5  # nothing more sent
    counted = LoginAttempt.channel == "recovery"
    assert await LoginAttempt.count().where(counted) == 5
    refused = (AuditEntry.action == "recovery") & (AuditEntry.outcome == "rate_limited")
    assert await AuditEntry.count().where(refused) == 2
    with time_machine.travel(start + timedelta(minutes=5, seconds=1), tick=False):
        await post_form(web, "/assister/forgot", email=assister["email"])
    assert await Message.count().where(mine & recovery) == 6


async def test_an_agency_admin_without_an_assister_record_gets_their_username(web, client, admin):
    """The lookup by address reads the login's own address when no assister record has
    one (an agency admin made by the CLI), whatever its case."""
    org = await new_org(client, admin)
    r = await post_form(web, "/assister/forgot-username", email="Olga.Admin@EXAMPLE.org")
    assert r.status_code == 303
    assert await Message.count().where(Message.template == "portal_username") == 0
    await agency_admin(web, org)
    web.cookies.clear()
    await post_form(web, "/assister/forgot-username", email="Olga.Admin@EXAMPLE.org")
    sent = await Message.select(Message.recipient_email, Message.body).where(
        Message.template == "portal_username"
    )
    assert len(sent) == 1 and "olga.admin" in sent[0]["body"]


async def test_the_lookup_by_address_has_its_indexes(db):
    """Both halves of the recovery lookup can use an index on lower(email)."""
    if db.is_sqlite:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        sql = "SELECT indexname AS name FROM pg_indexes"
    names = {r["name"] for r in await BaseUser.raw(sql)}
    assert {"piccolo_user_email_lower", "assisters_email_lower"} <= names


async def test_sessions_end_when_idle_and_after_the_absolute_limit(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        await enrol_totp(web, "ana.torres")
    # Active every 10 minutes: still signed in after 11 hours ...
    for minutes in range(10, 11 * 60, 10):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert (await web.get("/assister/")).status_code == 200, minutes
    # ... but never past 12 hours after signing in.
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert (await web.get("/assister/")).status_code == 303


async def test_an_idle_session_ends(web, client, admin):
    assister, number = await registered_assister(client, admin)
    await activate(web, assister, number, "ana.torres")
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        await enrol_totp(web, "ana.torres")
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        r = await web.get("/assister/")
        assert r.status_code == 303 and r.headers["location"] == "/assister/login"


async def test_pages_before_sign_in_follow_accept_language(web):
    r = await web.get("/assister/login", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert 'lang="es"' in r.text and "Entre al portal de asistentes" in r.text
    r = await web.get("/consumer/login", headers={"Accept-Language": "es"})
    assert "Entre en su cuenta de consumidor" in r.text
    r = await web.get("/portal/language/en?next=//evil.example")
    assert r.headers["location"] == "/"  # only our own paths
    r = await web.get("/assister/login", headers={"Accept-Language": "es"})
    assert "Sign in to the assister portal" in r.text  # the switch's cookie wins
