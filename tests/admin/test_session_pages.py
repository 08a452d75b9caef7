"""The training session staff pages: publish, sign someone up, cancel, mark attended."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from tests.admin.helpers import signed_in
from tests.helpers import new_assister, new_org


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def post(web, path, **fields):
    token = web.cookies.get("workflow_staff_csrf", "")
    return await web.post(path, data={"csrf_token": token, **fields})


async def test_publish_sign_up_cancel_and_mark_attended(web, admin, client):
    org = await new_org(client, admin)
    with at(2026, 9, 1):
        ana = await new_assister(client, admin, name="Ana Torres", email="ana@example.org",
                                 organization_id=org)  # fmt: skip
        ben = await new_assister(client, admin, name="Ben Ruiz", email="ben@example.org",
                                 organization_id=org)  # fmt: skip
        await signed_in(web)
        page = await web.get("/staff/training/sessions/")
        assert "No sessions are coming up." in page.text
        form = {"course": "full", "training_year": "2027", "language": "en",
                "starts_at": "2026-10-06T09:00", "capacity": "1", "place": ""}  # fmt: skip
        refused = await post(web, "/staff/training/sessions/", **form)
        assert refused.status_code == 422 and "give the address" in refused.text
        r = await post(web, "/staff/training/sessions/", **{**form, "place": "Salem Library"})
        assert r.status_code == 303, r.text
        session_page = r.headers["location"].split("?")[0]
        page = await web.get(r.headers["location"])
        assert "The session is published." in page.text and "0 of 1 seats taken" in page.text

        await post(web, f"{session_page}/signups", assister="ANA@example.org")
        r = await post(web, f"{session_page}/signups", assister=ben["reference_number"])
        page = await web.get(r.headers["location"])
        assert "1 of 1 seats taken;\n1 waiting" in page.text
        roster = page.text.split('aria-label="Roster"')[1]
        assert roster.index("Ana Torres") < roster.index("Ben Ruiz")
        nobody = await post(web, f"{session_page}/signups", assister="nobody@example.org")
        assert nobody.status_code == 400 and "nobody@example.org" in nobody.text

        signup = roster.split("/staff/cases/session_signup/")[1].split('"')[0]
        r = await post(web, f"{session_page}/signups/{signup}/cancel")
        page = await web.get(r.headers["location"])
        assert "a freed seat went to the first in line" in page.text
        assert "1 of 1 seats taken;\n0 waiting" in page.text
    with at(2026, 10, 6, 10):
        await signed_in(web)  # a new day, a new staff session
        page = await web.get(session_page)
        assert "Mark attended" in page.text and "Cancel sign-up" not in page.text
        ben_row = page.text.split("Ben Ruiz")[1]
        ben_signup = ben_row.split("/staff/cases/session_signup/")[1].split('"')[0]
        r = await post(web, f"{session_page}/signups/{ben_signup}/attend")
        page = await web.get(r.headers["location"])
        assert "Attendance marked" in page.text
        b = (await client.get(f"/assisters/{ben['id']}", headers=admin)).json()
        assert b["state"] == "trained"
    assert ana["id"] != ben["id"]
