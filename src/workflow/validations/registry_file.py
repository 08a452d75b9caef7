"""Loading the local producer registry from a CSV file.

Layout (a header row, UTF-8 unless told otherwise, one producer per row)::

    npn,first_name,last_name,state,license_number,license_status,lines_of_authority
    17283945,Dana,Whitfield,OR,OR-3387120,active,Accident & Health:active;Life:active

- ``npn``: 1 to 10 digits, unique in the file.
- ``state``: the two-letter state of the license; ``license_number`` may be empty.
- ``license_status``: active, inactive, expired, suspended or revoked.
- ``lines_of_authority``: ``Name:status`` pairs separated by ``;`` (status active or
  inactive); empty for none. Names containing "health" or "sickness" are health-related.

A file with any bad row loads nothing: every problem is reported with its line number.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from workflow.core.errors import BadInput
from workflow.db import transaction
from workflow.tables import ProducerRecord
from workflow.validations.producer import LineOfAuthority, RegistryRecordData

REQUIRED = ("npn", "first_name", "last_name", "state", "license_status", "lines_of_authority")
LICENSE_STATUSES = ("active", "inactive", "expired", "suspended", "revoked")
LOA_STATUSES = ("active", "inactive")
SAMPLE = "producer_registry_sample.csv"
ENCODING_HELP = (
    "The file must be UTF-8: in Excel, save it as 'CSV UTF-8 (Comma delimited)'. A file "
    "saved as plain 'CSV' by Excel on Windows is Windows-1252: load it with --encoding "
    "cp1252."
)
_BATCH = 200


def sample_csv() -> str:
    """The sample registry shipped with the package (every validation outcome)."""
    return (resources.files("workflow") / "data" / SAMPLE).read_text(encoding="utf-8")


def read_registry_file(path: str | Path, encoding: str = "utf-8") -> str:
    """A registry file's text (a UTF-8 byte-order mark is dropped). A file that is not
    in ``encoding`` is :class:`BadInput` naming the line, not a traceback; OSError is
    left to the caller."""
    raw = Path(path).read_bytes()
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex().upper()
        raise BadInput(
            f"registry file: line {line} is not valid {encoding} (byte 0x{byte}); nothing "
            f"loaded. {ENCODING_HELP}"
        ) from None


def parse_loas(text: str) -> list[LineOfAuthority]:
    """``"Health:active;Life:inactive"`` → lines of authority (ValueError if malformed)."""
    loas = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, sep, status = item.rpartition(":")
        status = status.strip().lower()
        if not sep or not name.strip() or status not in LOA_STATUSES:
            raise ValueError(
                f"line of authority {item!r}: write Name:status with status active or inactive"
            )
        loas.append(LineOfAuthority(name=name.strip(), status=status))
    return loas


HEADER = "npn,first_name,last_name,state,license_number,license_status,lines_of_authority"
_LAYOUT = f"the header must be: {HEADER} (license_number may be left empty)"


def parse_registry_csv(text: str) -> list[RegistryRecordData]:
    """Every row of a registry file, or :class:`BadInput` listing each bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise BadInput(f"registry file: missing columns {', '.join(missing)}; {_LAYOUT}")
    records, problems, seen = [], [], set()
    for line, row in enumerate(reader, start=2):
        try:
            record = _record(row)
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        if record.npn in seen:
            problems.append(f"line {line}: NPN {record.npn} appears twice")
        seen.add(record.npn)
        records.append(record)
    if problems:
        shown = "; ".join(problems[:20]) + (" ..." if len(problems) > 20 else "")
        raise BadInput(f"registry file: {len(problems)} bad line(s), nothing loaded: {shown}")
    return records


def _record(row: dict[str, str | None]) -> RegistryRecordData:
    value = {k: (v or "").strip() for k, v in row.items() if k}
    if not re.fullmatch(r"[0-9]{1,10}", value["npn"]):
        raise ValueError(f"npn {value['npn']!r} must be 1 to 10 digits")
    for name in ("first_name", "last_name"):
        if not value[name] or len(value[name]) > 100:
            raise ValueError(f"{name} must be 1 to 100 characters")
    if not re.fullmatch(r"[A-Za-z]{2}", value["state"]):
        raise ValueError(f"state {value['state']!r} must be a two-letter code")
    status = value["license_status"].lower()
    if status not in LICENSE_STATUSES:
        raise ValueError(f"license_status {status!r} must be one of {', '.join(LICENSE_STATUSES)}")
    return RegistryRecordData(
        npn=value["npn"],
        first_name=value["first_name"],
        last_name=value["last_name"],
        state=value["state"].upper(),
        license_status=status,
        license_number=value.get("license_number") or None,
        lines_of_authority=parse_loas(value["lines_of_authority"]),
    )


@dataclass(frozen=True)
class LoadReport:
    loaded: int
    removed: int

    def __str__(self) -> str:
        removed = f", {self.removed} removed" if self.removed else ""
        return f"producer registry: {self.loaded} record(s) loaded{removed}"


async def load_registry(
    records: list[RegistryRecordData], *, replace: bool = False, now: datetime | None = None
) -> LoadReport:
    """Insert or update (upsert) ``records`` by NPN in one transaction, each stamped
    ``loaded_at = now``; ``replace`` also removes every NPN the file does not list (a
    full extract): the rows this load did not stamp, in one statement however large the
    file (no list of NPNs is sent, so no database's parameter limit is met)."""
    now = now or datetime.now(UTC)
    async with transaction():
        for start in range(0, len(records), _BATCH):
            batch = records[start : start + _BATCH]
            await ProducerRecord.insert(*(_row(r, now) for r in batch)).on_conflict(
                target=ProducerRecord.npn, action="DO UPDATE", values=_UPDATED
            )
        removed = 0
        if replace:
            not_in_file = ProducerRecord.loaded_at != now
            removed = await ProducerRecord.count().where(not_in_file)
            await ProducerRecord.delete().where(not_in_file)
    return LoadReport(loaded=len(records), removed=removed)


# What a later load overwrites for an NPN already loaded (an upsert: no statement per NPN).
_UPDATED = [
    ProducerRecord.first_name,
    ProducerRecord.last_name,
    ProducerRecord.state,
    ProducerRecord.license_number,
    ProducerRecord.license_status,
    ProducerRecord.lines_of_authority,
    ProducerRecord.loaded_at,
]


def _row(record: RegistryRecordData, now: datetime) -> ProducerRecord:
    loas = record.lines_of_authority
    return ProducerRecord(
        npn=record.npn,
        first_name=record.first_name,
        last_name=record.last_name,
        state=record.state,
        license_number=record.license_number,
        license_status=record.license_status,
        lines_of_authority=[{"name": x.name, "status": x.status} for x in loas],
        loaded_at=now,
    )
