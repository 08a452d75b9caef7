"""Who is acting: the caller behind a token or session, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.core.roles import SEES_EVERYTHING, STAFF, Role


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
        return self.role in STAFF

    @property
    def sees_everything(self) -> bool:
        """Staff and the system see every case of every kind."""
        return self.role in SEES_EVERYTHING


SYSTEM = Principal(user_id=None, username="system", role=Role.system)
