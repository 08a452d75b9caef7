"""What the consumer pages share: rendering in the page's language (``core/i18n.py``)
with the session's CSRF token, fixed flash messages, cookies, and turning refusals into
pages instead of JSON."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template

from workflow.core import i18n
from workflow.core.errors import MachineError
from workflow.core.i18n import N_
from workflow.core.settings import get_settings
from workflow.web.errors import STATUS
from workflow.web.sessions import current_session

LOGIN_URL = "/consumer/login"
HOME_URL = "/consumer/assister"

# Only these texts can appear as a flash message: nothing from the query string is echoed.
MESSAGES = {
    "confirmed": N_("Your new assister is confirmed. They can now help you with your application."),
    "removed": N_("Your assister was removed. You can add another one at any time."),
    "cancelled": N_("The request was cancelled; nothing changed."),
    "signed_out": N_("You are signed out."),
}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    session = current_session(request)
    lang = i18n.choose(
        session.language if session else None,
        request.cookies.get(i18n.COOKIE),
        request.headers.get("accept-language"),
    )
    query = request.url.query
    base = {
        "lang": lang,
        "languages": i18n.others(lang),
        "here": request.url.path + (f"?{query}" if query else ""),
        "signed_in": session is not None,
        "csrf_token": session.csrf_token if session else "",
        "message": MESSAGES.get(request.query_params.get("done", ""), ""),
        "error": "",
    }
    return Template(
        template_name=f"pages/consumer/{template}.html",
        context={**base, **context},
        status_code=status_code,
    )


def cookie(key: str, value: str, *, path: str = "/", max_age: int | None = None) -> Cookie:
    """HttpOnly, SameSite=Lax, Secure unless WORKFLOW_DEVELOPMENT=1 (plain http)."""
    return Cookie(
        key=key,
        value=value,
        path=path,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=not get_settings().development,
    )


def expired_cookie(key: str, path: str = "/") -> Cookie:
    return Cookie(key=key, value="", path=path, max_age=0, expires=0)


def to_login(_: Request, __: NotAuthorizedException) -> Redirect:
    return Redirect(LOGIN_URL, status_code=303)


def refused_page(request: Request, exc: PermissionDeniedException) -> Template:
    return render(request, "message", 403, title=exc.detail, **_back())


def status_of(exc: MachineError) -> int:
    return next(code for cls, code in STATUS if isinstance(exc, cls))


def service_error_page(request: Request, exc: MachineError) -> Template:
    return render(request, "message", status_of(exc), title=exc.detail, **_back())


def _back() -> dict[str, str]:
    return {"next_url": HOME_URL, "next_label": N_("Back to Manage my assister")}


PAGE_EXCEPTION_HANDLERS = {
    NotAuthorizedException: to_login,
    PermissionDeniedException: refused_page,
    MachineError: service_error_page,
}
