"""What the staff dashboard shows: how many cases sit in each state of each machine (one
``GROUP BY state`` per machine, served by the state indexes), the assister lifecycle as a
funnel, and the latest events from the history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflow.assisters.machine import ASSISTER, AssisterState
from workflow.diagrams.service import state_counts
from workflow.registry import case_kinds
from workflow.tables import History

# The lifecycle's forward path, in order, read off the machine: the funnel's steps.
FUNNEL = (ASSISTER.initial, *(state for _, state in ASSISTER.route(AssisterState.active)))


@dataclass(frozen=True)
class MachineCounts:
    name: str
    title: str
    states: list[tuple[str, int]]  # in the machine's declared order

    @property
    def total(self) -> int:
        return sum(n for _, n in self.states)


@dataclass(frozen=True)
class FunnelStep:
    state: str
    count: int  # sitting in this state now
    reached: int  # in this state or further along the path
    share: float  # of those onboarded at all (0..1), for the bar's width


async def machine_counts() -> list[MachineCounts]:
    result = []
    for kind in case_kinds().values():
        counts = await state_counts(kind.name)
        states = [(s, counts.get(s, 0)) for s in kind.spec.states]
        result.append(MachineCounts(kind.name, kind.spec.title, states))
    return result


def funnel(assister: MachineCounts) -> list[FunnelStep]:
    """Each step of the forward path with how many sit there and how many got at least
    that far (lapsed and deactivated assisters are left out: they left the path)."""
    counts = dict(assister.states)
    steps, reached = [], 0
    for state in reversed(FUNNEL):
        reached += counts.get(state, 0)
        steps.append((state, counts.get(state, 0), reached))
    top = max(reached, 1)
    return [FunnelStep(s, n, r, r / top) for s, n, r in reversed(steps)]


async def recent_events(limit: int = 20) -> list[dict[str, Any]]:
    return (
        await History.select(
            History.id,
            History.machine,
            History.entity_id,
            History.event,
            History.from_state,
            History.to_state,
            History.actor,
            History.reason,
            History.at,
        )
        .order_by(History.id, ascending=False)
        .limit(limit)
    )
