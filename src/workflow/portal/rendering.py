"""What every portal page shares: its language, the signed-in person, the session's CSRF
token, fixed flash messages, cookies, and refusals shown as pages instead of JSON."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template

from workflow.core import i18n
from workflow.core.errors import MachineError
from workflow.core.i18n import N_
from workflow.core.roles import Role
from workflow.web.portal_sessions import FORM_COOKIE, portal_session
from workflow.web.rendering import cookie, status_of

LOGIN_URL = "/assister/login"
HOME = {Role.assister: "/assister/", Role.agency_admin: "/agency/"}

# Only these texts can appear as a flash message: nothing from the query string is echoed.
MESSAGES = {
    "signed_out": N_("You are signed out."),
    "activated": N_("Your account is active. Sign in now to set up your second sign-in step."),
    "reset_sent": N_(
        "If an account uses that address, we have sent it a link to choose a new password. "
        "The link works once, for 30 minutes."
    ),
    "username_sent": N_("If an account uses that address, we have sent its username there."),
    "password_changed": N_("Your password is changed. Sign in with it now."),
    "code_sent": N_("We have sent a new code to your e-mail address."),
    "expired": N_("Your sign-in took too long and expired. Please sign in again."),
    "saved": N_("Your changes are saved."),
    "acknowledged": N_("Thank you. Your acknowledgement is recorded with today's date."),
    "token_revoked": N_("The token is revoked: programs using it can no longer sign in."),
    "onboarded": N_("The new staff member is onboarded. They will receive their next steps."),
    "deactivated": N_("The staff member is marked inactive and can no longer sign in."),
    "language": N_("Your pages are now in English."),
    "referral_accepted": N_("You accepted the referral: the consumer's contact details are below."),
    "referral_declined": N_("You declined the referral; it goes to another broker."),
    "approved": N_("Approved: they may now complete their training."),
}


# An application's status as the pages say it (consumers' ``application_status``).
APPLICATION_LABELS = {
    "not_started": N_("not started"),
    "in_progress": N_("in progress"),
    "submitted": N_("submitted"),
}


def language(request: Request) -> str:
    info = portal_session(request)
    return i18n.choose(
        info.language if info else None,
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    info = portal_session(request)
    lang = language(request)
    query = request.url.query
    base = {
        "lang": lang,
        "languages": i18n.others(lang),
        "here": request.url.path + (f"?{query}" if query else ""),
        "signed_in": info is not None,
        "csrf_token": info.csrf_token if info else "",
        "display_name": info.display_name if info else "",
        "role": info.principal.role if info else "",
        "message": MESSAGES.get(request.query_params.get("done", ""), ""),
        "error": "",
        "application_labels": APPLICATION_LABELS,
    }
    return Template(
        template_name=f"pages/portal/{template}.html",
        context={**base, **context},
        status_code=status_code,
    )


def form_page(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    """A form shown before sign-in: a double-submit token (a cookie the page sets and a
    hidden field that must match), since there is no session to hold one."""
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    result = page(request, template, status_code, **context)
    result.context["csrf_token"] = token
    result.cookies.append(cookie(FORM_COOKIE, token, path="/assister"))
    return result


def form_token_ok(request: Request, sent: str) -> bool:
    expected = request.cookies.get(FORM_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected, sent)


FORM_EXPIRED = N_("The form expired or came from another site. Please fill it in again.")


def to_login(_: Request, __: NotAuthorizedException) -> Redirect:
    return Redirect(LOGIN_URL, status_code=303)


def refused_page(request: Request, exc: PermissionDeniedException) -> Template:
    return page(request, "message", 403, title=exc.detail)


def service_error_page(request: Request, exc: MachineError) -> Template:
    return page(request, "message", status_of(exc), title=exc.detail)


PAGE_EXCEPTION_HANDLERS = {
    NotAuthorizedException: to_login,
    PermissionDeniedException: refused_page,
    MachineError: service_error_page,
}


def done(url: str, what: str) -> Redirect:
    return Redirect(f"{url}?done={what}", status_code=303)
