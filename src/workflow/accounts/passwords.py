"""What a portal password must be: at least 12 characters, not one of the common or
breached passwords shipped in ``data/common_passwords.txt``, not the username."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from workflow.core.i18n import N_

MIN_LENGTH = 12  # the sentences below say these numbers: change both
MAX_LENGTH = 200  # the hash takes any length; this keeps a form's body small
COMMON_PASSWORDS = Path(__file__).parent.parent / "data" / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused, in a sentence, or ``None`` when it will do."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 12 characters for your password.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 200 characters for your password.")
    if password.strip().lower() in common_passwords():
        return N_(
            "This password is on a list of common or breached passwords; choose another "
            "(a few unrelated words together work well)."
        )
    if username and username.strip().lower() in password.lower():
        return N_("Your password must not contain your username.")
    return None
