"""Authenticator-app (TOTP) secrets of portal users: piccolo_api's ``AuthenticatorSecret``
(the staff's table too), encrypted at rest with the same key as the staff's
(``WORKFLOW_MFA_ENCRYPTION_KEY``, else ``./mfa.key``, as ``admin/mfa.py`` reads it), the
QR code drawn as inline SVG (no image is fetched from anywhere), and recovery codes.
"""

from __future__ import annotations

import io
import os
from functools import cache
from pathlib import Path

import pyotp
import qrcode
import qrcode.image.svg
from piccolo_api.encryption.providers import XChaCha20Provider
from piccolo_api.mfa.authenticator.tables import AuthenticatorSecret

from workflow.core.settings import Settings, get_settings

KEY_FILE = Path("mfa.key")
ISSUER = "Assister portal"
RECOVERY_CODES = 8


def encryption_key(settings: Settings | None = None) -> bytes:
    """The key of every MFA secret, the staff's (``admin/mfa.py``) and the portal's:
    ``WORKFLOW_MFA_ENCRYPTION_KEY``, else one generated once into ``./mfa.key``."""
    configured = (settings or get_settings()).mfa_encryption_key
    if configured:
        return bytes.fromhex(configured)
    if not KEY_FILE.exists():
        fd = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(XChaCha20Provider.get_new_key().hex())
    return bytes.fromhex(KEY_FILE.read_text().strip())


@cache
def _provider(key: bytes) -> XChaCha20Provider:
    return XChaCha20Provider(encryption_key=key)


def provider() -> XChaCha20Provider:
    return _provider(encryption_key())


async def new_secret(user_id: int, username: str) -> tuple[str, str, list[str]]:
    """A fresh secret replacing any earlier one: (secret, otpauth URI, recovery codes).
    Shown once, on the enrolment page; only the encrypted secret and hashed codes stay."""
    await AuthenticatorSecret.revoke(user_id=user_id)
    row, codes = await AuthenticatorSecret.create_new(
        user_id, provider(), recovery_code_count=RECOVERY_CODES
    )
    secret = provider().decrypt(row.secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    return secret, uri, codes


async def current(user_id: int, username: str) -> tuple[str, str]:
    """The live secret and its URI again (the enrolment page, after a mistyped code)."""
    row = (
        await AuthenticatorSecret.objects()
        .where(AuthenticatorSecret.user_id == user_id, AuthenticatorSecret.revoked_at.is_null())
        .order_by(AuthenticatorSecret.created_at, ascending=False)
        .first()
    )
    if row is None:
        secret, uri, _ = await new_secret(user_id, username)
        return secret, uri
    secret = provider().decrypt(row.secret)
    return secret, pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


async def check_code(user_id: int, code: str) -> bool:
    """A current code from the app (one step either side, for clocks a little off), or
    an unused recovery code. A code used once is refused the second time."""
    cleaned = code.strip().replace(" ", "")
    if not cleaned or len(cleaned) > 40:
        return False
    return await AuthenticatorSecret.authenticate(user_id, cleaned, provider(), valid_window=1)


async def remove(user_id: int) -> None:
    await AuthenticatorSecret.revoke(user_id=user_id)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (paths only, no script)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    text = out.getvalue().decode("utf-8")
    return text[text.index("<svg") :]  # drop the XML declaration
