"""Multi-factor authentication for staff, with piccolo-admin's authenticator-app provider.

Staff may always enrol (the admin's menu: "MFA setup"). With ``WORKFLOW_STAFF_MFA_REQUIRED``
on, a staff member who has not enrolled can sign in only to enrol: the admin sends them to
the setup page and refuses everything else until they have. Support resets someone's MFA
(a lost phone) with the form "Reset MFA"; they enrol again at their next sign-in.

The shared secrets are encrypted at rest (XChaCha20) with ``WORKFLOW_MFA_ENCRYPTION_KEY``
(64 hex digits). Without it a key is generated once into ``mfa.key`` in the working
directory (mode 0600), which suits a single machine; set the key in production.
"""

from __future__ import annotations

import json
from functools import cache
from http.cookies import SimpleCookie

from piccolo_api.encryption.providers import XChaCha20Provider
from piccolo_api.mfa.authenticator.provider import AuthenticatorProvider
from piccolo_api.mfa.authenticator.tables import AuthenticatorSecret

from workflow.accounts.login import code_checked
from workflow.accounts.mfa_secrets import encryption_key
from workflow.accounts.staff import StaffSession, StaffUser, mfa_satisfied
from workflow.core.settings import Settings, get_settings

# What an unenrolled user may reach when MFA is required: sign-in and out, the setup
# page, and what the admin's shell needs to show who is signed in.
OPEN_PATHS = ("/public/", "/assets/", "/api/mfa-setup/", "/api/user/", "/api/meta/")


class CountedAuthenticator(AuthenticatorProvider):
    """piccolo's authenticator app, with each code's outcome counted like a password's:
    a wrong code is a failed sign-in (attempts, audit log, lockout), a right one the
    sign-in itself. The sign-in gate (``admin/sign_in.py``) has already refused a code
    that is not text."""

    async def authenticate_user(self, user, code: str) -> bool:
        passed = await super().authenticate_user(user=user, code=code)
        await code_checked(user.id, user.username, passed, channel="admin")
        return passed


@cache
def _provider(key: bytes) -> AuthenticatorProvider:
    return CountedAuthenticator(
        encryption_provider=XChaCha20Provider(encryption_key=key),
        issuer_name="Assister program back office",
    )


def mfa_providers(settings: Settings) -> list[AuthenticatorProvider]:
    return [_provider(encryption_key(settings))]


async def is_enrolled(user_id: int) -> bool:
    return await AuthenticatorSecret.is_user_enrolled(user_id=user_id)


async def reset(user_id: int) -> None:
    await AuthenticatorSecret.revoke(user_id=user_id)


def _session_token(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            cookie = SimpleCookie(value.decode("latin-1"))
            if "id" in cookie:
                return cookie["id"].value
    return None


async def _needs_enrolment(scope) -> bool:
    token = _session_token(scope)
    user_id = await StaffSession.get_user_id(token) if token else None
    if user_id is None:
        return False  # not signed in: piccolo-admin itself asks for the password
    user = await StaffUser.objects().where(StaffUser.id == user_id).first()
    return user is not None and user.admin and not await mfa_satisfied(user_id)


def mfa_gate(app):
    """Wrap the admin app: with MFA required, unenrolled staff only reach the setup."""

    async def gated(scope, receive, send) -> None:
        if scope["type"] != "http" or not get_settings().staff_mfa_required:
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        relative = (path[len(root) :] if root and path.startswith(root) else path) or "/"
        if relative.startswith(OPEN_PATHS) or not await _needs_enrolment(scope):
            await app(scope, receive, send)
            return
        if relative == "/":
            await _send(send, 303, b"", [(b"location", b"/admin/api/mfa-setup/")])
            return
        body = json.dumps(
            {
                "status_code": 403,
                "detail": "multi-factor authentication is required for staff: set up an "
                "authenticator app at /admin/api/mfa-setup/ first",
            }
        ).encode()
        await _send(send, 403, body, [(b"content-type", b"application/json")])

    return gated


async def _send(send, status: int, body: bytes, headers: list) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
