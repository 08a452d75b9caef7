"""The staff page of Open Enrollment readiness: brokers who will not be ready by the next
November 1, one table per missing step, with the CSV download."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, get
from litestar.response import Template

from workflow.core.settings import get_settings
from workflow.readiness.report import LABELS, readiness
from workflow.web.auth import allow
from workflow.web.params import Actor


class ReadinessPages(Controller):
    path = "/staff/reports"
    include_in_schema = False

    @get("/open-enrollment-readiness", opt=allow("admin", "support"))
    async def readiness_page(self, request: Request, actor: Actor) -> Template:
        given = request.query_params.get("as_of", "")
        error = ""
        try:
            as_of = date.fromisoformat(given) if given else get_settings().today()
        except ValueError:
            as_of, error = get_settings().today(), f"{given!r} is not a day as YYYY-MM-DD"
        report = await readiness(as_of)
        context = {"staff": actor, "report": report, "groups": report.groups(), "error": error,
                   "labels": LABELS}  # fmt: skip
        return Template(template_name="pages/staff/oe_readiness.html", context=context,
                        status_code=400 if error else 200)  # fmt: skip
