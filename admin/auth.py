"""The staff principal behind a request to piccolo-admin (its forms and hooks)."""

from __future__ import annotations

from workflow.accounts.staff import staff_principal
from workflow.core.errors import Forbidden
from workflow.core.principal import Principal


async def principal_of(request) -> Principal:
    """The staff principal behind an admin request (its session user)."""
    user = getattr(request.user, "user", None)
    principal = await staff_principal(user.id) if user is not None else None
    if principal is None:
        raise Forbidden("only admin and support users may use the admin")
    return principal
