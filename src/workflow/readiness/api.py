"""``GET /reports/open-enrollment-readiness``: brokers who will not be ready by the next
November 1, grouped by the step they still miss (and the same as CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Response
from msgspec import Struct

from workflow.core.settings import get_settings
from workflow.readiness.report import readiness
from workflow.web.auth import allow

AsOf = Annotated[
    date | None,
    QueryParameter(description="the day to report for (YYYY-MM-DD); default today"),
]


class BrokerOut(Struct):
    id: int
    name: str
    email: str
    npn: str | None
    state: str
    missing: list[str]


class StepOut(Struct):
    step: str
    label: str
    what_to_do: str
    count: int
    brokers: list[BrokerOut]


class ReadinessOut(Struct):
    as_of: date
    open_enrollment: date
    training_year: str
    days_left: int
    not_ready: int
    groups: list[StepOut]


def _broker(b) -> BrokerOut:
    return BrokerOut(b["id"], b["name"], b["email"], b["npn"], b["state"], b["missing"])


class ReadinessController(Controller):
    path = "/reports"
    tags = ["reports"]

    @get("/open-enrollment-readiness", opt=allow("admin", "support"))
    async def report(self, as_of: AsOf = None) -> ReadinessOut:
        """Every broker (not deactivated) who will not be ready for Open Enrollment on the
        next November 1, grouped by what is missing: a valid NPN, an Agent Broker
        marketplace role, certification for that training year, registration, activation.
        A broker missing several steps is in each of their groups."""
        found = await readiness(as_of or get_settings().today())
        groups = [StepOut(g["step"], g["label"], g["what_to_do"], len(g["brokers"]),
                          [_broker(b) for b in g["brokers"]]) for g in found.groups()]  # fmt: skip
        return ReadinessOut(found.as_of, found.open_enrollment, f"TY{found.training_year}",
                            found.days_left, len(found.brokers), groups)  # fmt: skip

    @get("/open-enrollment-readiness.csv", opt=allow("admin", "support"))
    async def report_csv(self, as_of: AsOf = None) -> Response:
        """The same, one row per broker and missing step."""
        found = await readiness(as_of or get_settings().today())
        name = f"open-enrollment-readiness-{found.as_of.isoformat()}.csv"
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(found.csv(), media_type="text/csv; charset=utf-8", headers=disposition)
