"""Who is acting: the caller behind a token or session, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

ANONYMOUS_ROLE = "anonymous"


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    username: str
    role: str
    account_id: int | None = None
    organization_id: int | None = None
    assister_id: int | None = None
    consumer_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in {"admin", "support"}


SYSTEM = Principal(user_id=None, username="system", role="system")


def a_role(role: str) -> str:
    """``an assister``, ``a support``: for messages that name who was refused."""
    return f"{'an' if role[:1] in tuple('aeiou') else 'a'} {role}"
