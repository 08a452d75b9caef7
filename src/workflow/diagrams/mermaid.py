"""Mermaid ``stateDiagram-v2`` text for a :class:`Diagram` (GitHub renders it in
```mermaid fences). Free text is written with Mermaid's entity codes where its grammar
would otherwise cut a label short (``:`` ``;``) or start a comment (``#``)."""

from __future__ import annotations

import json
import re

from workflow.diagrams.arrows import layout
from workflow.diagrams.model import GENERATED_MARK, Diagram, Overlay, created_in, undeclared_edges

CLASS_DEFS = {
    "current": "fill:#ffd54f,stroke:#7a5b00,stroke-width:3px,color:#1d2330",
    "visited": "fill:#e3f2fd,stroke:#1a56b4,color:#1d2330",
    "junction": "fill:#f2f4f7,stroke:#8a94a6,stroke-dasharray:4 2,font-size:11px",
}
_ENTITIES = {"#": "#35;", ":": "#58;", ";": "#59;", '"': "#quot;", "\n": " ", "\r": " "}


def to_mermaid(diagram: Diagram, overlay: Overlay | None = None) -> str:
    """The diagram as Mermaid text; with an ``overlay``, the current state is highlighted,
    visited states shaded, taken edges carry their counts and states their case counts."""
    overlay = overlay or Overlay()
    title = diagram.title + (f": {overlay.subtitle}" if overlay.subtitle else "")
    lines = [
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        "---",
        "stateDiagram-v2",
        f"  %% machine {diagram.name}: {GENERATED_MARK}; do not edit",
    ]
    lines += [f'  state "{_state_label(s.name, overlay)}" as {_id(s.name)}' for s in diagram.states]
    lines += _start_lines(diagram, overlay)
    lines += _edge_lines(diagram, overlay)
    lines += _class_lines(diagram, overlay)
    return "\n".join(lines) + "\n"


def _state_label(name: str, overlay: Overlay) -> str:
    label = _text(name)
    if overlay.state_counts is not None:
        label += f" ({overlay.state_counts.get(name, 0):,})"
    if name == overlay.current:
        label += " (now)"
    return label


def _start_lines(diagram: Diagram, overlay: Overlay) -> list[str]:
    created = created_in(overlay.steps)
    if not created:
        return [f"  [*] --> {_id(diagram.initial)}"]
    return [f"  [*] --> {_id(state)} : created ×{n}" for state, n in sorted(created.items())]


def _edge_lines(diagram: Diagram, overlay: Overlay) -> list[str]:
    """The same arrows as the SVG (guards are in the README's event table; Mermaid has no
    tooltips); a junction is a state of its own, styled apart."""
    drawn = layout(diagram, overlay)
    lines = [f'  state "{_text(j.event)}" as {_id(j.id)}' for j in drawn.junctions]
    for a in drawn.arrows:
        if a.via_junction:
            there = sum(a.counts.values())
            lines.append(_line(a.source, a.dest, f"×{there}" if there else ""))
            if a.both:
                lines.append(_line(a.dest, a.source, f"×{a.back}" if a.back else ""))
            continue
        label = ", ".join(
            _text(e) + (f" ×{a.counts[e]}" if e in a.counts else "") for e in a.events
        )
        lines.append(_line(a.source, a.dest, label + (" (refused now)" if a.blocked else "")))
    for edge, n in undeclared_edges(diagram, overlay.steps):
        label = f"{_text(edge.event)} ×{n} (not declared by the machine)"
        lines.append(_line(edge.source, edge.dest, label))
    if drawn.junctions:
        lines.append(f"  classDef junction {CLASS_DEFS['junction']}")
        lines.append(f"  class {','.join(_id(j.id) for j in drawn.junctions)} junction")
    return lines


def _line(source: str, dest: str, label: str) -> str:
    return f"  {_id(source)} --> {_id(dest)}" + (f" : {label}" if label else "")


def _class_lines(diagram: Diagram, overlay: Overlay) -> list[str]:
    known = {s.name for s in diagram.states}
    visited = sorted((overlay.visited & known) - {overlay.current})
    lines = []
    if visited:
        lines += [f"  classDef visited {CLASS_DEFS['visited']}"]
        lines += [f"  class {','.join(_id(s) for s in visited)} visited"]
    if overlay.current in known:
        lines += [f"  classDef current {CLASS_DEFS['current']}"]
        lines += [f"  class {_id(overlay.current)} current"]
    return lines


def _id(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _text(value: str) -> str:
    return "".join(_ENTITIES.get(c, c) for c in value)
