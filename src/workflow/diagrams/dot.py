"""Graphviz DOT text for a :class:`Diagram`, drawn by ``dot`` into SVG.

Nodes and edges carry stable ``id`` and ``class`` attributes (``state``, ``current``,
``visited``, ``transition``, ``taken``, ``undeclared``), which dot copies into the SVG, so
pages and tests can find them."""

from __future__ import annotations

from workflow.diagrams.model import (
    Diagram,
    Edge,
    Overlay,
    created_in,
    taken_edges,
    undeclared_edges,
)

FONT = "Helvetica"
INK, MUTED, PATH, WARN = "#1d2330", "#8a94a6", "#1a56b4", "#b42318"
FILL, VISITED, CURRENT = "#ffffff", "#e3f2fd", "#ffd54f"
START = "__start__"


def to_dot(diagram: Diagram, overlay: Overlay | None = None) -> str:
    """The diagram as DOT; an ``overlay`` highlights the current state, marks the edges a
    case took with their counts, or labels states with how many cases sit in them."""
    overlay = overlay or Overlay()
    title = diagram.title + (f"\n{overlay.subtitle}" if overlay.subtitle else "")
    lines = [
        f"digraph {_q(diagram.name)} {{",
        f"  graph [{_attrs(id=diagram.name, label=title, labelloc='t', fontname=FONT, fontsize=14, rankdir='TB', nodesep=0.35, ranksep=0.5)}];",  # noqa: E501
        f"  node [{_attrs(shape='box', style='rounded,filled', fillcolor=FILL, color=INK, fontcolor=INK, fontname=FONT, fontsize=11)}];",  # noqa: E501
        f"  edge [{_attrs(color=INK, fontcolor=INK, fontname=FONT, fontsize=9, arrowsize=0.7)}];",
        f"  {_q(START)} [{_attrs(id='start', label='', shape='circle', width=0.18, style='filled', fillcolor=INK)}];",  # noqa: E501
    ]
    lines += [_node(s.name, s.description, overlay) for s in diagram.states]
    lines += _start_edges(diagram, overlay)
    taken = taken_edges(diagram, overlay.steps)
    lines += [_edge(e, taken.get(e.id, 0), bool(overlay.steps)) for e in diagram.edges]
    lines += [_edge(e, n, True) for e, n in undeclared_edges(diagram, overlay.steps)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(name: str, description: str, overlay: Overlay) -> str:
    label, classes, extra = name, ["state"], {}
    if overlay.state_counts is not None:
        n = overlay.state_counts.get(name, 0)
        label += f"\n{n:,} case" + ("" if n == 1 else "s")
    if name == overlay.current:
        label += "\n(now)"
        classes.append("current")
        extra = {"fillcolor": CURRENT, "penwidth": 2.5}
    elif name in overlay.visited:
        classes.append("visited")
        extra = {"fillcolor": VISITED, "color": PATH}
    attrs = _attrs(id=f"state-{name}", label=label, tooltip=description or name)
    return f"  {_q(name)} [{attrs}, {_attrs(**{'class': ' '.join(classes)}, **extra)}];"


def _start_edges(diagram: Diagram, overlay: Overlay) -> list[str]:
    created = created_in(overlay.steps)
    if not created:
        attrs = _attrs(id="edge-start", **{"class": "start"})
        return [f"  {_q(START)} -> {_q(diagram.initial)} [{attrs}];"]
    lines = []
    for state, n in sorted(created.items()):
        attrs = {"id": f"edge-start-{state}", "class": "start taken", "label": f"×{n}"}
        attrs.update(color=PATH, fontcolor=PATH, penwidth=2)
        lines.append(f"  {_q(START)} -> {_q(state)} [{_attrs(**attrs)}];")
    return lines


def _edge(edge: Edge, times: int, live: bool) -> str:
    label = edge.event + (f" ×{times}" if times else "")
    if not edge.declared:
        label += "\n(not declared by the machine)"
    label += "".join(f"\n[{g}]" for g in edge.guards)
    attrs: dict[str, object] = {"id": f"edge-{edge.id}", "label": label}
    if not edge.declared:
        attrs.update({"class": "transition taken undeclared", "style": "dashed", "color": WARN})
        attrs.update(fontcolor=WARN, penwidth=2)
    elif times:
        attrs.update({"class": "transition taken", "color": PATH, "fontcolor": PATH})
        attrs.update(penwidth=2.2)
    elif live:  # a case's diagram: the edges it never took fade back
        attrs.update({"class": "transition", "color": MUTED, "fontcolor": MUTED})
    else:
        attrs["class"] = "transition"
    return f"  {_q(edge.source)} -> {_q(edge.dest)} [{_attrs(**attrs)}];"


def _attrs(**attrs: object) -> str:
    return ", ".join(f"{k}={_q(v) if isinstance(v, str) else v}" for k, v in attrs.items())


def _q(value: str) -> str:
    """A DOT double-quoted string; a newline becomes a centred line break."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'
