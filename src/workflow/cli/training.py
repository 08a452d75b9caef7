"""``workflow training import FILE.csv [--dry-run]``: results from the learning system,
with a progress bar, a summary and a result file beside the input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from workflow.cli.common import run_job as _run
from workflow.core.errors import BadInput
from workflow.db import migrate
from workflow.training.import_rows import Result
from workflow.training.importer import import_text


def cmd_training_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding=args.encoding)
    except (OSError, UnicodeDecodeError, LookupError) as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    out = Path(args.results) if args.results else path.with_suffix(".results.csv")
    total = max(text.count("\n") - 1, 1)  # a bar's length; quoted line breaks aside

    async def job() -> int:
        await migrate()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn())  # fmt: skip
        with Progress(*columns, transient=True, disable=args.quiet) as bar:
            task = bar.add_task("dry run" if args.dry_run else "importing", total=total)
            try:
                summary = await import_text(text, path.name, dry_run=args.dry_run,
                                            progress=lambda n: bar.advance(task, n))  # fmt: skip
            except BadInput as exc:
                print(f"error: {path.name}: {exc.detail}", file=sys.stderr)
                return 2
        out.write_text(summary.csv(), encoding="utf-8")
        print(summary.sentence())
        print(f"results: {out}")
        fine = (Result.applied, Result.already_imported)
        return 0 if all(r.result in fine for r in summary.results) else 1

    return _run(job)


def add_commands(sub: argparse._SubParsersAction) -> None:
    training = sub.add_parser("training", help="training results").add_subparsers(
        dest="training_command", required=True
    )
    load = training.add_parser(
        "import",
        help="import course completions and exam scores from the learning system's CSV "
        "(columns: assister, course, training_year, language, completed_on, score, "
        "attempt_id); exit 1 if any row was not applied",
    )
    load.add_argument("file", help="the CSV file")
    load.add_argument(
        "--dry-run", action="store_true", help="say what would happen, change nothing"
    )
    load.add_argument("--results", help="where to write the result file (default FILE.results.csv)")
    load.add_argument("--encoding", default="utf-8-sig", help="the file's encoding (default utf-8)")
    load.add_argument("--quiet", action="store_true", help="no progress bar")
    load.set_defaults(func=cmd_training_import)
