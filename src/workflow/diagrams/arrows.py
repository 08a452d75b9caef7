"""What a diagram draws: a machine's edges grouped into arrows a person can follow.

A machine declares one edge per (transition, source state); drawn one by one they tangle
(the NPN validation's ``revalidate`` alone leads from nine states to seven). So:

- edges with the same source and destination share one arrow listing their events, so
  each state has at most one loop back to itself;
- when one event leads from several states to the same several states (a fan), its arrows
  meet at a junction named for the event: n + m arrows instead of n × m;
- guards are never written on an arrow: its tooltip says which guards choose it (the
  README's event table lists them too);
- on a case's diagram, an event that a guard refuses now (``Overlay.blocked``) gets its own
  arrows out of the current state, which are drawn dashed with the reason as tooltip.

The DOT and Mermaid writers both draw this layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from workflow.diagrams.model import Diagram, Edge, Overlay, taken_edges

# A fan becomes a junction from this many source states (and at least two destinations).
JUNCTION_MIN_SOURCES = 3


@dataclass(frozen=True)
class Junction:
    id: str  # "junction-<event>"
    event: str
    sources: tuple[str, ...]
    dests: tuple[str, ...]


@dataclass(frozen=True)
class Arrow:
    id: str  # "<source>-<dest>-<event>[-<event>...]"; into or out of a junction: its id
    source: str  # a state's name or a junction's id
    dest: str
    events: tuple[str, ...]  # in declaration order, each once
    counts: Mapping[str, int]  # times the case took it, by event (taken events only)
    tooltip: str
    blocked: str = ""  # why its events are refused now; "" when they are not
    via_junction: bool = False
    both: bool = False  # also the way back from the junction (a head at each end)
    back: int = 0  # times the case came back that way

    @property
    def times(self) -> int:
        return sum(self.counts.values()) + self.back


@dataclass(frozen=True)
class Layout:
    junctions: tuple[Junction, ...]
    arrows: tuple[Arrow, ...]


def layout(diagram: Diagram, overlay: Overlay | None = None) -> Layout:
    overlay = overlay or Overlay()
    taken = taken_edges(diagram, overlay.steps)
    blocked = dict(overlay.blocked) if overlay.current else {}
    junctions = _junctions(diagram.edges)
    in_junction = {(j.event, s) for j in junctions for s in j.sources}
    arrows = [a for j in junctions for a in _junction_arrows(j, diagram, taken, overlay, blocked)]
    rest = [e for e in diagram.edges if (e.event, e.source) not in in_junction]
    arrows += _grouped_arrows(rest, taken, overlay.current, blocked)
    return Layout(tuple(junctions), tuple(arrows))


def _junctions(edges: Iterable[Edge]) -> list[Junction]:
    """Per event, the source states that lead to the same set of destinations; a group of
    at least JUNCTION_MIN_SOURCES sources with two or more destinations is a fan."""
    dests: dict[str, dict[str, dict[str, None]]] = {}  # event -> source -> ordered dests
    for e in edges:
        dests.setdefault(e.event, {}).setdefault(e.source, {})[e.dest] = None
    junctions = []
    for event, by_source in dests.items():
        groups: dict[tuple[str, ...], list[str]] = {}
        for source, targets in by_source.items():
            groups.setdefault(tuple(sorted(targets)), []).append(source)
        fans = [(ts, ss) for ts, ss in groups.items() if len(ss) >= JUNCTION_MIN_SOURCES]
        for n, (_, sources) in enumerate(f for f in fans if len(f[0]) > 1):
            suffix = f"-{n + 1}" if n else ""
            ordered = tuple(by_source[sources[0]])
            junctions.append(Junction(f"junction-{event}{suffix}", event, tuple(sources), ordered))
    return junctions


def _junction_arrows(
    j: Junction, diagram: Diagram, taken: Mapping[str, int], overlay: Overlay, blocked
) -> list[Arrow]:
    """One arrow from each source into the junction and one out to each destination; a
    state that is both gets one line with a head at each end (its ``back`` side)."""
    edges = [e for e in diagram.edges if e.event == j.event and e.source in j.sources]
    arrows = []
    for source in j.sources:
        out = [e for e in edges if e.source == source]
        why = blocked.get(j.event, "") if source == overlay.current else ""
        tip = f"{source} → {j.event}" + (f"\nrefused now: {why}" if why else "")
        arrow = _arrow(f"{source}-{j.id}", source, j.id, out, taken, tip, why, True)
        if source in j.dests and not why:
            back = [e for e in edges if e.dest == source]
            tip = _tooltip(f"{source} → {j.event}, and back to {source}", back)
            arrow = replace(arrow, tooltip=tip, back=_counts(back, taken).get(j.event, 0))
            arrow = replace(arrow, id=f"{source}-{j.id}-{source}", both=True)
        arrows.append(arrow)
    for dest in j.dests:
        if any(a.both and a.source == dest for a in arrows):
            continue
        into = [e for e in edges if e.dest == dest]
        tip = _tooltip(f"{j.event} → {dest}", into)
        arrows.append(_arrow(f"{j.id}-{dest}", j.id, dest, into, taken, tip, "", True))
    return arrows


def _grouped_arrows(
    edges: list[Edge], taken: Mapping[str, int], current: str | None, blocked
) -> list[Arrow]:
    groups: dict[tuple[str, str, bool], list[Edge]] = {}
    for e in edges:
        refused = e.source == current and e.event in blocked
        groups.setdefault((e.source, e.dest, refused), []).append(e)
    arrows = []
    for (source, dest, refused), mine in groups.items():
        events = _unique(e.event for e in mine)
        why = "; ".join(f"{event}: {blocked[event]}" for event in events) if refused else ""
        tip = _tooltip(f"{source} → {dest}", mine) + (f"\nrefused now: {why}" if why else "")
        arrow_id = "-".join([source, dest, *events]) + ("-blocked" if refused else "")
        arrows.append(_arrow(arrow_id, source, dest, mine, taken, tip, why, False))
    return arrows


def _arrow(arrow_id, source, dest, edges, taken, tooltip, blocked, via_junction) -> Arrow:
    events = _unique(e.event for e in edges)
    counts = _counts(edges, taken)
    return Arrow(arrow_id, source, dest, events, counts, tooltip, blocked, via_junction)


def _counts(edges: Iterable[Edge], taken: Mapping[str, int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in edges:
        if taken.get(e.id):
            counts[e.event] = counts.get(e.event, 0) + taken[e.id]
    return counts


def _tooltip(heading: str, edges: Iterable[Edge]) -> str:
    """The heading, then one line per distinct (event, guards): what chooses this arrow."""
    lines = []
    for e in edges:
        lines.append(f"{e.event} when {' and '.join(e.guards)}" if e.guards else e.event)
    return "\n".join([heading, *_unique(lines)])


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
