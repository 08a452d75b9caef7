"""The portal's session cookie (assisters and agency admins), for the global guard and
the portal pages. Only routes declared with ``portal_page(...)`` read it, and no bearer
token reaches them: the portal is for people, the API for programs.

A form post (any method but GET/HEAD/OPTIONS) must carry the session's synchronizer
token in the ``csrf_token`` field or the ``X-CSRF-Token`` header, else 403.
"""

from __future__ import annotations

import hmac

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException

from workflow.accounts.portal_login import PortalSessionInfo, session_for_cookie
from workflow.core.principal import Principal
from workflow.web.sessions import CSRF_FIELD, CSRF_HEADER, FORM_TYPES, SAFE_METHODS

PORTAL_COOKIE = "workflow_portal"
STEP_COOKIE = "workflow_portal_step"  # between the password and the second factor
FORM_COOKIE = "workflow_portal_form"  # double-submit token of the forms before sign-in
PORTAL_KEY = "portal_page"
SESSION_KEY = "workflow_portal_session"


async def principal_from_portal_cookie(connection: ASGIConnection) -> Principal | None:
    info = await session_for_cookie(connection.cookies.get(PORTAL_COOKIE, ""))
    if info is None:
        return None
    if connection.scope["method"] not in SAFE_METHODS:
        await _check_csrf(connection, info.csrf_token)
    connection.scope[SESSION_KEY] = info  # type: ignore[literal-required]
    return info.principal


async def sent_csrf(connection: ASGIConnection) -> str:
    sent = connection.headers.get(CSRF_HEADER)
    content_type = connection.headers.get("content-type", "")
    if not sent and isinstance(connection, Request) and content_type.startswith(FORM_TYPES):
        sent = (await connection.form()).get(CSRF_FIELD)
    return str(sent or "")


async def _check_csrf(connection: ASGIConnection, expected: str) -> None:
    sent = await sent_csrf(connection)
    if not sent or not hmac.compare_digest(sent, expected):
        raise PermissionDeniedException(
            "missing or wrong CSRF token: reload the page and submit the form again"
        )


def portal_session(request: Request) -> PortalSessionInfo | None:
    return request.scope.get(SESSION_KEY)  # type: ignore[return-value]
