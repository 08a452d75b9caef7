"""Security headers on every response, the admin's and error pages' included.

A response that set its own policy keeps it (diagram SVGs and piccolo-admin's uploaded
files carry stricter ones). HSTS is sent only over HTTPS: a browser ignores it over plain
HTTP, and sending it from a development server on localhost would pin that host to TLS.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

# Pages and the API: our own scripts and styles only, inline styles for the small pages,
# never framed, forms post only to us.
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The API docs (Swagger UI, shipped in the package) run under the same policy: their
# scripts and styles come from /static, their icons are data: URIs.
ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Same-origin keeps the Referer the admin's CSRF check reads; nothing leaks outside.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook of the app."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    if "content-security-policy" not in headers:
        headers["content-security-policy"] = DEFAULT_CSP
    for name, value in ALWAYS.items():
        if name not in headers:
            headers[name] = value
    if scope.get("scheme") == "https":
        headers["strict-transport-security"] = HSTS
    if "cache-control" not in headers and _private(scope):
        headers["cache-control"] = "no-store"


def _private(scope: Scope) -> bool:
    """Answers to a signed-in caller, writes and the admin's data may hold personal data:
    never kept by a browser or proxy cache."""
    return (
        scope.get("user") is not None
        or scope.get("method") != "GET"
        or scope.get("path", "").startswith("/admin/api")
    )
