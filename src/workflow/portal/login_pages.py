"""Activation, sign-in with a second step, password and username recovery, sign-out and
the language switch: the portal's pages before (and at the edge of) a session. Plain
forms, no JavaScript; every form carries a CSRF token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from msgspec import Struct

from workflow.accounts import mfa_secrets, portal_login, recovery
from workflow.accounts.activation import RULES_VERSION, Activation, activate_account
from workflow.accounts.sessions import session_for_cookie as consumer_session
from workflow.consumers.service import set_language as set_consumer_language
from workflow.core import i18n
from workflow.core.errors import Forbidden, MachineError
from workflow.core.i18n import N_
from workflow.portal.rendering import (
    FORM_EXPIRED,
    HOME,
    LOGIN_URL,
    PAGE_EXCEPTION_HANDLERS,
    done,
    form_page,
    form_token_ok,
    page,
)
from workflow.web.auth import ANONYMOUS, portal_page
from workflow.web.portal_sessions import PORTAL_COOKIE, STEP_COOKIE, portal_session
from workflow.web.rendering import cookie, expired_cookie, status_of
from workflow.web.sessions import SESSION_COOKIE

PUBLIC = portal_page(ANONYMOUS)
SIGNED_IN = portal_page("assister", "agency_admin")
STEP_PATH = "/assister/login"
# The API's refusals of an activation, as the machine words them (assisters/machine.py
# NUMBER_MISMATCH, EMAIL_MISMATCH), so the catalogue has them; a test checks they match.
API_SENTENCES = (
    N_(
        "Registration Number does not match: use the one in the most recent activation "
        "email (numbers from earlier emails no longer work)"
    ),
    N_("email does not match: enter the exact address the activation email was sent to"),
)
PASSWORDS_DIFFER = N_("The two passwords are not the same. Type the new password twice.")


class ActivateForm(Struct):
    registration_number: str = ""
    email: str = ""
    username: str = ""
    password: str = ""
    password_again: str = ""
    rules: str = ""
    rules_version: str = ""
    csrf_token: str = ""


class LoginForm(Struct):
    username: str = ""
    password: str = ""
    csrf_token: str = ""


class CodeForm(Struct):
    code: str = ""
    csrf_token: str = ""


class EmailForm(Struct):
    email: str = ""
    csrf_token: str = ""


class PasswordForm(Struct):
    password: str = ""
    password_again: str = ""
    csrf_token: str = ""


class TokenOnly(Struct):
    csrf_token: str = ""


FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


def _step(request: Request) -> str:
    return request.cookies.get(STEP_COOKIE, "")


def _signed_in(cookie_value: str, role: str) -> Redirect:
    return Redirect(
        HOME.get(role, "/assister/"),
        status_code=303,
        cookies=[cookie(PORTAL_COOKIE, cookie_value), expired_cookie(STEP_COOKIE, STEP_PATH)],
    )


class PortalLoginController(Controller):
    path = "/assister"
    tags = ["portal"]
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/activate", opt=PUBLIC)
    async def activate_page(self, request: Request) -> Template:
        """Activate your account: Registration Number, e-mail, username, password, rules."""
        return form_page(request, "activate", form={}, rules_version=RULES_VERSION)

    @post("/activate", opt=PUBLIC)
    async def activate(
        self, request: Request, data: Annotated[ActivateForm, FORM]
    ) -> Template | Redirect:
        form = {
            "registration_number": data.registration_number,
            "email": data.email,
            "username": data.username,
        }

        def again(error: str, status: int) -> Template:
            return form_page(
                request, "activate", status, form=form, error=error, rules_version=RULES_VERSION
            )

        if not form_token_ok(request, data.csrf_token):
            return again(FORM_EXPIRED, 403)
        if data.password != data.password_again:
            return again(PASSWORDS_DIFFER, 400)
        activation = Activation(
            registration_number=data.registration_number,
            email=data.email,
            username=data.username.strip(),
            password=data.password,
            accepted_rules=data.rules == "accepted",
            rules_version=data.rules_version,
        )
        try:
            await activate_account(activation)
        except MachineError as exc:
            return again(exc.detail, status_of(exc))
        return done(LOGIN_URL, "activated")

    @get("/login", opt=PUBLIC)
    async def login_page(self, request: Request) -> Template | Redirect:
        """Sign in: username and password, then the second step."""
        info = portal_session(request)
        if info is not None:
            return Redirect(HOME.get(info.principal.role, "/assister/"), status_code=303)
        return form_page(request, "login", username="")

    @post("/login", opt=PUBLIC)
    async def login(
        self, request: Request, data: Annotated[LoginForm, FORM]
    ) -> Template | Redirect:
        if not form_token_ok(request, data.csrf_token):
            return form_page(request, "login", 403, username=data.username, error=FORM_EXPIRED)
        try:
            step = await portal_login.check_password(data.username, data.password)
        except Forbidden as exc:
            return form_page(request, "login", 401, username=data.username, error=exc.detail)
        where = "/assister/login/code" if step.mfa_method else "/assister/login/enrol"
        return Redirect(
            where, status_code=303, cookies=[cookie(STEP_COOKIE, step.token, path=STEP_PATH)]
        )

    @get("/login/code", opt=PUBLIC)
    async def code_page(self, request: Request) -> Template | Redirect:
        """The second step: a code from the app, a recovery code, or the e-mailed code."""
        user = await portal_login.pending(_step(request))
        if user is None or user["mfa_method"] is None:
            return done(LOGIN_URL, "expired")
        return form_page(request, "code", method=user["mfa_method"])

    @post("/login/code", opt=PUBLIC)
    async def code(self, request: Request, data: Annotated[CodeForm, FORM]) -> Template | Redirect:
        return await _second_factor(request, data, None, "code")  # method: the user's

    @post("/login/code/resend", opt=PUBLIC)
    async def resend(self, request: Request, data: Annotated[TokenOnly, FORM]) -> Redirect:
        """Send a new e-mailed code (the earlier one stops working)."""
        user = await portal_login.pending(_step(request))
        if user is None:
            return done(LOGIN_URL, "expired")
        if form_token_ok(request, data.csrf_token) and user["mfa_method"] == portal_login.EMAIL:
            await portal_login.send_email_code(user, _now())
        return done("/assister/login/code", "code_sent")

    @get("/login/enrol", opt=PUBLIC)
    async def enrol_page(self, request: Request) -> Template | Redirect:
        """First sign-in: choose the second step (authenticator app or e-mail)."""
        user = await portal_login.pending(_step(request))
        if user is None or user["mfa_method"] is not None:
            return done(LOGIN_URL, "expired")
        return form_page(request, "enrol")

    @get("/login/enrol/app", opt=PUBLIC)
    async def enrol_app_page(self, request: Request) -> Template | Redirect:
        """A new secret as a QR code and as text, the recovery codes, and a code field."""
        user = await portal_login.pending(_step(request))
        if user is None or user["mfa_method"] is not None:
            return done(LOGIN_URL, "expired")
        secret, uri, codes = await mfa_secrets.new_secret(user["user_id"], user["username"])
        return form_page(
            request, "enrol_app", secret=secret, qr=mfa_secrets.qr_svg(uri), recovery_codes=codes
        )

    @post("/login/enrol/app", opt=PUBLIC)
    async def enrol_app(
        self, request: Request, data: Annotated[CodeForm, FORM]
    ) -> Template | Redirect:
        user = await portal_login.pending(_step(request))
        shown = {}
        if user is not None:
            secret, uri = await mfa_secrets.current(user["user_id"], user["username"])
            shown = {"secret": secret, "qr": mfa_secrets.qr_svg(uri), "recovery_codes": []}
        return await _second_factor(request, data, portal_login.TOTP, "enrol_app", **shown)

    @post("/login/enrol/email", opt=PUBLIC)
    async def enrol_email_send(
        self, request: Request, data: Annotated[TokenOnly, FORM]
    ) -> Template | Redirect:
        """Send a first code to the account's address, then ask for it."""
        user = await portal_login.pending(_step(request))
        if user is None or user["mfa_method"] is not None:
            return done(LOGIN_URL, "expired")
        if not form_token_ok(request, data.csrf_token):
            return form_page(request, "enrol", 403, error=FORM_EXPIRED)
        await portal_login.send_email_code(user, _now())
        return form_page(request, "enrol_email")

    @post("/login/enrol/email/confirm", opt=PUBLIC)
    async def enrol_email(
        self, request: Request, data: Annotated[CodeForm, FORM]
    ) -> Template | Redirect:
        return await _second_factor(request, data, portal_login.EMAIL, "enrol_email")

    @get("/forgot", opt=PUBLIC)
    async def forgot_page(self, request: Request) -> Template:
        """Forgot your password: a link by e-mail."""
        return form_page(request, "forgot", what="password")

    @post("/forgot", opt=PUBLIC)
    async def forgot(
        self, request: Request, data: Annotated[EmailForm, FORM]
    ) -> Template | Redirect:
        if not form_token_ok(request, data.csrf_token):
            return form_page(request, "forgot", 403, what="password", error=FORM_EXPIRED)
        await recovery.send_reset_links(data.email)
        return done(LOGIN_URL, "reset_sent")

    @get("/forgot-username", opt=PUBLIC)
    async def forgot_username_page(self, request: Request) -> Template:
        """Forgot your username: sent by e-mail."""
        return form_page(request, "forgot", what="username")

    @post("/forgot-username", opt=PUBLIC)
    async def forgot_username(
        self, request: Request, data: Annotated[EmailForm, FORM]
    ) -> Template | Redirect:
        if not form_token_ok(request, data.csrf_token):
            return form_page(request, "forgot", 403, what="username", error=FORM_EXPIRED)
        await recovery.send_usernames(data.email)
        return done(LOGIN_URL, "username_sent")

    @get("/reset/{token:str}", opt=PUBLIC)
    async def reset_page(self, request: Request, token: FromPath[str]) -> Template:
        """Choose a new password with the e-mailed link."""
        if not await recovery.link_is_live(token):
            return page(
                request,
                "message",
                404,
                title=recovery.LINK_USED,
                next_url="/assister/forgot",
                next_label=N_("Ask for a new link"),
            )
        return form_page(request, "reset", token=token)

    @post("/reset/{token:str}", opt=PUBLIC)
    async def reset(
        self, request: Request, token: FromPath[str], data: Annotated[PasswordForm, FORM]
    ) -> Template | Redirect:
        if not form_token_ok(request, data.csrf_token):
            return form_page(request, "reset", 403, token=token, error=FORM_EXPIRED)
        if data.password != data.password_again:
            return form_page(request, "reset", 400, token=token, error=PASSWORDS_DIFFER)
        try:
            await recovery.reset_password(token, data.password)
        except MachineError as exc:
            return form_page(request, "reset", status_of(exc), token=token, error=exc.detail)
        return done(LOGIN_URL, "password_changed")

    @post("/logout", opt=SIGNED_IN)
    async def logout(self, request: Request, data: Annotated[TokenOnly, FORM]) -> Redirect:
        """Sign out (the form's CSRF token is checked by the guard)."""
        await portal_login.sign_out(request.cookies.get(PORTAL_COOKIE, ""))
        return Redirect(
            f"{LOGIN_URL}?done=signed_out", status_code=303, cookies=[expired_cookie(PORTAL_COOKIE)]
        )


