"""Importing the learning system's results: every row becomes the event an admin would
fire (``complete_training``, or ``record_exam`` for a row with a score), through the
engine, as the actor ``import`` with the file's name in the reason.

Set-based where it can be: per batch, the assisters are found in one query and the
attempts already imported in another. The rows are then fired in rounds (round k holds
each assister's k-th row, so one person's rows keep the file's order) with
:func:`workflow.engine.many.fire_many`: the round's cases and their training facts read
at once, each decided by the machine on its own (the training events' guards read
per-case facts, so they have no bulk form), all written in one transaction; a round that
meets a change made meanwhile is fired row by row instead. The attempt id is written
in the event's own statement into a table where it is unique: a row is applied exactly
once, however often (or however concurrently) its file is imported. A refused event
writes nothing, so the row is tried again next time; a failed exam is an attempt the
machine keeps, so it counts as imported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from workflow.assisters.binding import ASSISTER_CASE
from workflow.core.errors import AttemptRecorded, Conflict, MachineError, StaleVersion
from workflow.core.principal import Principal
from workflow.db import is_sqlite, transaction
from workflow.db.raw import in_list, list_arg, raw
from workflow.engine.command import FireEvent
from workflow.engine.fire import fire
from workflow.engine.many import BatchConflict, fire_many, fits
from workflow.tables import TrainingImportRun
from workflow.training.import_rows import (
    ImportRow,
    Result,
    RowResult,
    parse,
    read_rows,
    results_csv,
)

BATCH = 2000
RETRIES = 3  # a row whose assister changed under it (another import) is decided again

CLAIM = """
INSERT INTO training_import_attempts (attempt_id, assister, event, file_name, imported_at)
"""
# SQLite runs an event's other writes only once its compare-and-set moved the case; on
# PostgreSQL they are parts of one statement, so the claim asks for the move itself.
CLAIM_SQLITE = CLAIM + "VALUES ({}, {}, {}, {}, {})"
CLAIM_PG = CLAIM + (
    "SELECT {}::varchar, {}::integer, {}::varchar, {}::varchar, {}::timestamptz "
    "WHERE EXISTS (SELECT 1 FROM moved)"
)
# Three look-ups, each by its own index (an OR of the three would read every assister).
FIND = """
SELECT id, npn, lower(email) AS email, reference_number FROM assisters WHERE {npn}
UNION SELECT id, npn, lower(email), reference_number FROM assisters WHERE {reference}
UNION SELECT id, npn, lower(email), reference_number FROM assisters WHERE {email}
"""
CLAIMED = "SELECT attempt_id FROM training_import_attempts WHERE {attempt}"


def importer(actor: Principal | None = None) -> Principal:
    """The actor ``import`` (keeping the staff member's user id when a person uploaded)."""
    return Principal(user_id=actor.user_id if actor else None, username="import", role="admin")


@dataclass
class ImportSummary:
    file_name: str
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)
    run_id: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.result for r in self.results)
        return {kind: counted.get(kind, 0) for kind in Result.ALL}

    def sentence(self) -> str:
        what = "would be" if self.dry_run else "were"
        parts = ", ".join(f"{n} {kind}" for kind, n in self.counts.items() if n)
        return f"{self.file_name}: {len(self.results)} rows {what} read: {parts or 'none'}"

    def csv(self) -> str:
        return results_csv(self.results)


Progress = Callable[[int], None]


async def import_text(text: str, file_name: str, actor: Principal | None = None, *,
                      dry_run: bool = False, progress: Progress | None = None,
                      now: datetime | None = None) -> ImportSummary:  # fmt: skip
    """Import a result file's text (the header is checked first: BadInput if wrong).
    ``progress`` is told how many rows each finished batch held."""
    _, rows = read_rows(text)
    who = importer(actor)
    summary = ImportSummary(file_name, dry_run)
    if dry_run:  # every event is fired as it would be, then nothing is kept
        try:
            async with transaction():
                await _all_batches(rows, summary, who, now, progress, dry_run=True)
                raise _Undo
        except _Undo:
            pass
    else:
        await _all_batches(rows, summary, who, now, progress, dry_run=False)
    summary.run_id = await _save_run(summary, actor, now or datetime.now(UTC))
    return summary


async def _save_run(summary: ImportSummary, actor: Principal | None, now: datetime) -> int:
    """Keep the run and its result file (the staff pages offer it for download)."""
    rows = await TrainingImportRun.insert(
        TrainingImportRun(
            file_name=summary.file_name[:200],
            actor=(actor.username if actor else "import")[:150],
            dry_run=summary.dry_run,
            started_at=now,
            rows=len(summary.results),
            summary=summary.counts,
            results_csv=summary.csv(),
        )
    ).returning(TrainingImportRun.id)
    return rows[0]["id"]


class _Undo(Exception):
    """Leaves a dry run's transaction without keeping anything."""


async def _all_batches(rows, summary, who, now, progress, *, dry_run: bool) -> None:
    seen: set[str] = set()  # attempt ids earlier in this file
    for batch in _batches(rows):
        results = await _batch(batch, summary.file_name, who, now, seen, dry_run)
        summary.results += results
        if progress:
            progress(len(batch))


