"""Who may call a route: every handler declares its roles in ``opt``; one global guard
authenticates the bearer token and refuses what no declaration allows (deny by default).
Routes that allow consumers also accept the consumer's session cookie (browser pages),
with a CSRF check on writes (``api/sessions.py``)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from workflow.accounts.staff import principal_from_session_cookie
from workflow.accounts.tokens import principal_for_token
from workflow.core.principal import Principal
from workflow.core.roles import PEOPLE, STAFF, Role, a_role, check_roles
from workflow.engine import audit
from workflow.web.portal_sessions import PORTAL_KEY, principal_from_portal_cookie
from workflow.web.sessions import check_staff_csrf, principal_from_cookie

ANONYMOUS = Role.anonymous
SAFE_METHODS = ("GET", "HEAD")
STAFF_COOKIE = "id"  # piccolo-admin's session cookie
ALL_ROLES = PEOPLE  # a metrics scraper's token is not a person's
ROLES_KEY = "roles"
STAFF_FORM_KEY = "staff_form"


def staff_form(*roles: str) -> dict[str, Any]:
    """``opt`` for a staff page's form handler (POST): the admin's session cookie may
    authorise it, with the staff pages' CSRF token (``web/sessions.py``)."""
    return {**allow(*roles), STAFF_FORM_KEY: True}


def portal_page(*roles: str) -> dict[str, Any]:
    """``opt`` for an assister or agency portal page: only the portal's session cookie
    authorises it (with its CSRF token on form posts), never a bearer token."""
    return {**allow(*roles), PORTAL_KEY: True}


def allow(*roles: str) -> dict[str, Any]:
    """``opt`` for a handler: ``@get(..., opt=allow("admin", "support"))``.
    ``allow(ANONYMOUS)`` makes a route public."""
    return {ROLES_KEY: check_roles(roles, "allow")}


def declared_roles(handler: BaseRouteHandler) -> frozenset[str] | None:
    return handler.opt.get(ROLES_KEY)


async def authorize(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    _start_request_context(connection)
    roles = declared_roles(handler)
    if roles is None:
        await _refused(connection, None, 403, "no roles declared")
        raise PermissionDeniedException("this route declares no roles, so nobody may call it")
    if handler.opt.get(PORTAL_KEY):
        principal = await principal_from_portal_cookie(connection)
    else:
        principal = await _authenticate(connection, roles, handler.opt.get(STAFF_FORM_KEY, False))
    connection.scope["user"] = principal
    if ANONYMOUS in roles:
        return
    if principal is None:
        await _refused(connection, None, 401, "no valid credentials")
        if connection.headers.get("authorization"):
            raise NotAuthorizedException(
                "the bearer token is invalid, expired or revoked; ask an admin for a new one"
            )
        raise NotAuthorizedException("send an API token: Authorization: Bearer <token>")
    if principal.role not in roles:
        await _refused(connection, principal, 403, "role not allowed")
        raise PermissionDeniedException(
            f"{a_role(principal.role)} may not call {connection.scope['method']} "
            f"{route_of(connection)}; allowed: {', '.join(sorted(roles))}"
        )


def route_of(connection: ASGIConnection) -> str:
    """The route's template as the client knows it (``/assisters/{assister_id}``)."""
    template = connection.scope.get("path_template") or connection.scope["path"]
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", template)


def _start_request_context(connection: ASGIConnection) -> None:
    """Where the request came from and its correlation id, for every audit entry it
    causes (and for a 500's answer)."""
    client = connection.scope.get("client")
    audit.REQUEST_SOURCE.set(client[0] if client else "")
    audit.CORRELATION_ID.set(uuid.uuid4().hex)


async def _refused(
    connection: ASGIConnection, principal: Principal | None, status: int, why: str
) -> None:
    # The route's template, never the raw path: a path segment is whatever the caller
    # typed (an SSN, a name) and the audit log keeps no personal data.
    route = f"{connection.scope['method']} {route_of(connection)}"
    await audit.record_outside(
        "access_refused",
        str(status),
        actor=principal,
        object_type="route",
        object_id=route,
        detail={"why": why, "route": route},
    )


async def _authenticate(
    connection: ASGIConnection, roles: frozenset[str], form: bool
) -> Principal | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        connection.scope["auth_via"] = "token"  # type: ignore[typeddict-unknown-key]
        return await principal_for_token(token.strip())
    if "consumer" in roles and not header:
        return await principal_from_cookie(connection)
    reading = connection.scope.get("method") in SAFE_METHODS
    if roles & STAFF and not header and (reading or form):
        # Staff signed in to the admin read the staff pages and diagrams with its session
        # cookie. A write with the cookie only through a staff page's form, with its CSRF
        # token; never an API route (a cookie is sent by any page that posts to us).
        principal = await principal_from_session_cookie(connection.cookies.get(STAFF_COOKIE))
        if principal is not None and not reading:
            await check_staff_csrf(connection)
        return principal
    return None


def current_principal(request: Request) -> Principal:
    """Dependency: the authenticated caller of a non-public route."""
    principal = request.scope.get("user")
    if principal is None:
        raise NotAuthorizedException("send an API token: Authorization: Bearer <token>")
    return principal


def require(
    connection: ASGIConnection, roles: frozenset[str] | tuple[str, ...], what: str
) -> Principal:
    """Inside a public route, for a part of it that is not public (e.g. a diagram's
    ``?counts=1``): the same 401/403 the global guard gives. Returns the principal."""
    principal = connection.scope.get("user")
    if principal is None:
        if connection.headers.get("authorization"):
            raise NotAuthorizedException(
                "the bearer token is invalid, expired or revoked; ask an admin for a new one"
            )
        raise NotAuthorizedException(f"{what} needs an API token: Authorization: Bearer <token>")
    if principal.role not in roles:
        raise PermissionDeniedException(
            f"{a_role(principal.role)} may not ask for {what}; allowed: {', '.join(sorted(roles))}"
        )
    return principal
