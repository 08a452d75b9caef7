"""The find-help page (English and Spanish): search the directory, ask an assister found
there (signed-in consumers), or ask for help now (Help On Demand, anyone). Server-rendered
and usable without JavaScript."""

from __future__ import annotations

import math
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from msgspec import Struct

from workflow.accounts import request_limits
from workflow.assisters.machine import AssisterKind
from workflow.associations.service import request_listed_assister
from workflow.core import i18n
from workflow.core.errors import MachineError
from workflow.core.i18n import N_
from workflow.core.principal import Principal
from workflow.core.settings import get_settings
from workflow.directory.search import DEFAULT_RADIUS_MILES, Search, find_help
from workflow.referrals.service import HelpRequest, ask_for_help
from workflow.web.auth import ANONYMOUS, allow
from workflow.web.params import Actor
from workflow.web.rendering import PAGE_EXCEPTION_HANDLERS, status_of
from workflow.web.sessions import current_session

PAGE_SIZE = 10
EMPTY_QUERY = {"zip": "", "state": "", "radius_miles": DEFAULT_RADIUS_MILES, "language": "",
               "kind": "", "accepting": ""}  # fmt: skip
Text = Annotated[str | None, QueryParameter(max_length=10)]
Radius = Annotated[float, QueryParameter(ge=1, le=200)]
PageNumber = Annotated[int, QueryParameter(ge=1, le=10_000)]


class AskForm(Struct):
    name: str = ""
    zip: str = ""
    language: str = "en"
    phone: str = ""
    email: str = ""
    consent: str = ""
    lang: str = "en"
    csrf_token: str = ""


class TokenForm(Struct):
    csrf_token: str = ""


URL_ENCODED = Body(media_type=RequestEncodingType.URL_ENCODED)
KIND_LABELS = {"navigator": N_("Navigator"), "cac": N_("Certified application counselor"),
               "broker": N_("Agent or broker")}  # fmt: skip
LANGUAGE_NAMES = {"en": N_("English"), "es": N_("Spanish")}
DONE = {
    "hod_offered": N_("Thank you. A broker near you has your request and will contact you "
                      "soon. If they cannot, another broker will."),
    "hod_unmatched": N_("Thank you. No broker is free right now; our staff have your "
                        "request and will contact you."),
}  # fmt: skip
# Help On Demand asked too often from one address (referral_rate_limit per 5 minutes).
TOO_MANY_ASKS = N_("You have asked for help several times in a few minutes. Your requests "
                   "are kept and someone will contact you. To ask again, wait "
                   "%(minutes)s min.")  # fmt: skip


def language_of(request: Request, asked: str | None) -> str:
    """``?lang=`` (the page's switch) first, then the language cookie, then the browser."""
    if asked in i18n.LANGUAGES:
        return asked
    return i18n.choose(None, request.cookies.get(i18n.COOKIE),
                       request.headers.get("accept-language"))  # fmt: skip


def _page(request: Request, lang: str, status: int = 200, **context: Any) -> Template:
    session = current_session(request)
    principal: Principal | None = request.scope.get("user")
    base = {
        "lang": lang,
        "other_lang": "es" if lang == "en" else "en",
        "kind_labels": KIND_LABELS,
        "language_names": LANGUAGE_NAMES,
        "signed_in": principal is not None and principal.role == "consumer",
        "csrf_token": session.csrf_token if session else "",
        "kinds": [k.value for k in AssisterKind],
        "query": dict(EMPTY_QUERY),
        "results": None,
        "error": "",
        "ask": {},
        "done": "",
    }
    context["done_text"] = DONE.get(context.get("done", ""), "")
    return Template("pages/find_help.html", context={**base, **context}, status_code=status)


class FindHelpPages(Controller):
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/find-help.html", opt=allow(ANONYMOUS, "consumer"))
    async def search(
        self,
        request: Request,
        zip: Text = None,
        us_state: Annotated[str | None, QueryParameter(name="state", max_length=2)] = None,
        radius_miles: Radius = DEFAULT_RADIUS_MILES,
        language: Text = None,
        kind: Text = None,
        accepting: Text = None,
        page: PageNumber = 1,
        lang: Text = None,
    ) -> Template:
        """Find local help: the search form and, once asked, one page of results."""
        shown = language_of(request, lang)
        query = {"zip": zip or "", "state": us_state or "", "radius_miles": radius_miles,
                 "language": language or "", "kind": kind or "",
                 "accepting": accepting or ""}  # fmt: skip
        if not (zip or us_state):
            return _page(request, shown, query=query)
        search = Search(zip=zip or None, state=None if zip else us_state,
                        radius_miles=radius_miles, language=language or None,
                        kind=kind or None, accepting_new_clients=bool(accepting),
                        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
        try:
            results = await find_help(search)
        except MachineError as exc:
            return _page(request, shown, status_of(exc), query=query, error=exc.detail)
        pages = max(1, math.ceil(results["total"] / PAGE_SIZE))
        return _page(request, shown, query=query, results=results, page=page, pages=pages)

    @post("/find-help/ask", opt=allow(ANONYMOUS, "consumer"))
    async def ask(self, request: Request, data: Annotated[AskForm, URL_ENCODED]) -> Template:
        """Help On Demand from the page: a broker near the consumer is offered it."""
        shown = language_of(request, data.lang)
        ask = HelpRequest(data.name, data.zip, data.language, data.phone or None,
                          data.email or None, data.consent == "on")  # fmt: skip
        kept = {"name": data.name, "zip": data.zip, "language": data.language,
                "phone": data.phone, "email": data.email}  # fmt: skip
        wait = await request_limits.take(
            request_limits.REFERRAL, get_settings().referral_rate_limit
        )
        if wait:
            error = i18n.gettext(shown, TOO_MANY_ASKS, minutes=math.ceil(wait / 60))
            page = _page(request, shown, 429, ask=kept, error=error)
            page.headers["Retry-After"] = str(wait)
            return page
        try:
            referral = await ask_for_help(ask, request.scope.get("user"))
        except MachineError as exc:
            return _page(request, shown, status_of(exc), ask=kept, error=exc.detail)
        done = "hod_offered" if referral["state"] != "unmatched" else "hod_unmatched"
        return _page(request, shown, done=done)

    @post("/consumer/find-help/{assister_id:int}/request", opt=allow("consumer"))
    async def request_assister(
        self, assister_id: FromPath[int], actor: Actor, data: Annotated[TokenForm, URL_ENCODED]
    ) -> Redirect:
        """A signed-in consumer asks an assister found on the page; they confirm next."""
        association, _ = await request_listed_assister(actor, assister_id)
        return Redirect(f"/consumer/assister/requests/{association['id']}", status_code=303)
