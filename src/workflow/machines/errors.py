"""What a machine says when it will not move a case. Each error knows how to explain
itself to the person who asked; the API maps the class to a status code in one place."""

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
    def __init__(self, event: str, reason: str):
        super().__init__(reason)
        self.event = event


class BadEventData(MachineError):
    def __init__(self, event: str, detail: str):
        super().__init__(f"invalid data for {event}: {detail}")
        self.event = event
