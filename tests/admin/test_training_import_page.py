"""The staff page that uploads a learning-system result file (admin session, CSRF)."""

from __future__ import annotations

import csv
import io

from tests.admin.helpers import signed_in
from tests.helpers import new_assister
from workflow.core.settings import get_settings
from workflow.tables import TrainingImportAttempt


def result_file(reference: str) -> bytes:
    settings = get_settings()
    today = settings.today()
    year = settings.calendar.training_year(today)
    return (
        "assister,course,training_year,language,completed_on,score,attempt_id\n"
        f"{reference},full,{year},en,{today},,web-1\n"
        f"{reference},full,{year},en,{today},85,web-2\n"
        f"nobody@example.org,full,{year},en,{today},,web-3\n"
    ).encode()


async def upload(web, content: bytes, **fields):
    await web.get("/staff/training/import")
    token = web.cookies.get("workflow_staff_csrf", "")
    return await web.post(
        "/staff/training/import",
        data={"csrf_token": token, **fields},
        files={"file": ("fall results.csv", content, "text/csv")},
    )


async def test_upload_a_dry_run_then_the_import_and_download_the_result(web, admin, client):
    a = await new_assister(client, admin)
    await signed_in(web)
    page = await web.get("/staff/training/import")
    assert page.status_code == 200 and "No imports yet." in page.text
    dry = await upload(web, result_file(a["reference_number"]), dry_run="1")
    assert dry.status_code == 200, dry.text
    assert "Dry run of fall results.csv" in dry.text and "nothing was changed" in dry.text
    assert "applied: 2" in dry.text and "unknown assister: 1" in dry.text
    assert await TrainingImportAttempt.count() == 0

    done = await upload(web, result_file(a["reference_number"]))
    assert "3 rows\n  were read" in done.text and "applied: 2" in done.text
    assert "no assister has the NPN, e-mail or Reference Number" in done.text
    link = done.text.split('href="/staff/training/imports/')[1].split('"')[0]
    download = await web.get(f"/staff/training/imports/{link}")
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="fall results.results.csv"' in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["result"] for r in rows] == ["applied", "applied", "unknown assister"]
    r = await client.get(f"/assisters/{a['id']}", headers=admin)
    assert r.json()["state"] == "exam_passed"

    again = await upload(web, result_file(a["reference_number"]))
    assert "already imported: 2" in again.text
    assert (await web.get("/staff/training/import")).text.count("result file</a>") == 3


async def test_a_wrong_header_or_a_forged_token_is_refused_with_a_sentence(web, admin):
    await signed_in(web)
    r = await upload(web, b"who,course\nx,full\n")
    assert r.status_code == 400 and "missing column(s)" in r.text
    r = await web.post("/staff/training/import", data={"csrf_token": "forged"},
                       files={"file": ("x.csv", b"a", "text/csv")})  # fmt: skip
    assert r.status_code == 403


async def test_support_sees_the_runs_but_may_not_import(web, admin, client):
    await signed_in(web, "support")
    page = await web.get("/staff/training/import")
    assert page.status_code == 200 and "Only an admin may import results." in page.text
    r = await upload(web, b"x")
    assert r.status_code == 403
