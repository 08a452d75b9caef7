"""The learning system's result file, row by row: which columns it must have, and what
each row asks for (a course completed, or an exam attempt with its score). Pure: no
database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.core.errors import BadInput
from workflow.core.training_year import CourseKind, Language, OptionalCourse

COLUMNS = ("assister", "course", "training_year", "language", "completed_on", "score",
           "attempt_id")  # fmt: skip
OPTIONAL = frozenset({"score"})
REQUIRED = tuple(c for c in COLUMNS if c not in OPTIONAL)
MAX_ATTEMPT_ID = 100
COURSES = (*CourseKind, *OptionalCourse)


class Result:
    """What became of a row (the ``result`` column of the result file)."""

    applied = "applied"
    already_imported = "already imported"
    refused = "refused"
    unknown_assister = "unknown assister"
    malformed = "malformed"

    ALL = (applied, already_imported, refused, unknown_assister, malformed)


@dataclass(frozen=True)
class ImportRow:
    line: int  # in the file, the header being line 1
    assister: str  # NPN, e-mail or Reference Number as written
    attempt_id: str
    # complete_training, record_exam when the row has a score, record_optional_course
    # for an optional course (the portal course's assessment score included)
    event: str
    data: Mapping[str, Any]


@dataclass
class RowResult:
    line: int
    attempt_id: str
    assister: str
    result: str
    detail: str = ""
    assister_id: int | None = None
    state: str | None = None
    event: str = field(default="")


def read_rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header's columns (checked) and the data rows as (line, {column: value})."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), restkey="_extra")
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    check_header(header)
    reader.fieldnames = header

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for record in reader:
            if any((v or "").strip() for k, v in record.items() if k != "_extra"):
                yield reader.line_num, record

    return header, rows()


def check_header(header: list[str]) -> None:
    if not header:
        raise BadInput(
            f"the file is empty: its first line must name the columns {', '.join(COLUMNS)}",
            field="file",
        )
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if len(set(header)) != len(header):
            problems.append("a column named twice")
        raise BadInput(
            f"header: {'; '.join(problems)}; the first line names the columns "
            f"{', '.join(COLUMNS)} (score optional), in any order",
            field="file",
        )


def parse(line: int, record: Mapping[str, str]) -> ImportRow | RowResult:
    """One row as the event it asks for, or why it is malformed (the column named)."""
    value = {k: (record.get(k) or "").strip() for k in COLUMNS}
    problem = _problem(value, record)
    if problem:
        return RowResult(line, value["attempt_id"], value["assister"], Result.malformed, problem)
    data: dict[str, Any] = {
        "course": value["course"],
        "training_year": int(value["training_year"]),
        "language": value["language"],
        "completed_on": value["completed_on"],
    }
    event = "complete_training"
    if value["score"]:
        data["score"] = int(value["score"])
        event = "record_exam"
    if value["course"] in set(OptionalCourse):  # recorded beside certification, never in it
        event = "record_optional_course"
    return ImportRow(line, value["assister"], value["attempt_id"], event, data)


def _problem(value: Mapping[str, str], record: Mapping[str, Any]) -> str | None:
    if record.get("_extra"):
        return "the row has more values than the header has columns"
    for column in REQUIRED:
        if not value[column]:
            return f"{column}: empty; every row needs {column}"
    if len(value["attempt_id"]) > MAX_ATTEMPT_ID:
        return f"attempt_id: longer than {MAX_ATTEMPT_ID} characters"
    if value["course"] not in COURSES:
        return f"course: {value['course']!r} is not one of {', '.join(COURSES)}"
    if not _int_between(value["training_year"], 2014, 2100):
        return f"training_year: {value['training_year']!r} is not a year such as 2027"
    if value["language"] not in set(Language):
        return f"language: {value['language']!r} is not one of {', '.join(Language)}"
    try:
        date.fromisoformat(value["completed_on"])
    except ValueError:
        return f"completed_on: {value['completed_on']!r} is not a date as YYYY-MM-DD"
    if value["score"] and not _int_between(value["score"], 0, 100):
        return f"score: {value['score']!r} is not a whole number from 0 to 100"
    return None


def _int_between(text: str, low: int, high: int) -> bool:
    return text.isdigit() and low <= int(text) <= high


RESULT_COLUMNS = ("line", "attempt_id", "assister", "result", "detail", "assister_id", "state")


def results_csv(results: list[RowResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for r in sorted(results, key=lambda r: r.line):
        writer.writerow([r.line, r.attempt_id, r.assister, r.result, r.detail,
                         r.assister_id or "", r.state or ""])  # fmt: skip
    return out.getvalue()
