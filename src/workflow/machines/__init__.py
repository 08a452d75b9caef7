"""Every state machine the service runs, declared once as data.

``MACHINES`` is the registry the API, the admin and the diagrams read from.
"""

from workflow.machines.assister import ASSISTER
from workflow.machines.association import ASSOCIATION
from workflow.machines.base import MachineSpec
from workflow.machines.exemption import EXEMPTION
from workflow.machines.validation import VALIDATION

MACHINES: dict[str, MachineSpec] = {
    spec.name: spec for spec in (ASSISTER, ASSOCIATION, EXEMPTION, VALIDATION)
}

__all__ = ["MACHINES", "MachineSpec"]
