"""Public forms that send mail or create work (a forgotten password or username, a Help
On Demand request) take a few requests per client address per five minutes. Each request
taken is a row in ``login_attempts`` on its own channel, counted the way the staff
sign-in limit counts (:func:`workflow.accounts.login.seconds_until_allowed`): in the
database, so every server process and host sees the same count (process memory would give
each process its own share). A refused request is not counted, so the wait it is told is
exact."""

from __future__ import annotations

from datetime import UTC, datetime

from workflow.accounts.login import seconds_until_allowed
from workflow.core.errors import TooManyRequests
from workflow.engine import audit
from workflow.tables import LoginAttempt

RECOVERY = "recovery"  # forgotten password and forgotten username, together
REFERRAL = "referral"  # Help On Demand requests


async def take(channel: str, limit: int, now: datetime | None = None) -> int:
    """0 if the client address is under ``limit`` requests on ``channel`` (this one is
    then counted), else the seconds it must wait (audited as ``rate_limited``)."""
    now = now or datetime.now(UTC)
    source = audit.REQUEST_SOURCE.get()
    wait = await seconds_until_allowed(source, limit, now, channel)
    if wait:
        await audit.record_outside(
            channel, "rate_limited", object_type="route", detail={"retry_after": wait}, at=now
        )
        return wait
    await LoginAttempt.insert(
        LoginAttempt(
            username="",
            at=now,
            success=True,
            channel=channel,
            source=source[:64],
            detail="request taken",
        )  # fmt: skip
    )
    return 0


async def take_or_refuse(
    channel: str, limit: int, what: str, then: str = "", now: datetime | None = None
) -> None:
    """:func:`take`, raising 429 (with ``Retry-After``) over the limit; ``what`` names
    the requests ("Help On Demand requests"), ``then`` adds what else to do."""
    wait = await take(channel, limit, now)
    if wait:
        raise TooManyRequests(
            f"too many {what} from your address (at most {limit} every 5 minutes): "
            f"try again in {wait} seconds{then}",
            wait,
        )
