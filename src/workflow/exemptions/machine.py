"""An organisation's request to be exempt from the full Marketplace training: approved
organisations' assisters need only the shorter Overview course."""

from __future__ import annotations

from workflow.core.machine import EventSpec, MachineSpec
from workflow.core.roles import Role

ADMIN = frozenset({Role.admin})

EXEMPTION = MachineSpec(
    name="exemption",
    title="Training exemption request",
    states=["requested", "approved", "denied"],
    initial="requested",
    state_descriptions={
        "requested": "the organisation asked to be exempt from the full Marketplace training",
        "approved": "its assisters take the Overview course instead",
        "denied": "its assisters take the full course",
    },
    transitions=[
        {"trigger": "approve", "source": "requested", "dest": "approved"},
        {"trigger": "deny", "source": "requested", "dest": "denied"},
        {"trigger": "revoke", "source": "approved", "dest": "denied"},
    ],
    events={
        "approve": EventSpec(ADMIN, "grants the exemption", reason_required=True),
        "deny": EventSpec(ADMIN, "refuses the exemption", reason_required=True),
        "revoke": EventSpec(ADMIN, "withdraws an exemption granted earlier", reason_required=True),
    },
)
