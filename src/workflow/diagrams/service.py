"""Diagrams of the machines for the API: the static ones (drawn once per process), the
whole machine with how many cases sit in each state, and one case's own diagram (where it
is now and the path its history took). Every function works for any registered machine."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from workflow.core.errors import NotFound, Unavailable
from workflow.core.principal import Principal
from workflow.diagrams import (
    GraphvizUnavailable,
    Overlay,
    diagram_of,
    render_svg,
    to_dot,
    to_mermaid,
)
from workflow.engine.cases import blocked_events, load_case
from workflow.registry import MACHINES, MachineSpec, case_kind
from workflow.tables import History

# A machine's declaration cannot change while the process runs, so neither can its SVG.
_static_svgs: dict[str, bytes] = {}


@dataclass(frozen=True)
class MachineEntry:
    name: str
    title: str
    initial: str
    states: list[str]
    events: list[str]


def machine_spec(machine: str) -> MachineSpec:
    try:
        return MACHINES[machine]
    except KeyError:
        known = ", ".join(sorted(MACHINES))
        raise NotFound(f"no machine {machine!r}; machines: {known}") from None


def machines() -> list[MachineEntry]:
    """Every registered machine, by name."""
    return [
        MachineEntry(s.name, s.title, str(s.initial), [str(x) for x in s.states], sorted(s.events))
        for s in (MACHINES[name] for name in sorted(MACHINES))
    ]


async def machine_text(machine: str, *, counts: bool = False) -> str:
    """The machine's Mermaid text, with each state's case count when ``counts``."""
    spec = machine_spec(machine)
    overlay = Overlay(state_counts=await state_counts(machine)) if counts else None
    return to_mermaid(diagram_of(spec), overlay)


async def machine_svg(machine: str, *, counts: bool = False) -> bytes:
    """The machine's SVG; the plain one is drawn once per process and kept."""
    spec = machine_spec(machine)
    if counts:
        overlay = Overlay(state_counts=await state_counts(machine), subtitle="cases by state now")
        return await _svg(to_dot(diagram_of(spec), overlay))
    if machine not in _static_svgs:
        _static_svgs[machine] = await _svg(to_dot(diagram_of(spec)))
    return _static_svgs[machine]


def forget_static_svgs() -> None:
    """For tests that take Graphviz away."""
    _static_svgs.clear()


async def state_counts(machine: str) -> dict[str, int]:
    """How many cases sit in each state now: one ``GROUP BY state`` over the case table
    (served by its index on ``state``)."""
    table = case_kind(machine).table
    rows = await table.select(table.state, Count(alias="n")).group_by(table.state)
    return {row["state"]: row["n"] for row in rows}


async def case_overlay(machine: str, entity_id: int, actor: Principal) -> Overlay:
    """Where one case is now and how many times it took each step, if ``actor`` may read
    it (otherwise :class:`NotFound`, like every read of a case)."""
    kind = case_kind(machine)
    row = await load_case(kind, entity_id, actor)
    steps = await (
        History.select(History.from_state, History.to_state, History.event, Count(alias="n"))
        .where((History.machine == kind.name) & (History.entity_id == entity_id))
        .group_by(History.from_state, History.to_state, History.event)
    )
    return Overlay(
        current=row["state"],
        steps={(s["from_state"], s["to_state"], s["event"]): s["n"] for s in steps},
        subtitle=f"{kind.noun} {entity_id}, now {row['state']}",
        # What the case page's "why not" lists: drawn dashed, the reason as tooltip.
        blocked=[(b["event"], b["reason"]) for b in await blocked_events(kind, row)],
    )


async def case_text(machine: str, entity_id: int, actor: Principal) -> str:
    overlay = await case_overlay(machine, entity_id, actor)
    return to_mermaid(diagram_of(machine_spec(machine)), overlay)


async def case_svg(machine: str, entity_id: int, actor: Principal) -> bytes:
    overlay = await case_overlay(machine, entity_id, actor)
    return await _svg(to_dot(diagram_of(machine_spec(machine)), overlay))


async def _svg(dot_text: str) -> bytes:
    try:
        return await asyncio.to_thread(render_svg, dot_text)
    except GraphvizUnavailable as exc:
        raise Unavailable(
            f"{exc}. Meanwhile the Mermaid text works: ask for .mmd instead of .svg"
        ) from None
