"""The one registry of case kinds, assembled once at the top: each machine bound to its
table by its domain's binding. The web app, the admin, the CLI, the diagrams and the
dashboard take kinds from here; a new machine is one package plus one line below."""

from __future__ import annotations

from workflow.assisters.binding import ASSISTER_CASE
from workflow.associations.binding import ASSOCIATION_CASE
from workflow.core.errors import NotFound
from workflow.core.machine import MachineSpec
from workflow.engine.kinds import CaseKind
from workflow.exemptions.binding import EXEMPTION_CASE
from workflow.referrals.binding import REFERRAL_CASE
from workflow.sessions.binding import SIGNUP_CASE
from workflow.validations.binding import VALIDATION_CASE

KINDS: dict[str, CaseKind] = {
    kind.name: kind
    for kind in (ASSISTER_CASE, ASSOCIATION_CASE, EXEMPTION_CASE, VALIDATION_CASE, REFERRAL_CASE)
}
KINDS[SIGNUP_CASE.name] = SIGNUP_CASE
MACHINES: dict[str, MachineSpec] = {name: kind.spec for name, kind in KINDS.items()}


def case_kinds() -> dict[str, CaseKind]:
    return KINDS


def case_kind(machine: str) -> CaseKind:
    """The kind bound to ``machine``; 404 naming the machines there are."""
    try:
        return KINDS[machine]
    except KeyError:
        known = ", ".join(sorted(KINDS))
        raise NotFound(f"no machine {machine!r}; machines: {known}") from None
