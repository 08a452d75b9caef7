"""Loading the local producer registry at real size (a national extract has tens of
thousands of producers) on both databases, and files that are not UTF-8."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import VALID, load_sample_registry
from workflow.core.errors import BadInput
from workflow.tables import ProducerRecord
from workflow.validations.registry_file import (
    HEADER,
    load_registry,
    parse_registry_csv,
    read_registry_file,
)

BIG = 33_500  # more NPNs than PostgreSQL's 32,767 bind parameters per statement
T0 = datetime(2026, 11, 23, 14, tzinfo=UTC)


def extract(count: int, first: int = 20_000_000) -> str:
    rows = [f"{VALID[0]},Dana,Whitfield,OR,3387120,inactive,Health:active"]
    rows += [
        f"{first + i},First{i},Last{i},OR,,active,Accident & Health:active"
        for i in range(count - 1)
    ]
    return "\n".join([HEADER, *rows]) + "\n"


async def test_replace_with_a_real_size_extract(db):
    await load_sample_registry()
    sample = await ProducerRecord.count()
    report = await load_registry(parse_registry_csv(extract(BIG)), replace=True, now=T0)
    assert (report.loaded, report.removed) == (BIG, sample - 1)  # Dana is in the extract
    assert await ProducerRecord.count() == BIG
    dana = await ProducerRecord.select().where(ProducerRecord.npn == VALID[0]).first()
    assert dana["license_status"] == "inactive"

    # a later, smaller full extract removes everyone it does not list, set-based
    later = T0 + timedelta(days=1)
    report = await load_registry(parse_registry_csv(extract(10)), replace=True, now=later)
    assert (report.loaded, report.removed) == (10, BIG - 10)
    rows = await ProducerRecord.select(ProducerRecord.loaded_at)
    assert len(rows) == 10 and {r["loaded_at"] for r in rows} == {later}


async def test_without_replace_nothing_is_removed(db):
    await load_sample_registry()
    sample = await ProducerRecord.count()
    report = await load_registry(parse_registry_csv(extract(3)), now=T0)
    assert (report.loaded, report.removed) == (3, 0)
    assert await ProducerRecord.count() == sample + 2


def test_a_windows_1252_file_is_refused_with_what_to_do_or_read_as_told(tmp_path):
    path = tmp_path / "excel.csv"
    text = f"{HEADER}\n13307715,María José,Núñez,CA,0M88321,active,Health:active\n"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(BadInput) as exc:
        read_registry_file(path)
    assert "line 2 is not valid utf-8 (byte 0xED)" in exc.value.detail
    assert "CSV UTF-8" in exc.value.detail and "--encoding cp1252" in exc.value.detail
    records = parse_registry_csv(read_registry_file(path, "cp1252"))
    assert (records[0].first_name, records[0].last_name) == ("María José", "Núñez")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # Excel's "CSV UTF-8"
    assert parse_registry_csv(read_registry_file(path))[0].last_name == "Núñez"
