"""Every refusal the service raises. Machines raise the first group (unknown event, not
allowed now, a guard said no, bad data); the engine and the domain services the rest.
Each error explains itself to the person who asked; ``web/errors.py`` maps each class to a
status code in one place, and the admin and the CLI show ``detail`` as it is."""

from __future__ import annotations


class MachineError(Exception):
    """Base for refusals that come from a machine declaration."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class UnknownEvent(MachineError):
    def __init__(self, machine: str, event: str, events: list[str]):
        super().__init__(f"{machine} has no event {event!r}; its events are: {', '.join(events)}")
        self.events = events


class EventNotAllowed(MachineError):
    def __init__(self, machine: str, event: str, state: str, allowed: list[str]):
        hint = ", ".join(allowed) if allowed else "none (this is a final state)"
        super().__init__(
            f"{event} is not allowed while the {machine} is {state}; allowed now: {hint}"
        )
        self.state = state
        self.allowed_events = allowed


class GuardRefused(MachineError):
    def __init__(self, event: str, reason: str, rule: str | None = None):
        super().__init__(reason)
        self.event = event
        # The refusing guard's label, as declared ("broker's NPN is validated"): unlike
        # the reason, it never quotes a value, so the audit log may keep it.
        self.rule = rule


class BadEventData(MachineError):
    def __init__(self, event: str, detail: str):
        super().__init__(f"invalid data for {event}: {detail}")
        self.event = event


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


class TooManyRequests(ServiceError):
    """Over a rate limit: ``retry_after`` seconds until the next request is taken (429
    with ``Retry-After``)."""

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


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
