"""The piccolo-admin site, built once at start-up and mounted by the litestar app at
``/admin/``: same database, same users (admin and support sign in with their password),
tables grouped like the work, forms generated from the machines, staff pages in the
sidebar. Every change made through it lands in the audit log."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache

from litestar import asgi
from litestar.types import Receive, Scope, Send
from piccolo_admin.endpoints import create_admin

from admin.event_forms import event_forms
from admin.mfa import mfa_gate, mfa_providers
from admin.sign_in import DatabaseLimit, is_sign_in, sign_in_gate
from admin.tables import ADDABLE, EDITABLE, table_configs
from admin.ui_extras import add_ui_extras
from admin.user_forms import user_forms
from workflow.accounts.staff import StaffSession, StaffUser
from workflow.core.settings import get_settings
from workflow.db.health import is_unavailable
from workflow.engine import audit
from workflow.registry import KINDS
from workflow.web.auth import ANONYMOUS, allow

SIDEBAR_LINKS = {
    "Dashboard": "/staff/dashboard",
    "Find a case (search)": "/staff/search",
    "Case lists (act on many)": "/staff/cases",
    "Stuck validations (support queue)": "/staff/validations",
    "Import training results": "/staff/training/import",
    "Training sessions": "/staff/training/sessions/",
    "Open Enrollment readiness": "/staff/reports/open-enrollment-readiness",
    "State diagrams": "/diagrams.html",
    "API documentation": "/schema/swagger",
}


@cache
def admin_app():
    settings = get_settings()
    admin = create_admin(
        tables=table_configs(),
        forms=[*event_forms(), *user_forms()],
        auth_table=StaffUser,
        session_table=StaffSession,
        session_expiry=timedelta(minutes=settings.staff_session_idle_minutes),
        max_session_expiry=timedelta(hours=settings.staff_session_max_hours),
        increase_expiry=None,  # StaffSession renews on every request (idle timeout)
        production=not settings.development,
        site_name="Assister program back office",
        sidebar_links=SIDEBAR_LINKS,
        mfa_providers=mfa_providers(settings),
        auto_include_related=False,
        default_language_code="en",
        allowed_hosts=list(settings.allowed_hosts),
        # Counted in the database by the sign-in gate, for every process alike.
        rate_limit_provider=DatabaseLimit(),
    )
    cases = {kind.table._meta.tablename: kind.name for kind in KINDS.values()}
    add_ui_extras(admin, {"cases": cases, "editable": EDITABLE, "addable": ADDABLE})
    return admin


WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _audited(app):
    """Record every write through the admin (table edits, forms, logins) with its
    outcome; only the path and status, never the body (it may hold personal data)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await app(scope, receive, send)
            return
        status = {}

        async def capture(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await app(scope, receive, capture)
        await _record(scope, status.get("code", 500))

    return wrapped


async def _record(scope: Scope, status: int) -> None:
    path = scope.get("path", "")
    if "/public/login" in path:
        return  # sign-ins are audited by the login service itself
    parts = [p for p in path.split("/") if p]
    object_type, object_id = "", ""
    if "tables" in parts:
        i = parts.index("tables")
        object_type = parts[i + 1] if len(parts) > i + 1 else ""
        object_id = parts[i + 2] if len(parts) > i + 2 else ""
    elif "forms" in parts:
        i = parts.index("forms")
        object_type, object_id = "form", parts[i + 1] if len(parts) > i + 1 else ""
    user = scope.get("user")
    username = getattr(getattr(user, "user", None), "username", None)
    await audit.record(
        "admin_change",
        "success" if status < 400 else "refused",
        username=username or "anonymous",
        object_type=object_type[:40],
        object_id=object_id[:40],
        detail=json.loads(json.dumps({"method": scope["method"], "path": path, "status": status})),
    )


def _unavailable_as_503(app):
    """piccolo-admin answers 500 for any exception, then raises it: hold a 500 back and,
    if the exception says the database is unavailable, answer 503 with Retry-After as
    the API does."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        held: list = []

        async def hold_500(message):
            if held or (message["type"] == "http.response.start" and message["status"] == 500):
                held.append(message)
                return
            await send(message)

        try:
            await app(scope, receive, hold_500)
        except Exception as exc:
            if not is_unavailable(exc):
                for message in held:
                    await send(message)
                raise
            await _send_unavailable(send)
            return
        for message in held:
            await send(message)

    return wrapped


async def _send_unavailable(send: Send) -> None:
    retry = str(get_settings().unavailable_retry_after_seconds).encode()
    body = json.dumps({"status_code": 503, "detail": "the database is unavailable just now; "
                       "try again shortly"}).encode()  # fmt: skip
    headers = [(b"content-type", b"application/json"), (b"retry-after", retry)]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@asgi("/admin", is_mount=True, copy_scope=True, opt=allow(ANONYMOUS), include_in_schema=False)
async def admin_mount(scope: Scope, receive: Receive, send: Send) -> None:
    """piccolo-admin signs staff in with its own session; the API's guard lets it pass."""
    app = _audited(mfa_gate(_unavailable_as_503(admin_app())))
    if is_sign_in(scope):
        await sign_in_gate(app, scope, receive, send)
        return
    await app(scope, receive, send)
