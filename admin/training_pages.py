"""Staff pages for training operations: upload the learning system's result file, see
each run's summary and download its result file."""

from __future__ import annotations

import secrets

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Response, Template

from workflow.core.errors import BadInput, NotFound
from workflow.tables import TrainingImportRun
from workflow.training.import_rows import COLUMNS, Result
from workflow.training.importer import import_text
from workflow.web.auth import allow, staff_form
from workflow.web.params import Actor
from workflow.web.rendering import cookie
from workflow.web.sessions import CSRF_FIELD, STAFF_CSRF_COOKIE

ADMIN = ("admin",)
UPLOAD_LIMIT = 20 * 1024 * 1024  # larger files: `workflow training import` from a shell
SHOWN = 200  # rows not applied shown on the page (all are in the result file)
RUNS = 20
T = TrainingImportRun
RUN_COLUMNS = (T.id, T.file_name, T.actor, T.dry_run, T.started_at, T.rows, T.summary)


class TrainingImportPages(Controller):
    path = "/staff/training"
    include_in_schema = False

    @get("/import", opt=allow(*ADMIN, "support"))
    async def form(self, request: Request, actor: Actor) -> Template:
        return await _page(request, actor)

    @post("/import", opt=staff_form(*ADMIN), request_max_body_size=UPLOAD_LIMIT,
          status_code=200)  # fmt: skip
    async def upload(self, request: Request, actor: Actor) -> Template:
        form = await request.form()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            return await _page(request, actor, error="choose the CSV file to import", status=400)
        name = (upload.filename or "upload.csv").rsplit("/", 1)[-1][:200]
        try:
            text = (await upload.read()).decode("utf-8-sig")
            summary = await import_text(text, name, actor, dry_run=form.get("dry_run") == "1")
        except UnicodeDecodeError:
            return await _page(request, actor, status=400,
                               error=f"{name}: not UTF-8 text; save it as CSV UTF-8")  # fmt: skip
        except BadInput as exc:
            return await _page(request, actor, error=f"{name}: {exc.detail}", status=400)
        return await _page(request, actor, summary=summary)

    @get("/imports/{run_id:int}/results.csv", opt=allow(*ADMIN, "support"))
    async def results(self, run_id: FromPath[int]) -> Response:
        run = (
            await TrainingImportRun.select(
                TrainingImportRun.file_name, TrainingImportRun.results_csv
            )
            .where(TrainingImportRun.id == run_id)
            .first()
        )
        if run is None:
            raise NotFound(f"import {run_id} not found")
        stem = run["file_name"].rsplit(".", 1)[0].replace('"', "") or "import"
        return Response(
            run["results_csv"],
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}.results.csv"'},
        )


async def _page(request: Request, actor, *, summary=None, error: str = "", status: int = 200):
    csrf = request.cookies.get(STAFF_CSRF_COOKIE) or secrets.token_urlsafe(32)
    runs = await (
        TrainingImportRun.select(*RUN_COLUMNS)
        .order_by(TrainingImportRun.id, ascending=False)
        .limit(RUNS)
        .output(load_json=True)
    )
    problems = []
    if summary is not None:
        problems = [r for r in sorted(summary.results, key=lambda r: r.line)
                    if r.result != Result.applied][:SHOWN]  # fmt: skip
    context = {
        "staff": actor,
        "columns": COLUMNS,
        "kinds": Result.ALL,
        "summary": summary,
        "problems": problems,
        "shown": SHOWN,
        "runs": runs,
        "error": error,
        "may_import": actor.role in ADMIN,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf,
    }
    return Template(
        template_name="pages/staff/training_import.html",
        context=context,
        status_code=status,
        cookies=[cookie(STAFF_CSRF_COOKIE, csrf, path="/staff")],
    )
