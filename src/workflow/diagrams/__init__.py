"""State diagrams generated from the machine declarations: Mermaid text and Graphviz
SVG, for the committed ``state_diagrams/`` folder and for the live endpoints.

Pure functions of a :class:`~workflow.core.machine.MachineSpec` (and an optional
:class:`Overlay` of live facts), except :func:`render_svg`, which runs Graphviz's ``dot``.
"""

from workflow.diagrams.dot import to_dot
from workflow.diagrams.files import differences, expected_files, write_files
from workflow.diagrams.mermaid import to_mermaid
from workflow.diagrams.model import Diagram, Overlay, Step, diagram_of
from workflow.diagrams.readme import readme
from workflow.diagrams.render import (
    INSTALL_HINT,
    GraphvizUnavailable,
    dot_command,
    graphviz_version,
    render_svg,
)

__all__ = [
    "INSTALL_HINT",
    "Diagram",
    "GraphvizUnavailable",
    "Overlay",
    "Step",
    "diagram_of",
    "differences",
    "dot_command",
    "expected_files",
    "graphviz_version",
    "readme",
    "render_svg",
    "to_dot",
    "to_mermaid",
    "write_files",
]
