"""What every caller hands the engine, and what it hands back.

The HTTP API, the admin's forms, the staff pages, the CLI, the demo, the sweep and the
expiry rules all build a :class:`FireEvent` (one case) or a :class:`FireBulk` (many) and
pass it to :func:`workflow.engine.fire.fire` or :func:`workflow.engine.bulk.fire_bulk`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from workflow.core.principal import Principal
from workflow.engine.kinds import CaseKind


@dataclass(frozen=True)
class FireEvent:
    kind: CaseKind
    case_id: int
    event: str
    actor: Principal
    reason: str | None = None
    data: Mapping[str, Any] | None = None
    # Apply only if the case is still at this version (If-Match, a form's hidden field).
    expected_version: int | None = None
    now: datetime | None = None
    # The case id is the one a route was called with (``kind.locate`` finds the case).
    located: bool = False
    # ``data`` is already the event's data (a service gathered it the way the binding's
    # prepare hook would, e.g. a profile save asking about the profile it is storing).
    prepared: bool = False
    # Statements the caller writes with the event, only if it is applied (an import's
    # claim on the attempt the event came from): (sql with ``{}`` placeholders, args).
    writes: tuple[tuple[str, tuple], ...] = ()

    def but(self, **changes: Any) -> FireEvent:
        return replace(self, **changes)


@dataclass(frozen=True)
class EventOutcome:
    machine: str
    id: int
    event: str
    from_state: str
    state: str
    version: int
    allowed_events: list[str]
    extra: Mapping[str, Any] = field(default_factory=dict)
    # An event the binding fired once this one committed (``On.then``), e.g. resolving a
    # validation validates it again.
    followed_by: EventOutcome | None = None


@dataclass(frozen=True)
class Selection:
    """The cases of a bulk event chosen by the database itself: ``sql`` is a SELECT that
    yields ``id`` and ``version`` of each case, with ``{}`` placeholders for ``args``.
    It runs inside the statement that moves them (on SQLite, in the same transaction and
    trip to the database's thread), so nothing is read twice and no case travels to
    Python and back; a case it yields that changes before the move reaches it is left
    alone (compare-and-set on the version). Bindings with Python bulk hooks have it read
    first, in the batch's transaction."""

    sql: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class FireBulk:
    kind: CaseKind
    event: str
    actor: Principal
    reason: str
    now: datetime
    # id -> the version the caller read, or a Selection the database evaluates.
    cases: Mapping[int, int] | Selection = field(default_factory=dict)
    data: Mapping[str, Any] | None = None
    # What the caller tells the bulk effect for this batch (e.g. the notice's wording).
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class BulkOutcome:
    applied: dict[str, list[int]] = field(default_factory=dict)  # from_state -> ids
    refused: dict[int, str] = field(default_factory=dict)  # id -> why not
    stale: list[int] = field(default_factory=list)  # changed since the caller read them

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.applied.values())

    @property
    def ids(self) -> list[int]:
        return sorted(i for ids in self.applied.values() for i in ids)
