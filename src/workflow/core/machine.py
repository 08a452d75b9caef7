"""What every machine is made of, on top of ``transitions``.

A machine is declared once as data: its states, a list of ``transitions`` entries
(``trigger``, ``source``, ``dest``, ``conditions``/``unless``) and, per event, who may fire
it and what data it takes. :class:`MachineSpec` builds one ``transitions.Machine`` per
kind and decides events for plain :class:`Case` objects attached with ``add_model`` and
detached right after, so no machine is ever built per request.

Nothing here knows about the database or HTTP.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import msgspec
from transitions import Machine

# transitions logs every callback at INFO; one line per event is the service's job.
logging.getLogger("transitions").setLevel(logging.WARNING)

from workflow.core.errors import (  # noqa: E402
    BadEventData,
    EventNotAllowed,
    GuardRefused,
    UnknownEvent,
)
from workflow.core.roles import check_roles  # noqa: E402


class Case:
    """The model ``transitions`` moves: a state plus the facts guards read."""

    def __init__(self, facts: Mapping[str, Any], data: Mapping[str, Any]):
        self.facts = facts
        self.data = data
        self.refusals: list[str] = []
        self.refused_by: list[str] = []  # the labels of the guards that refused
        self.records_refusal = False


@dataclass(frozen=True)
class Guard:
    """A named condition. ``check`` returns why the case is refused, or ``None``."""

    label: str
    check: Callable[[Case], str | None]

    def __call__(self, event_data) -> bool:
        reason = self.check(event_data.model)
        if reason:
            event_data.model.refusals.append(reason)
            event_data.model.refused_by.append(self.label)
            return False
        return True

    @property
    def __name__(self) -> str:  # transitions' diagrams label conditions by __name__
        return self.label


def guard(label: str) -> Callable[[Callable[[Case], str | None]], Guard]:
    """Decorator: ``@guard("score at or above pass mark")``."""
    return lambda check: Guard(label, check)


def record_refusal(event_data) -> None:
    """``after`` callback of a transition that stores an attempt the guards refused
    (e.g. a failed exam): the history keeps it, the caller still hears the refusal."""
    event_data.model.records_refusal = True


@dataclass(frozen=True)
class EventSpec:
    """Who may fire an event and what it carries."""

    roles: frozenset[str]
    description: str
    data: type[msgspec.Struct] | None = None
    # True for everyone, or the roles that must give a reason (e.g. support, not the consumer).
    reason_required: bool | frozenset[str] = False
    # Data fields that are secrets: checked by guards, never written to history.
    redact: tuple[str, ...] = ()
    # What a role that may not fire this event is told to do instead (role -> message).
    denied: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every role named here is one of ``Role``: a misspelt role would lock everyone out.
        object.__setattr__(self, "roles", check_roles(self.roles, self.description))
        check_roles(self.denied, self.description)
        if not isinstance(self.reason_required, bool):
            check_roles(self.reason_required, self.description)

    def loggable(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {k: ("[redacted]" if k in self.redact else v) for k, v in data.items()}

    def needs_reason(self, role: str) -> bool:
        if isinstance(self.reason_required, bool):
            return self.reason_required
        return role in self.reason_required


@dataclass(frozen=True)
class Decision:
    from_state: str
    to_state: str
    data: dict[str, Any]
    refused: str | None = None  # set when the machine recorded a refused attempt


@dataclass(frozen=True)
class MachineSpec:
    name: str
    title: str
    states: Sequence[str]
    initial: str
    transitions: Sequence[Mapping[str, Any]]
    events: Mapping[str, EventSpec]
    state_descriptions: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def machine(self) -> Machine:
        return Machine(
            model=None,
            states=list(self.states),
            transitions=[dict(t) for t in self.transitions],
            initial=self.initial,
            send_event=True,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )

    @cached_property
    def _allowed(self) -> dict[str, tuple[str, ...]]:
        allowed: dict[str, list[str]] = {s: [] for s in self.states}
        for t in self.transitions:
            sources = t["source"]
            for source in self.states if sources == "*" else _as_list(sources):
                if t["trigger"] not in allowed[source]:
                    allowed[source].append(t["trigger"])
        return {s: tuple(events) for s, events in allowed.items()}

    def _model(self) -> Case:
        """This thread's one model, attached to the machine once (``add_model`` and
        ``remove_model`` on every decision cost more than the decision itself)."""
        case = getattr(self._models, "case", None)
        if case is None:
            case = self._models.case = Case({}, {})
            self.machine.add_model(case, initial=self.initial)
        return case

    @cached_property
    def _models(self) -> threading.local:
        return threading.local()

    def allowed_events(self, state: str) -> list[str]:
        return list(self._allowed.get(state, ()))

    @cached_property
    def _sources(self) -> dict[str, tuple[str, ...]]:
        return {
            event: tuple(s for s in self.states if event in self._allowed[s])
            for event in self.events
        }

    def sources(self, event: str) -> tuple[str, ...]:
        """The states ``event`` may leave from, in the declaration's order."""
        self.event(event)
        return self._sources[event]

    def route(self, to_state: str, from_state: str | None = None) -> list[tuple[str, str]]:
        """The shortest way from ``from_state`` (default: the first state) to ``to_state``
        as (event, state it reaches) steps; ties go to the transition declared first.
        For demos, tests and the dashboard's funnel: a path read off the machine."""
        start = from_state or self.initial
        paths: dict[str, list[tuple[str, str]]] = {start: []}
        queue = [start]
        while queue and to_state not in paths:
            state = queue.pop(0)
            for t in self.transitions:
                dest = t["dest"]
                if dest == "=" or dest in paths or t.get("unless"):
                    continue
                sources = t["source"]
                if sources == "*" or state in _as_list(sources):
                    paths[dest] = [*paths[state], (t["trigger"], dest)]
                    queue.append(dest)
        if to_state not in paths:
            raise ValueError(f"{self.name}: no way from {start} to {to_state}")
        return paths[to_state]

    def blocked(self, state: str, facts: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The events allowed from ``state`` that a guard refuses now, each with the
        guard's message (``[(event, reason), ...]``, in the declaration's order).

        Only guards that read the case's facts are judged: one that needs the event's
        own data (a score, a Registration Number) is left out, since it can only be
        judged when the event is fired, and so is one reading a fact ``facts`` lacks
        (give the kind's loaded facts too: ``engine.cases.blocked_events``). An event is
        blocked when every transition it has from ``state`` is refused; the reason is the
        first such refusal's."""
        case = Case(facts, _NoData())
        case.state = state
        blocked = []
        for event in self._allowed.get(state, ()):
            reasons = [
                _refusal(rule, case)
                for rule in self.transitions
                if rule["trigger"] == event and _leaves_from(rule, state)
            ]
            if reasons and all(reasons):
                blocked.append((event, reasons[0]))
        return blocked

    def not_allowed(self, event: str, state: str) -> str:
        """What :class:`EventNotAllowed` says about ``event`` in ``state``."""
        return EventNotAllowed(self.name, event, state, self.allowed_events(state)).detail

    def events_for(self, state: str, role: str) -> list[str]:
        """The events allowed now that ``role`` may fire (guards may still refuse)."""
        return [e for e in self._allowed.get(state, ()) if role in self.events[e].roles]

    def event(self, name: str) -> EventSpec:
        try:
            return self.events[name]
        except KeyError:
            raise UnknownEvent(self.name, name, sorted(self.events)) from None

    def parse_data(self, event: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validate an event's data against its schema; 400-worthy errors name the field."""
        spec = self.event(event)
        data = dict(data or {})
        if spec.data is None:
            if data:
                raise BadEventData(event, f"{event} takes no data, got {sorted(data)}")
            return {}
        try:
            parsed = msgspec.convert(data, spec.data)
        except msgspec.ValidationError as exc:
            raise BadEventData(event, str(exc).replace("$.", "data.")) from None
        return msgspec.to_builtins(parsed)

    def decide(
        self,
        state: str,
        event: str,
        facts: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
    ) -> Decision:
        """Ask the machine where ``event`` takes a case in ``state``, or why it cannot go."""
        self.event(event)
        if event not in self._allowed.get(state, ()):
            raise EventNotAllowed(self.name, event, state, self.allowed_events(state))
        parsed = self.parse_data(event, data)
        case = self._model()
        case.facts, case.data, case.refusals, case.records_refusal = facts, parsed, [], False
        case.refused_by = []
        self.machine.set_state(state, model=case)
        moved = case.trigger(event)
        if not moved:
            rule = case.refused_by[0] if case.refused_by else None
            raise GuardRefused(event, case.refusals[0] if case.refusals else "refused", rule)
        refused = case.refusals[0] if case.records_refusal and case.refusals else None
        return Decision(state, case.state, parsed, refused)


class NeedsEventData(Exception):
    """Raised when a guard reads the event's own data while :meth:`MachineSpec.blocked`
    asks it without any: such a guard cannot be judged before the event is fired."""


class _NoData(Mapping[str, Any]):
    """Event data that is not there yet: any look at it means the guard needs it."""

    def __getitem__(self, key: str) -> Any:
        raise NeedsEventData(key)

    def __iter__(self):
        raise NeedsEventData("*")

    def __len__(self) -> int:
        raise NeedsEventData("*")

    def __contains__(self, key: object) -> bool:
        raise NeedsEventData(str(key))

    def get(self, key: str, default: Any = None) -> Any:
        raise NeedsEventData(key)


def _refusal(rule: Mapping[str, Any], case: Case) -> str | None:
    """Why this transition refuses ``case`` now, judging only guards that need no
    event data: a ``conditions`` guard's message, or for an ``unless`` guard that holds,
    its label negated. ``None`` when nothing judged refuses."""
    for condition in _as_list(rule.get("conditions", [])):
        try:
            reason = condition.check(case)
        except (NeedsEventData, KeyError):
            continue
        if reason:
            return reason
    for exception in _as_list(rule.get("unless", [])):
        try:
            if exception.check(case) is None:
                return f"not while {exception.label}"
        except (NeedsEventData, KeyError):
            continue
    return None


def _leaves_from(rule: Mapping[str, Any], state: str) -> bool:
    return rule["source"] == "*" or state in _as_list(rule["source"])


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
