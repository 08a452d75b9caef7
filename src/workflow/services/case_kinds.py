"""The registry of case kinds: one entry per machine, keyed by machine name."""

from __future__ import annotations

from functools import cache

from workflow.services.cases import CaseKind
from workflow.services.errors import NotFound


@cache
def case_kinds() -> dict[str, CaseKind]:
    # Imported here: the bindings import services that import this module.
    from workflow.services.assister_case import ASSISTER_CASE
    from workflow.services.association_case import ASSOCIATION_CASE
    from workflow.services.exemptions import EXEMPTION_CASE
    from workflow.services.validation_case import VALIDATION_CASE

    kinds = (ASSISTER_CASE, ASSOCIATION_CASE, EXEMPTION_CASE, VALIDATION_CASE)
    return {kind.name: kind for kind in kinds}


def case_kind(machine: str) -> CaseKind:
    try:
        return case_kinds()[machine]
    except KeyError:
        known = ", ".join(sorted(case_kinds()))
        raise NotFound(f"no machine {machine!r}; machines: {known}") from None
