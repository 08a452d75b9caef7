"""``state_diagrams/README.md``: every machine's Mermaid diagram (GitHub renders the
```mermaid fences) with a table of its states and one of its events."""

from __future__ import annotations

import re
from collections.abc import Iterable

from workflow.diagrams.mermaid import to_mermaid
from workflow.diagrams.model import Diagram

HEADER = """# State diagrams

Generated from the machine declarations in `src/workflow/machines/` by `workflow diagrams`
(or `make diagrams`); never edit these files by hand. A test regenerates them and fails,
naming the file, when what is committed here differs from what the code declares.

Each machine has `<machine>.mmd` (Mermaid, shown below) and `<machine>.svg` (drawn by
Graphviz). The running service draws the same diagrams live: `GET /diagrams` lists them,
`GET /diagrams/<machine>.svg?counts=1` (staff) shows how many cases sit in each state, and
a case's own diagram (e.g. `GET /assisters/{id}/diagram.svg`) highlights where it is now
and the path its history took.

Each arrow lists the events that lead from one state to another (so a state has at most
one loop back to itself). When one event leads from several states to the same several
states, its arrows meet at a dashed junction named for the event (a line with a head at
each end goes there and back). Guards are not written on arrows: the events table below
each diagram lists them, and in the SVG pointing at an arrow shows them. Guards read by
their names; "not ..." is a guard that must fail (a refused attempt the machine still
records). In "who may fire it", `system` is the service itself (scheduled sweeps). On a
case's own diagram, arrows of events a guard refuses now are dashed, the reason in their
tooltip.
"""


def readme(diagrams: Iterable[Diagram]) -> str:
    diagrams = list(diagrams)
    parts = [HEADER, "## Machines\n"]
    parts.append("\n".join(f"- [{d.title}](#{_anchor(d.title)}) (`{d.name}`)" for d in diagrams))
    parts.append("")
    for diagram in diagrams:
        parts.append(_section(diagram))
    return "\n".join(parts).rstrip("\n") + "\n"


def _section(d: Diagram) -> str:
    states = [f"| `{s.name}` | {_cell(s.description) or '—'} |" for s in d.states]
    events = [
        f"| `{t.event}` | {', '.join(f'`{s}`' for s in t.sources)} | `{t.dest or 'unchanged'}` "
        f"| {_cell(' and '.join(t.guards)) or '—'} | {', '.join(t.roles) or 'nobody'} "
        f"| {_cell(t.description)} |"
        for t in d.transitions
    ]
    return "\n".join(
        [
            f"## {d.title}",
            "",
            f"Machine `{d.name}`; a new case starts in `{d.initial}`. Files: "
            f"[{d.name}.mmd]({d.name}.mmd), [{d.name}.svg]({d.name}.svg).",
            "",
            "```mermaid",
            to_mermaid(d).rstrip("\n"),
            "```",
            "",
            "| state | meaning |",
            "| --- | --- |",
            *states,
            "",
            "| event | from | to | guards | who may fire it | what it does |",
            "| --- | --- | --- | --- | --- | --- |",
            *events,
            "",
        ]
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _anchor(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
