"""Single-use secrets for portal users, kept only as hashes in ``one_time_codes``:

- ``sign_in``: the step between a right password and the second factor (a cookie);
- ``email_code``: six digits sent by e-mail instead of an authenticator app;
- ``reset``: a password-reset link.

Long random tokens are looked up by their SHA-256; six-digit codes are checked against
the user's live codes (salted hashes). Used or expired, none works again.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from workflow.core.codes import hash_secret, hash_token, verify_secret
from workflow.tables import OneTimeCode

SIGN_IN = "sign_in"
EMAIL_CODE = "email_code"
RESET = "reset"
LIFETIME = {
    SIGN_IN: timedelta(minutes=15),
    EMAIL_CODE: timedelta(minutes=10),
    RESET: timedelta(minutes=30),
}


def _live(user_id: int, purpose: str, now: datetime):
    return (
        (OneTimeCode.user == user_id)
        & (OneTimeCode.purpose == purpose)
        & OneTimeCode.used_at.is_null()
        & (OneTimeCode.expires_at > now)
    )


async def new_token(user_id: int, purpose: str, now: datetime) -> str:
    """A long random token (a cookie or a link's last part); earlier ones of the same
    purpose stop working."""
    await _retire(user_id, purpose, now)
    token = secrets.token_urlsafe(32)
    await _insert(user_id, purpose, hash_token(token), now)
    return token


async def new_code(user_id: int, now: datetime) -> str:
    """Six digits for the e-mail; an earlier code stops working."""
    await _retire(user_id, EMAIL_CODE, now)
    code = f"{secrets.randbelow(10**6):06d}"
    await _insert(user_id, EMAIL_CODE, hash_secret(code), now)
    return code


async def _insert(user_id: int, purpose: str, hashed: str, now: datetime) -> None:
    await OneTimeCode.insert(
        OneTimeCode(
            user=user_id,
            purpose=purpose,
            token_hash=hashed,
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )


async def _retire(user_id: int, purpose: str, now: datetime) -> None:
    await OneTimeCode.update({OneTimeCode.used_at: now}).where(
        (OneTimeCode.user == user_id)
        & (OneTimeCode.purpose == purpose)
        & OneTimeCode.used_at.is_null()
    )


async def holder(token: str, purpose: str, now: datetime) -> int | None:
    """The user a live token belongs to (not using it up), else ``None``."""
    if not token or len(token) > 100:
        return None
    row = (
        await OneTimeCode.select(OneTimeCode.user)
        .where(
            (OneTimeCode.token_hash == hash_token(token))
            & (OneTimeCode.purpose == purpose)
            & OneTimeCode.used_at.is_null()
            & (OneTimeCode.expires_at > now)
        )
        .first()
    )
    return row["user"] if row else None


async def use_token(token: str, purpose: str, now: datetime) -> int | None:
    """Use the token up; the user it belonged to, or ``None`` if it was not live (also
    when another request used it a moment before: the update is the check)."""
    if not token or len(token) > 100:
        return None
    rows = (
        await OneTimeCode.update({OneTimeCode.used_at: now})
        .where(
            (OneTimeCode.token_hash == hash_token(token))
            & (OneTimeCode.purpose == purpose)
            & OneTimeCode.used_at.is_null()
            & (OneTimeCode.expires_at > now)
        )
        .returning(OneTimeCode.user)
    )
    return rows[0]["user"] if rows else None


async def use_code(user_id: int, code: str, now: datetime) -> bool:
    """Use up the user's live e-mailed code if ``code`` is it."""
    cleaned = code.strip()
    if not cleaned.isdigit() or len(cleaned) != 6:
        return False
    rows = await OneTimeCode.select(OneTimeCode.id, OneTimeCode.token_hash).where(
        _live(user_id, EMAIL_CODE, now)
    )
    for row in rows:
        if verify_secret(cleaned, row["token_hash"]):
            used = (
                await OneTimeCode.update({OneTimeCode.used_at: now})
                .where((OneTimeCode.id == row["id"]) & OneTimeCode.used_at.is_null())
                .returning(OneTimeCode.id)
            )
            return bool(used)
    return False


async def retire_all(user_id: int, purpose: str, now: datetime) -> None:
    await _retire(user_id, purpose, now)
