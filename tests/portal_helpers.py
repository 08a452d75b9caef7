"""Helpers for the portal's tests: a registered assister with their activation e-mail,
activation through the page, TOTP enrolment with codes computed from the page's secret."""

from __future__ import annotations

import re
import uuid

import pyotp

from tests.helpers import latest_registration_number, new_assister, walk_to

PASSWORD = "maple trumpet orbit lantern"


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def registered_assister(client, admin, **fields) -> tuple[dict, str]:
    """A navigator walked to ``registered``: (assister, Registration Number)."""
    email = fields.pop("email", f"ana.{uuid.uuid4().hex[:6]}@example.org")
    assister = await new_assister(client, admin, email=email, **fields)
    assister = await walk_to(client, admin, assister, "registered")
    return assister, await latest_registration_number(client, admin, assister["id"])


async def post_form(web, url: str, page_url: str | None = None, **fields):
    """Open the form's page (for its CSRF token), then post the form."""
    page = await web.get(page_url or url)
    return await web.post(url, data={**fields, "csrf_token": csrf(page.text)})


async def activate(web, assister: dict, number: str, name: str, **over):
    fields = {
        "registration_number": number,
        "email": assister["email"],
        "username": name,
        "password": PASSWORD,
        "password_again": PASSWORD,
        "rules": "accepted",
        "rules_version": "2026.1",
        **over,
    }
    return await post_form(web, "/assister/activate", **fields)


async def sign_in_password(web, username: str, password: str = PASSWORD):
    return await post_form(web, "/assister/login", username=username, password=password)


async def enrol_totp(web, username: str, password: str = PASSWORD) -> pyotp.TOTP:
    """Sign in for the first time and enrol an authenticator app; returns its TOTP."""
    r = await sign_in_password(web, username, password)
    assert r.status_code == 303 and r.headers["location"] == "/assister/login/enrol", r.text
    page = await web.get("/assister/login/enrol/app")
    secret = re.search(r'id="secret">([A-Z2-7]+)<', page.text).group(1)
    totp = pyotp.TOTP(secret)
    r = await web.post(
        "/assister/login/enrol/app", data={"code": totp.now(), "csrf_token": csrf(page.text)}
    )
    assert r.status_code == 303 and r.headers["location"] == "/assister/", r.text
    return totp


async def submit_code(web, code: str):
    return await post_form(web, "/assister/login/code", code=code)


async def agency_admin(web, organization_id: int, username: str = "olga.admin"):
    """An agency admin login (as the CLI makes one), signed in to the portal with an
    authenticator app; returns (their bearer headers, TOTP)."""
    from workflow.accounts.service import NewUser, create_user

    created = await create_user(
        NewUser(
            username=username,
            role="agency_admin",
            password=PASSWORD,
            organization_id=organization_id,
            email=f"{username}@example.org",
        )
    )
    r = await sign_in_password(web, username)
    assert r.headers["location"] == "/assister/login/enrol", r.text
    page = await web.get("/assister/login/enrol/app")
    totp = pyotp.TOTP(re.search(r'id="secret">([A-Z2-7]+)<', page.text).group(1))
    r = await web.post(
        "/assister/login/enrol/app", data={"code": totp.now(), "csrf_token": csrf(page.text)}
    )
    assert r.status_code == 303 and r.headers["location"] == "/agency/", r.text
    return {"Authorization": f"Bearer {created.token}"}, totp
