"""Errors the services raise. The API maps each class to a status code in one place
(``api/errors.py``); the admin and the CLI show ``detail`` as it is."""

from __future__ import annotations

from workflow.machines.errors import (
    BadEventData,
    EventNotAllowed,
    GuardRefused,
    MachineError,
    UnknownEvent,
)

__all__ = [
    "AttemptRecorded",
    "BadEventData",
    "BadInput",
    "Conflict",
    "EventNotAllowed",
    "Forbidden",
    "GuardRefused",
    "MachineError",
    "NotFound",
    "ServiceError",
    "StaleVersion",
    "Unavailable",
    "UnknownEvent",
]


class ServiceError(MachineError):
    """Base for refusals raised by services."""


class NotFound(ServiceError):
    """The thing does not exist, or the caller may not know that it does (404)."""


class HiddenCase(NotFound):
    """Someone else's case: answered exactly like a missing one (404), but audited."""


class Forbidden(ServiceError):
    """The caller's role may not do this (403)."""


class Unavailable(ServiceError):
    """Something the server needs is missing (e.g. Graphviz for SVG); says what to install
    (503)."""


class BadInput(ServiceError):
    """Malformed input; ``field`` names what to fix (400)."""

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(detail)
        self.field = field


class Conflict(ServiceError):
    """The request collides with the current state of things (409)."""


class StaleVersion(Conflict):
    """Someone else changed the case first: the answer carries where it stands now."""

    def __init__(
        self,
        machine: str,
        entity_id: int,
        current: int,
        expected: int | None,
        state: str | None = None,
        allowed_events: list[str] | None = None,
    ):
        if expected is None:
            detail = (
                f"{machine} {entity_id} changed while your event was being applied "
                f"(now version {current}); reload it and try again"
            )
        else:
            detail = (
                f"{machine} {entity_id} is at version {current}, not {expected} as your "
                "If-Match said; reload it and decide again"
            )
        super().__init__(detail)
        self.version = current
        self.state = state
        self.allowed_events = allowed_events


class AttemptRecorded(GuardRefused):
    """A guard refused the event but the machine keeps the attempt (a failed exam):
    the history row is committed and the caller still hears the refusal (422)."""

    def __init__(self, event: str, reason: str, outcome):
        super().__init__(event, reason)
        self.outcome = outcome
