"""A broker's NPN validation events, addressed by the broker's id, for the services that
fire them (profiles, the demo, the sweep, the CLI). Each is one command to the engine;
the binding asks the registry first where the event needs it."""

from __future__ import annotations

from datetime import datetime

from workflow.core.principal import Principal
from workflow.engine.command import EventOutcome, FireEvent
from workflow.engine.fire import fire
from workflow.validations.binding import VALIDATION_CASE


async def fire_for_broker(
    assister_id: int,
    event: str,
    actor: Principal,
    *,
    reason: str | None = None,
    data: dict | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> EventOutcome:
    """``event`` on the validation of broker ``assister_id``."""
    return await fire(
        FireEvent(
            VALIDATION_CASE,
            assister_id,
            event,
            actor,
            reason,
            data,
            expected_version,
            now,
            located=True,
        )  # fmt: skip
    )


async def revalidate(
    assister_id: int,
    actor: Principal,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> EventOutcome:
    """Validate the broker's current profile against the registry and record the
    outcome (``valid`` or the failure). Never a 500: a registry that fails or times out
    is the outcome ``registry_unavailable``, retried later."""
    return await fire_for_broker(
        assister_id, "revalidate", actor, expected_version=expected_version, now=now
    )


async def correct_record(
    assister_id: int,
    actor: Principal,
    reason: str | None,
    *,
    npn: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> EventOutcome:
    """Copy the name and NPN of registry record ``npn`` (default: the profile's NPN)
    onto the broker's profile; history keeps each changed field, old → new."""
    data = {"npn": npn} if npn is not None else None
    return await fire_for_broker(assister_id, "correct_record", actor, reason=reason, data=data,
                                 expected_version=expected_version, now=now)  # fmt: skip


async def fire_support_event(
    assister_id: int,
    event: str,
    actor: Principal,
    reason: str | None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> EventOutcome:
    """``escalate`` or ``confirm_identity`` on the broker's validation."""
    return await fire_for_broker(assister_id, event, actor, reason=reason,
                                 expected_version=expected_version, now=now)  # fmt: skip


async def resolve(
    assister_id: int,
    actor: Principal,
    reason: str | None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> tuple[EventOutcome, EventOutcome | None]:
    """Close the support case; the binding then validates again at once (as the
    system): (the resolve, that second outcome if it ran)."""
    resolved = await fire_for_broker(assister_id, "resolve", actor, reason=reason,
                                     expected_version=expected_version, now=now)  # fmt: skip
    return resolved, resolved.followed_by