def _batches(rows: Iterable[tuple[int, dict[str, str]]]):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _batch(batch, file_name, who, now, seen: set[str], dry_run: bool) -> list[RowResult]:
    parsed = [parse(line, record) for line, record in batch]
    done = [p for p in parsed if isinstance(p, RowResult)]
    rows = [p for p in parsed if isinstance(p, ImportRow)]
    found = await find_assisters({r.assister for r in rows})
    claimed = await _claimed({r.attempt_id for r in rows})
    by_assister: dict[int, list[ImportRow]] = {}
    for row in rows:
        ids = found.get(row.assister.lower(), set())
        if row.attempt_id in claimed or row.attempt_id in seen:
            done.append(_result(row, Result.already_imported, "attempt id imported before"))
        elif len(ids) != 1:
            done.append(_result(row, Result.unknown_assister, _unknown(row, ids)))
        else:
            by_assister.setdefault(next(iter(ids)), []).append(row)
        seen.add(row.attempt_id)
    apply = _Apply(file_name, who, now)
    if dry_run:
        for aid, mine in by_assister.items():
            done += await apply.rows(aid, mine)
    else:
        done += await apply.in_rounds(by_assister)
    return done


def _unknown(row: ImportRow, ids: set[int]) -> str:
    if ids:
        return (f"{row.assister!r} matches {len(ids)} assisters: use their NPN or Reference "
                "Number instead")  # fmt: skip
    return f"no assister has the NPN, e-mail or Reference Number {row.assister!r}"


def _result(row: ImportRow, result: str, detail: str, **more: Any) -> RowResult:
    return RowResult(row.line, row.attempt_id, row.assister, result, detail, event=row.event,
                     **more)  # fmt: skip


async def find_assisters(keys: set[str]) -> dict[str, set[int]]:
    """NPN, Reference Number or e-mail (any case) -> the ids of the assisters it names."""
    if not keys:
        return {}
    wanted = list_arg(sorted({k.lower() for k in keys}))
    sql = FIND.format(npn=in_list("npn", "text"), reference=in_list("reference_number", "text"),
                      email=in_list("lower(email)", "text"))  # fmt: skip
    rows = await raw(sql, wanted, wanted, wanted)
    found: dict[str, set[int]] = {}
    for r in rows:
        for key in (r["npn"], r["reference_number"], r["email"]):
            if key:
                found.setdefault(key.lower(), set()).add(r["id"])
    return found


async def _claimed(attempt_ids: set[str]) -> set[str]:
    if not attempt_ids:
        return set()
    sql = CLAIMED.format(attempt=in_list("attempt_id", "text"))
    rows = await raw(sql, list_arg(sorted(attempt_ids)))
    return {r["attempt_id"] for r in rows}


@dataclass
class _Apply:
    file_name: str
    who: Principal
    now: datetime | None

    async def in_rounds(self, by_assister: dict[int, list[ImportRow]]) -> list[RowResult]:
        """Round k holds each assister's k-th row (so their rows keep the file's order);
        a round is fired at once (``fire_many``), or row by row if a case changed under
        it (another import, an admin) or its events cannot go that way."""
        done: list[RowResult] = []
        longest = max((len(rows) for rows in by_assister.values()), default=0)
        for k in range(longest):
            round_ = [(aid, rows[k]) for aid, rows in by_assister.items() if len(rows) > k]
            done += await self.round(round_)
        return done

    async def round(self, round_: list[tuple[int, ImportRow]]) -> list[RowResult]:
        if not all(fits(ASSISTER_CASE, row.event) for _, row in round_):
            return [await self.row(aid, row) for aid, row in round_]
        try:
            results = await fire_many([self.command(aid, row) for aid, row in round_])
        except BatchConflict:
            return [await self.row(aid, row) for aid, row in round_]
        return [self.result(aid, row, r) for (aid, row), r in zip(round_, results, strict=True)]

    def command(self, assister_id: int, row: ImportRow) -> FireEvent:
        """The event for a row, with its attempt id claimed in the event's own write."""
        now = self.now or datetime.now(UTC)
        values = (row.attempt_id, assister_id, row.event, self.file_name[:200], now)
        claim = (CLAIM_SQLITE if is_sqlite() else CLAIM_PG, values)
        return FireEvent(ASSISTER_CASE, assister_id, row.event, self.who,
                         reason=f"imported from {self.file_name}", data=row.data, now=now,
                         writes=(claim,))  # fmt: skip

    @staticmethod
    def result(assister_id: int, row: ImportRow, outcome) -> RowResult:
        if isinstance(outcome, AttemptRecorded):  # e.g. a failed exam: kept, still refused
            return _result(row, Result.refused, outcome.detail, assister_id=assister_id,
                           state=outcome.outcome.state)  # fmt: skip
        if isinstance(outcome, MachineError):
            return _result(row, Result.refused, outcome.detail, assister_id=assister_id)
        return _result(row, Result.applied, f"{row.event}: {outcome.from_state} → "
                       f"{outcome.state}", assister_id=assister_id,
                       state=outcome.state)  # fmt: skip

    async def rows(self, assister_id: int, rows: list[ImportRow]) -> list[RowResult]:
        return [await self.row(assister_id, row) for row in rows]

    async def row(self, assister_id: int, row: ImportRow) -> RowResult:
        cmd = self.command(assister_id, row)
        for _ in range(RETRIES):
            try:
                outcome = await fire(cmd)
            except AttemptRecorded as kept:  # e.g. a failed exam: recorded, still refused
                return _result(row, Result.refused, kept.detail, assister_id=assister_id,
                               state=kept.outcome.state)  # fmt: skip
            except StaleVersion:
                if await _claimed({row.attempt_id}):
                    break
                continue  # the assister changed meanwhile: decide again
            except Conflict:  # the attempt id's unique index: another import won
                # (the training events write no other unique row)
                break
            except MachineError as refused:
                return _result(row, Result.refused, refused.detail, assister_id=assister_id)
            return _result(row, Result.applied, f"{row.event}: {outcome.from_state} → "
                           f"{outcome.state}", assister_id=assister_id,
                           state=outcome.state)  # fmt: skip
        return _result(row, Result.already_imported, "imported by another import at the same time",
                       assister_id=assister_id)  # fmt: skip
