"""What a sweep reports: per rule, how many cases it changed (or would change) and the
first few of them. Never every row: a sweep of a million cases holds one batch at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

EXAMPLES = 20  # cases kept per rule, to show (all of them when there are fewer)


@dataclass
class RuleResult:
    rule: str
    reason: str
    count: int = 0  # cases changed (or, in a dry run, that would be)
    # Chosen, but changed by someone else before the batch moved them: left for the next
    # run, which decides on them afresh.
    stale: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)  # the first EXAMPLES

    def add(self, cases: Sequence[Mapping[str, Any]], stale: int = 0) -> None:
        self.count += len(cases)
        self.stale += stale
        room = EXAMPLES - len(self.examples)
        if room > 0:
            self.examples.extend(dict(c) for c in cases[:room])


@dataclass
class SweepReport:
    as_of: date
    dry_run: bool
    results: list[RuleResult] = field(default_factory=list)

    def count(self, rule: str) -> int:
        return sum(r.count for r in self.results if r.rule == rule)

    def examples(self, rule: str) -> list[dict[str, Any]]:
        """The first cases of ``rule`` (every one of them when there are few)."""
        return [c for r in self.results if r.rule == rule for c in r.examples]
