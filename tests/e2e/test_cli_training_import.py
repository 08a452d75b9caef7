"""``workflow training import``, run as a real process: a dry run, then the import, a
result file beside the input, exit status 1 while any row was not applied."""

import csv
from datetime import date

from tests.e2e.test_cli import run_cli
from tests.helpers import new_assister
from workflow.core.settings import get_settings
from workflow.tables import History


async def test_import_from_the_command_line(client, db, admin, tmp_path):
    a = await new_assister(client, admin, email="ana@example.org")
    settings = get_settings()
    today = settings.today().isoformat()
    year = settings.calendar.training_year(date.fromisoformat(today))
    source = tmp_path / "fall.csv"
    source.write_text(
        "assister,course,training_year,language,completed_on,score,attempt_id\n"
        f"ana@example.org,full,{year},en,{today},,lms-1\n"
        f"{a['reference_number']},full,{year},en,{today},88,lms-2\n"
        f"ana@example.org,full,{year},en,not-a-day,,lms-3\n"
    )
    dry = run_cli(db, "training", "import", str(source), "--dry-run", "--quiet")
    assert dry.returncode == 1, dry.stderr  # the malformed row
    assert "3 rows would be read: 2 applied, 1 malformed" in dry.stdout
    assert await History.count().where(History.entity_id == a["id"]) == 1  # created only

    done = run_cli(db, "training", "import", str(source), "--quiet")
    assert "3 rows were read: 2 applied, 1 malformed" in done.stdout, done.stderr
    rows = list(csv.DictReader((tmp_path / "fall.results.csv").open()))
    assert [(r["attempt_id"], r["result"]) for r in rows] == [
        ("lms-1", "applied"), ("lms-2", "applied"), ("lms-3", "malformed")
    ]  # fmt: skip
    assert rows[2]["detail"].startswith("completed_on:")
    r = await client.get(f"/assisters/{a['id']}", headers=admin)
    assert r.json()["state"] == "exam_passed"

    again = run_cli(db, "training", "import", str(source), "--quiet")
    assert "2 already imported, 1 malformed" in again.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("who,course\nx,full\n")
    refused = run_cli(db, "training", "import", str(bad), "--quiet")
    assert refused.returncode == 2 and "missing column(s)" in refused.stderr
