"""How each machine is bound to its table: where its cases live, what facts its guards
read, who may see a case, and what an applied event writes besides the state.

Adding a machine means adding a :class:`CaseKind` to ``CASE_KINDS`` (see
``services/case_kinds.py``); ``apply_event`` and everything that lists or draws cases
reads from there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from piccolo.table import Table

from workflow.machines.base import Decision, MachineSpec
from workflow.services.principal import Principal


@dataclass(frozen=True)
class EffectContext:
    """What an effect sees: the row as it was, the machine's decision, who and when."""

    kind: CaseKind
    row: Mapping[str, Any]
    event: str
    decision: Decision
    actor: Principal
    reason: str | None
    now: datetime
    version: int  # the version after this event


Effect = Callable[[EffectContext], Awaitable[Mapping[str, Any] | None]]


@dataclass(frozen=True)
class StateMirror:
    """A copy of a case's state kept in another table's column (e.g. a broker's
    ``assisters.npn_status`` mirrors their NPN validation), written by ``apply_event``
    in the same transaction as the state itself, so the two never disagree."""

    table: type[Table]
    column: str  # the column in ``table`` that holds the copy
    key: str  # the case row's column holding the id of the ``table`` row

    async def write(self, row: Mapping[str, Any], state: str) -> None:
        pk = self.table._meta.primary_key
        column = self.table._meta.get_column_by_name(self.column)
        await self.table.update({column: state}).where(pk == row[self.key])


@dataclass(frozen=True)
class CaseKind:
    spec: MachineSpec
    table: type[Table]
    # Facts the guards read, from the row (and settings).
    facts: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    # Whether a principal may see this row at all; if not, it is "not found" to them.
    visible_to: Callable[[Principal, Mapping[str, Any]], bool]
    # Per event: writes that belong with the state change, in the same transaction.
    effects: Mapping[str, Effect] = field(default_factory=dict)
    # Facts that need the database or the date (read inside the event's transaction).
    load_facts: Callable[[Mapping[str, Any], datetime], Awaitable[Mapping[str, Any]]] | None = None
    # The events whose guards read those facts (``None``: every event). Other events skip
    # the queries: every statement counts on the hot path.
    load_facts_for: frozenset[str] | None = None
    label: str = ""
    # Runs for every event after the machine's decision and before the state is written,
    # in the same transaction (e.g. lock a parent row so racing events queue in order).
    before: Effect | None = None
    # A fixed statement loading one case by id (``{}`` placeholder) when guards need
    # facts from other tables; default ``SELECT * FROM <table> WHERE id = ...``.
    load_sql: str | None = None
    mirror: StateMirror | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def noun(self) -> str:
        return self.label or self.spec.name
