"""Consumer sign-in and sign-out pages (server-rendered forms, no JavaScript).

Before a session exists the sign-in form is protected by a double-submit token: a random
value in an HttpOnly cookie scoped to the form's path and in a hidden field, which must
match. After sign-in every form carries the session's synchronizer token instead.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from msgspec import Struct

from workflow.accounts.sessions import sign_in, sign_out
from workflow.core.errors import Forbidden
from workflow.core.i18n import N_
from workflow.web.auth import ANONYMOUS, allow
from workflow.web.rendering import (
    HOME_URL,
    LOGIN_URL,
    PAGE_EXCEPTION_HANDLERS,
    cookie,
    expired_cookie,
    render,
)
from workflow.web.sessions import LOGIN_CSRF_COOKIE, SESSION_COOKIE


class LoginForm(Struct):
    username: str = ""
    password: str = ""
    csrf_token: str = ""


Form = Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


def _login_page(request: Request, token: str, status: int = 200, **context) -> Template:
    context.setdefault("username", "")
    page = render(request, "login", status, **context)
    page.context["csrf_token"] = token
    page.cookies.append(cookie(LOGIN_CSRF_COOKIE, token, path=LOGIN_URL))
    return page


class ConsumerLoginController(Controller):
    path = "/consumer"
    tags = ["consumer pages"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", opt=allow(ANONYMOUS))
    async def start(self) -> Redirect:
        """The consumer pages start at Manage my assister (which asks to sign in)."""
        return Redirect(HOME_URL, status_code=303)

    @get("/login", opt=allow(ANONYMOUS))
    async def login_page(self, request: Request) -> Template:
        """The sign-in form."""
        return _login_page(request, secrets.token_urlsafe(32))

    @post("/login", opt=allow(ANONYMOUS))
    async def login(self, request: Request, data: Form) -> Template | Redirect:
        """Check the username and password; open a session and go to the manage page."""
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(expected, data.csrf_token):
            return _login_page(
                request,
                secrets.token_urlsafe(32),
                403,
                error=N_(
                    "The sign-in form expired or came from another site; please sign in again."
                ),
            )
        try:
            session = await sign_in(data.username, data.password)
        except Forbidden as exc:
            return _login_page(request, expected, 401, error=exc.detail, username=data.username)
        return Redirect(
            HOME_URL,
            status_code=303,
            cookies=[
                cookie(SESSION_COOKIE, session.cookie),
                expired_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_URL),
            ],
        )

    @post("/logout", opt=allow("consumer"))
    async def logout(self, request: Request) -> Redirect:
        """End the session (the form carries the CSRF token, checked by the guard)."""
        await sign_out(request.cookies.get(SESSION_COOKIE, ""))
        return Redirect(
            f"{LOGIN_URL}?done=signed_out",
            status_code=303,
            cookies=[expired_cookie(SESSION_COOKIE)],
        )
