"""How a machine is bound to its table: a :class:`CaseKind`.

A kind says where its cases live, what facts its guards read, who may see a case, and,
per event (an :class:`On`), what the event does besides moving the state: its effect (one
case, in the event's transaction), its bulk effect (the same for a batch, set-based), a
prepare hook (what must be asked before the transaction, e.g. the producer registry) and
a follow-up (an event to fire once this one has committed). The engine reads only this:
nothing outside a binding special-cases a machine.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from piccolo.table import Table

from workflow.core.machine import Decision, MachineSpec
from workflow.core.principal import Principal
from workflow.db.bulk import BulkWrite

if TYPE_CHECKING:
    from workflow.engine.command import EventOutcome, FireEvent


@dataclass(frozen=True)
class EffectContext:
    """What an effect sees: the row as it was, the facts the guards read, the machine's
    decision, who and when. An effect says what to write with ``set`` (columns of the
    case's own row) and ``write`` (any other statement): the engine sends them with the
    state's compare-and-set, the history row and the audit entry, in one statement on
    PostgreSQL and one trip on SQLite, and only if the compare-and-set moved the case.
    (An effect may also await a statement of its own: it runs in the event's transaction,
    before the compare-and-set.)"""

    kind: CaseKind
    row: Mapping[str, Any]
    event: str
    decision: Decision
    actor: Principal
    reason: str | None
    now: datetime
    version: int  # the version after this event
    facts: Mapping[str, Any] = field(default_factory=dict)
    sets: dict[str, Any] = field(default_factory=dict)
    writes: list[tuple[str, tuple]] = field(default_factory=list)
    afterwards: list[Callable[[], None]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # what the outcome carries besides

    def set(self, **columns: Any) -> None:
        """Columns of the case's own row to write with its new state."""
        self.sets.update(columns)

    def write(self, sql: str, *args: Any) -> None:
        """Another statement (``{}`` placeholders) to run with the state's write."""
        self.writes.append((sql, args))

    def add(self, statement: tuple[str, tuple]) -> None:
        """``write`` for a statement built elsewhere: (sql, its values)."""
        self.writes.append(statement)

    def after(self, callback: Callable[[], None]) -> None:
        """Something to do in this process once the event is committed (e.g. forget
        cached tokens the event revoked)."""
        self.afterwards.append(callback)


@dataclass(frozen=True)
class BulkContext:
    """What a bulk effect sees: the cases one bulk event just moved, in its transaction.

    ``rows`` are the moved cases with ``id``, ``from_state`` and the columns the event's
    ``bulk_columns`` asked for; ``context`` is what the caller passed for this batch."""

    kind: CaseKind
    event: str
    rows: Sequence[Mapping[str, Any]]
    to_state: str
    actor: Principal
    reason: str | None
    now: datetime
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return [row["id"] for row in self.rows]


@dataclass(frozen=True)
class PrepareContext:
    """What a prepare hook sees: the command and the case as it stands before the event's
    transaction begins."""

    kind: CaseKind
    row: Mapping[str, Any]
    event: str
    actor: Principal
    reason: str | None
    data: Mapping[str, Any]


Effect = Callable[[EffectContext], Awaitable[Mapping[str, Any] | None]]
BulkEffect = Callable[[BulkContext], Awaitable[None]]
# The set-based effect as SQL the moving statement runs over the moved cases (see
# :class:`BulkWrite`; the context's ``rows`` are empty: the SQL reads ``moved``).
BulkSql = Callable[[BulkContext], Sequence[BulkWrite]]
# Returns the event's data, e.g. the registry's answer to the profile's NPN.
Prepare = Callable[[PrepareContext], Awaitable[Mapping[str, Any]]]
# Runs after the event committed; returns the outcome of the event it fired, if any.
Then = Callable[["FireEvent", "EventOutcome"], Awaitable["EventOutcome | None"]]
# Maps the id a route was called with to the case's own id (e.g. a broker's id to the id
# of their NPN validation); may refuse like a read of the case.
Locate = Callable[[int, Principal], Awaitable[int]]


@dataclass(frozen=True)
class On:
    """What one event does besides moving the state and writing its history."""

    # In the event's transaction, after the machine decided and before the state is
    # written: may read and write (e.g. lock a parent row, end the consumer's other
    # associations). An event with one opens its transaction before reading the case.
    before: Effect | None = None
    # Says what the event writes besides the state (``ctx.set``, ``ctx.add``) and may
    # read, but never writes itself: the engine sends its writes with the state's, at
    # once. May return extra fields for the outcome.
    effect: Effect | None = None
    # The set-based form of ``before`` and ``effect`` for the bulk path: Python hooks
    # given the batch's rows (the cases are read before they are moved), or ...
    bulk_before: BulkEffect | None = None
    bulk_effect: BulkEffect | None = None
    # ... the effect as SQL the moving statement itself runs (one pass per batch).
    bulk_sql: BulkSql | None = None
    # Columns of the case table the bulk effect reads from each moved row.
    bulk_columns: tuple[str, ...] = ()
    # Before the transaction: turns what the caller gave into the event's data.
    prepare: Prepare | None = None
    # What a caller may give when ``prepare`` builds the data (field -> type); staff forms
    # show these fields instead of the declared data.
    given: Mapping[str, type] | None = None
    then: Then | None = None
    # The guards read ``CaseKind.load_facts`` (facts that need a query).
    reads_facts: bool = False

    @property
    def per_case_only(self) -> str | None:
        """Why this event cannot go the bulk path, or ``None`` if it can."""
        if self.before and not self.bulk_before:
            return "it locks or checks other rows first (before) and has no bulk form of that"
        if self.effect and not (self.bulk_effect or self.bulk_sql):
            return "its effect has no bulk form"
        if self.prepare or self.then:
            return "it asks outside services or fires a follow-up"
        if self.reads_facts:
            return "its guards read per-case facts"
        return None


NOTHING = On()


@dataclass(frozen=True)
class StateMirror:
    """A copy of a case's state kept in another table's column (e.g. a broker's
    ``assisters.npn_status`` mirrors their NPN validation), written by the engine in the
    same transaction as the state itself, so the two never disagree."""

    table: type[Table]
    column: str  # the column in ``table`` that holds the copy
    key: str  # the case row's column holding the id of the ``table`` row


LoadFactsMany = Callable[
    [Sequence[Mapping[str, Any]], datetime], Awaitable[Mapping[int, Mapping[str, Any]]]
]


# Compared and hashed by identity: one object per kind, built once.
@dataclass(frozen=True, eq=False)
class CaseKind:
    spec: MachineSpec
    table: type[Table]
    # Facts the guards read, from the row (and settings).
    facts: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    # Whether a principal may see this row at all; if not, it is "not found" to them.
    visible_to: Callable[[Principal, Mapping[str, Any]], bool]
    # Per event: what it does besides the state (events not listed do nothing more).
    events: Mapping[str, On] = field(default_factory=dict)
    # Facts that need the database or the date (read for events with ``reads_facts``).
    load_facts: Callable[[Mapping[str, Any], datetime], Awaitable[Mapping[str, Any]]] | None = None
    # The same for many cases at once (id -> facts), for ``engine.many.fire_many``.
    load_facts_many: LoadFactsMany | None = None
    label: str = ""
    # A fixed statement loading one case by id (``{}`` placeholder) when guards need
    # facts from other tables; default ``SELECT * FROM <table> WHERE id = ...``.
    load_sql: str | None = None
    mirror: StateMirror | None = None
    # Where the API serves a case (one ``{name}`` in it: the path's id) and how that id finds the
    # case when it is not the case's own.
    path: str = ""
    locate: Locate | None = None
    # The row's column holding the path's id (``id``, or e.g. ``assister`` for a
    # validation served at its broker's path).
    path_key: str = "id"
    # Who may reach this kind's cases through the API at all (its reads, events and
    # diagram); the engine then checks each event's own roles and the case's visibility.
    roles: tuple[str, ...] = ()
    # How an outcome reads to the case's owner, for kinds that word it (e.g. the broker's
    # next step after an NPN validation event).
    describe: Callable[[EventOutcome], Awaitable[str]] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def noun(self) -> str:
        return self.label or self.spec.name

    def url_of(self, row: Mapping[str, Any]) -> str:
        """The API path of this case (``/assisters/7``)."""
        return re.sub(r"\{\w+\}", str(row[self.path_key]), self.path)

    def on(self, event: str) -> On:
        return self.events.get(event, NOTHING)

    def __post_init__(self) -> None:
        unknown = set(self.events) - set(self.spec.events)
        if unknown:
            raise ValueError(f"{self.name}: bindings for undeclared events {sorted(unknown)}")
