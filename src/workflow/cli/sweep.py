"""The ``workflow sweep`` command's output: a progress bar while it runs, a summary after."""

from __future__ import annotations

from datetime import date

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from workflow.core.settings import get_settings
from workflow.db import migrate
from workflow.sweep.runner import sweep


async def run_sweep(as_of: date | None, dry_run: bool) -> int:
    await migrate()
    console = Console()
    day = as_of or get_settings().today()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} cases"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(rule: str, done: int, _total: int) -> None:
            if rule not in tasks:
                tasks[rule] = bar.add_task(rule, total=None)
            bar.update(tasks[rule], completed=done)

        report = await sweep(day, dry_run=dry_run, progress=progress)
    verb = "would change" if dry_run else "changed"
    console.print(f"sweep for {day.isoformat()}: {verb}:")
    for result in report.results:
        left = f", {result.stale} changed meanwhile: left for the next run" if result.stale else ""
        console.print(f"  {result.rule}: {result.count}  ({result.reason}{left})")
        if result.examples and not dry_run:
            ids = ", ".join(str(case["id"]) for case in result.examples)
            more = " …" if result.count > len(result.examples) else ""
            console.print(f"    e.g. ids {ids}{more}")
        elif result.examples:
            table = Table("id", "name", "onboarded on", show_edge=False)
            for case in result.examples:
                name = case.get("name") or case.get("assister.name") or ""
                table.add_row(str(case["id"]), name, str(case.get("onboarded_on") or ""))
            console.print(table)
            if result.count > len(result.examples):
                console.print(f"  … and {result.count - len(result.examples)} more")
    if not report.results:
        console.print("  nothing is due")
    return 0
