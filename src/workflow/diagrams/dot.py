"""Graphviz DOT text for a :class:`Diagram`, drawn by ``dot`` into SVG.

Nodes and edges carry stable ``id`` and ``class`` attributes (``state``, ``current``,
``visited``, ``transition``, ``taken``, ``undeclared``), which dot copies into the SVG, so
pages and tests can find them."""

from __future__ import annotations

from workflow.diagrams.arrows import Arrow, Junction, layout
from workflow.diagrams.model import Diagram, Edge, Overlay, created_in, undeclared_edges

FONT = "Helvetica"
INK, MUTED, PATH, WARN = "#1d2330", "#8a94a6", "#1a56b4", "#b42318"
BLOCKED = "#b54708"
FILL, VISITED, CURRENT, JUNCTION = "#ffffff", "#e3f2fd", "#ffd54f", "#f2f4f7"
START = "__start__"
HINT = "guards: open the SVG and point at an arrow"
# Top to bottom, ranks close together: the widest machine stays within a page's width.
GRAPH = {"rankdir": "TB", "nodesep": 0.3, "ranksep": 0.45, "newrank": "true"}


def to_dot(diagram: Diagram, overlay: Overlay | None = None) -> str:
    """The diagram as DOT; an ``overlay`` highlights the current state, marks the edges a
    case took with their counts, dashes the ones refused now, or labels states with how
    many cases sit in them."""
    overlay = overlay or Overlay()
    title = diagram.title + (f"\n{overlay.subtitle}" if overlay.subtitle else "")
    drawn = layout(diagram, overlay)
    guarded = any(e.guards for e in diagram.edges)
    label = f"{title}\n({HINT})" if guarded else title
    lines = [
        f"digraph {_q(diagram.name)} {{",
        f"  graph [{_attrs(id=diagram.name, label=label, labelloc='t', fontname=FONT, fontsize=14, **GRAPH)}];",  # noqa: E501
        f"  node [{_attrs(shape='box', style='rounded,filled', fillcolor=FILL, color=INK, fontcolor=INK, fontname=FONT, fontsize=11)}];",  # noqa: E501
        f"  edge [{_attrs(color=INK, fontcolor=INK, fontname=FONT, fontsize=9, arrowsize=0.7)}];",
        f"  {_q(START)} [{_attrs(id='start', label='', shape='circle', width=0.18, style='filled', fillcolor=INK)}];",  # noqa: E501
    ]
    lines += [_node(s.name, s.description, overlay) for s in diagram.states]
    lines += [_junction(j) for j in drawn.junctions]
    lines += _start_edges(diagram, overlay)
    lines += [_arrow(a, bool(overlay.steps)) for a in drawn.arrows]
    lines += [_undeclared(e, n) for e, n in undeclared_edges(diagram, overlay.steps)]
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


def _junction(j: Junction) -> str:
    """Where one event's arrows from several states meet before going on to several."""
    tip = f"{j.event}: from {', '.join(j.sources)} to one of {', '.join(j.dests)}"
    attrs = _attrs(id=j.id, label=j.event, tooltip=tip, shape="ellipse", style="filled,dashed")
    more = _attrs(fillcolor=JUNCTION, fontsize=9, height=0.3, **{"class": "junction"})
    return f"  {_q(j.id)} [{attrs}, {more}];"


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


def _arrow(arrow: Arrow, live: bool) -> str:
    if arrow.via_junction:  # the junction names the event
        label = _junction_label(arrow)
    else:
        label = "\n".join(
            e + (f" ×{arrow.counts[e]}" if e in arrow.counts else "") for e in arrow.events
        )
    attrs: dict[str, object] = {"id": f"edge-{arrow.id}", "label": label}
    attrs["tooltip"] = arrow.tooltip
    if arrow.both:
        attrs["dir"] = "both"
    classes = ["transition"]
    if arrow.times:
        classes.append("taken")
        attrs.update(color=PATH, fontcolor=PATH, penwidth=2.2)
    elif live:  # a case's diagram: the edges it never took fade back
        attrs.update(color=MUTED, fontcolor=MUTED)
    if arrow.blocked:  # said in the label too: an <img> shows no tooltip
        attrs["label"] = f"{label}\n(refused now)" if label else "refused now"
        classes.append("blocked")
        attrs.update(style="dashed", color=BLOCKED, fontcolor=BLOCKED, penwidth=1.6)
    attrs["class"] = " ".join(classes)
    return f"  {_q(arrow.source)} -> {_q(arrow.dest)} [{_attrs(**attrs)}];"


def _junction_label(arrow: Arrow) -> str:
    there = sum(arrow.counts.values())
    if not arrow.both:
        return f"×{there}" if there else ""
    parts = [f"there ×{there}" if there else "", f"back ×{arrow.back}" if arrow.back else ""]
    return "\n".join(p for p in parts if p)


def _undeclared(edge: Edge, times: int) -> str:
    """A history step the machine does not declare (any more): drawn apart, in red."""
    attrs: dict[str, object] = {
        "id": f"edge-{edge.id}",
        "label": f"{edge.event} ×{times}\n(not declared by the machine)",
        "class": "transition taken undeclared",
        "style": "dashed",
    }
    attrs.update(color=WARN, fontcolor=WARN, penwidth=2)
    return f"  {_q(edge.source)} -> {_q(edge.dest)} [{_attrs(**attrs)}];"


def _attrs(**attrs: object) -> str:
    return ", ".join(f"{k}={_q(v) if isinstance(v, str) else v}" for k, v in attrs.items())


def _q(value: str) -> str:
    """A DOT double-quoted string; a newline becomes a centred line break."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'