async def _second_factor(
    request: Request, data: CodeForm, enrolling: str | None, template: str, **shown
) -> Template | Redirect:
    """Check the code; signed in, go home; else the same page again with the reason
    (or the sign-in page, when the account locked or the step expired)."""
    user = await portal_login.pending(_step(request))
    if user is None:
        return done(LOGIN_URL, "expired")
    method = enrolling or user["mfa_method"]
    if not form_token_ok(request, data.csrf_token):
        return form_page(request, template, 403, method=method, error=FORM_EXPIRED, **shown)
    try:
        cookie_value, _ = await portal_login.second_factor(
            _step(request), data.code, enrolling=enrolling
        )
    except Forbidden as exc:
        if exc.detail in (portal_login.LOCKED, portal_login.EXPIRED):
            return form_page(request, "login", 401, username=user["username"], error=exc.detail)
        return form_page(request, template, 401, method=method, error=exc.detail, **shown)
    return _signed_in(cookie_value, user["role"])


def _now() -> datetime:
    return datetime.now(UTC)


@get("/portal/language/{lang:str}", opt=PUBLIC, include_in_schema=False)
async def switch_language(
    request: Request, lang: FromPath[str], next: FromQuery[str] = "/"
) -> Redirect:
    """The language switch on every page: remembered in a cookie, and in the user's
    record when signed in. ``next`` must be a path of this site."""
    chosen = i18n.supported(lang)
    back = next if next.startswith("/") and not next.startswith("//") else "/"
    info = portal_session(request)
    if info is not None and info.principal.user_id is not None:
        await portal_login.set_language(info.principal.user_id, chosen)
    elif consumer := await consumer_session(request.cookies.get(SESSION_COOKIE, "")):
        await set_consumer_language(consumer.principal.consumer_id, chosen)
    return Redirect(
        back, status_code=303, cookies=[cookie(i18n.COOKIE, chosen, max_age=365 * 86400)]
    )
