"""The public Registration Completion List, as JSON and as a page."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from workflow.assisters.registration_list import registration_list
from workflow.core.errors import BadInput
from workflow.validations.schemas import RegistrationEntry, RegistrationPage
from workflow.web.auth import ANONYMOUS, allow
from workflow.web.params import DEFAULT_LIMIT, Limit, Offset, Text
from workflow.web.schemas import convert

PAGE_SIZE = 25


@get("/registration-list", opt=allow(ANONYMOUS), tags=["public"])
async def registration_list_json(
    q: Text = None, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> RegistrationPage:
    """Anyone may look up a registered broker by NPN (exact) or name (part of it): name,
    NPN, NPN validation result and registration year. Nothing private."""
    items, total = await registration_list(q, limit=limit, offset=offset)
    return RegistrationPage(convert(items, list[RegistrationEntry]), total, limit, offset)


@get("/registration-completion-list", opt=allow(ANONYMOUS), include_in_schema=False)
async def registration_list_page(q: Text = None, offset: Offset = 0) -> Template:
    """The same list as a page with a search form."""
    try:
        items, total = await registration_list(q, limit=PAGE_SIZE, offset=offset)
        error = None
    except BadInput as exc:  # e.g. an SSN typed into the search box: said on the page
        items, total, error, q = [], 0, exc.detail.removeprefix("q: "), None
    return Template(
        template_name="pages/registration_list.html",
        status_code=400 if error else 200,
        context={
            "q": q or "",
            "items": items,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "error": error,
        },
    )


ROUTES = [registration_list_json, registration_list_page]
