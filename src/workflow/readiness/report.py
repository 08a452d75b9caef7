"""Which brokers will not be ready for the next Open Enrollment (November 1), and why:
one set-based query over every broker, grouped here by the step each one still misses."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from workflow.core.settings import get_settings
from workflow.db.raw import raw

OPEN_ENROLLMENT = (11, 1)  # month, day

# (step, what is missing, what the broker does about it), in the order they are taken.
STEPS = (
    ("npn_not_valid", "NPN not valid",
     "correct the NPN on the profile (or ask support) until it validates"),
    ("no_marketplace_role", "no Agent Broker marketplace role",
     "choose Individual, SHOP or both on the profile"),
    ("not_certified", "not certified for the training year",
     "complete the course and pass the exam for the training year"),
    ("not_registered", "not registered",
     "accept the agreement(s) for the marketplace role"),
    ("not_active", "not active",
     "activate the account with the Registration Number from the activation e-mail"),
)  # fmt: skip
LABELS = {step: label for step, label, _ in STEPS}

NOT_READY = """
SELECT a.id, a.name, a.email, a.npn, a.npn_status, a.marketplace_role, a.state, a.language,
  EXISTS (SELECT 1 FROM training_records t WHERE t.assister = a.id AND t.training_year = {}
          AND t.kind = 'training') AS trained,
  EXISTS (SELECT 1 FROM training_records t WHERE t.assister = a.id AND t.training_year = {}
          AND t.kind = 'exam' AND t.passed) AS passed
FROM assisters a
WHERE a.kind = 'broker' AND a.state <> 'deactivated'
ORDER BY a.name, a.id
"""


def open_enrollment(as_of: date) -> date:
    """The next November 1 on or after ``as_of``."""
    this_year = date(as_of.year, *OPEN_ENROLLMENT)
    return this_year if as_of <= this_year else date(as_of.year + 1, *OPEN_ENROLLMENT)


def missing_steps(row: dict[str, Any]) -> list[str]:
    missing = []
    if row["npn_status"] != "valid":
        missing.append("npn_not_valid")
    if row["marketplace_role"] not in ("individual", "shop", "both"):
        missing.append("no_marketplace_role")
    if not (row["trained"] and row["passed"]):
        missing.append("not_certified")
    if row["state"] not in ("registered", "active"):
        missing.append("not_registered")
    if row["state"] != "active":
        missing.append("not_active")
    return missing


@dataclass(frozen=True)
class Readiness:
    as_of: date
    open_enrollment: date
    training_year: int
    brokers: list[dict[str, Any]]  # not ready: each with ``missing``

    @property
    def days_left(self) -> int:
        return (self.open_enrollment - self.as_of).days

    def groups(self) -> list[dict[str, Any]]:
        """Per missing step (in the order they are taken): the brokers missing it."""
        return [
            {"step": step, "label": label, "what_to_do": todo,
             "brokers": [b for b in self.brokers if step in b["missing"]]}
            for step, label, todo in STEPS
        ]  # fmt: skip

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["missing_step", "assister_id", "name", "npn", "email", "state"])
        for group in self.groups():
            for b in group["brokers"]:
                writer.writerow([group["step"], b["id"], _cell(b["name"]), b["npn"] or "",
                                 _cell(b["email"]), b["state"]])  # fmt: skip
        return out.getvalue()


def _cell(text: str) -> str:
    # A name like "=HYPERLINK(...)" must not run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def readiness(as_of: date) -> Readiness:
    """Every broker (not deactivated) who is not ready for the next Open Enrollment."""
    day = open_enrollment(as_of)
    year = get_settings().calendar.training_year(day)
    brokers = []
    for row in await raw(NOT_READY, year, year):
        missing = missing_steps(row)
        if missing:
            brokers.append({**row, "missing": missing})
    return Readiness(as_of, day, year, brokers)
