"""Support resets a portal user's second sign-in step (a lost phone): their app secret
and recovery codes are revoked, their sessions end, and they choose a second step again
at their next sign-in. Audited; nothing secret is shown to support."""

from __future__ import annotations

from litestar import post

from workflow.accounts.management import get_user
from workflow.accounts.portal_login import reset_mfa
from workflow.web.auth import allow
from workflow.web.params import Actor, Id


@post(
    "/users/{user_id:int}/portal-mfa/reset",
    opt=allow("admin", "support"),
    status_code=200,
    tags=["users"],
)
async def reset_portal_mfa(user_id: Id, actor: Actor) -> dict[str, str]:
    """Reset an assister's or agency admin's portal MFA (support, admin)."""
    user = await get_user(user_id)
    await reset_mfa(user["username"], actor)
    return {"detail": f"{user['username']} chooses a new second sign-in step at their next sign-in"}
