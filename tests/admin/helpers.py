"""Signing in to the admin like its single-page app does: fetch the page (which sets the
CSRF cookie), then post the password with the token in a header."""

from __future__ import annotations

import uuid

from workflow.accounts.service import NewUser, create_user

PASSWORD = "correct horse battery"


async def staff_user(role: str = "admin") -> str:
    name = f"{role}-{uuid.uuid4().hex[:6]}"
    await create_user(NewUser(username=name, role=role, password=PASSWORD))
    return name


def csrf_headers(web) -> dict[str, str]:
    return {"X-CSRFToken": web.cookies.get("csrftoken", ""), "Referer": "https://testserver/admin/"}


async def sign_in(web, username: str, password: str = PASSWORD, **extra):
    await web.get("/admin/")
    return await web.post(
        "/admin/public/login/",
        json={"username": username, "password": password, **extra},
        headers=csrf_headers(web),
    )


async def signed_in(web, role: str = "admin") -> str:
    name = await staff_user(role)
    r = await sign_in(web, name)
    assert r.status_code == 200, r.text
    return name
