"""Scheduled training sessions (on SQLite and PostgreSQL, through the HTTP API): seats,
the waiting list promoted in order (races too), confirmation and reminder messages in
each person's language, attendance recorded as the course."""

import asyncio
from datetime import UTC, date, datetime

import time_machine

from tests.helpers import new_assister, new_org, new_user_headers
from workflow.sweep.runner import sweep
from workflow.tables import Message, TrainingRecord, TrainingSignup

SESSION = {
    "course": "full",
    "training_year": 2027,
    "language": "es",
    "starts_at": "2026-10-06T15:00:00Z",
    "online": False,
    "place": "Salem Library, 585 Liberty St SE",
    "capacity": 2,
}


def at(y, m, d, hour=12):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=UTC), tick=False)


async def setup(client, admin, people=4, **session):
    org = await new_org(client, admin)
    with at(2026, 9, 1):
        crowd = []
        for i in range(people):
            language = "es" if i % 2 else "en"
            person = {"name": f"Person {i}", "email": f"p{i}@example.org", "language": language}
            crowd.append(await new_assister(client, admin, organization_id=org, **person))
        r = await client.post("/training/sessions", json={**SESSION, **session}, headers=admin)
        assert r.status_code == 201, r.text
    return r.json(), crowd


async def sign_up(client, headers, session_id, assister_id=None):
    body = {"assister_id": assister_id} if assister_id else {}
    return await client.post(f"/training/sessions/{session_id}/signups", json=body,
                             headers=headers)  # fmt: skip


async def messages(assister_id, template):
    return await Message.select(Message.subject, Message.body, Message.language).where(
        (Message.assister == assister_id) & (Message.template == template)
    )


async def test_seats_then_the_waiting_list_in_order_with_messages(client, admin):
    session, crowd = await setup(client, admin)
    with at(2026, 9, 2):
        states = []
        for person in crowd:
            r = await sign_up(client, admin, session["id"], person["id"])
            assert r.status_code == 201, r.text
            states.append((r.json()["state"], r.json()["place_in_line"]))
        assert states == [("confirmed", None), ("confirmed", None), ("waiting", 1), ("waiting", 2)]
        again = await sign_up(client, admin, session["id"], crowd[0]["id"])
        assert again.status_code == 409 and "already signed up" in again.json()["detail"]
        info = (await client.get(f"/training/sessions/{session['id']}", headers=admin)).json()
        assert info["seats_left"] == 0 and info["waiting"] == 2

    (en,) = await messages(crowd[0]["id"], "session_confirmed")
    (es,) = await messages(crowd[1]["id"], "session_confirmed")
    assert en["subject"].startswith("Your seat is confirmed: TY2027 training")
    assert "Salem Library" in en["body"] and "taught in Spanish" in en["body"]
    assert es["language"] == "es" and es["subject"].startswith("Su lugar está confirmado")
    (waiting,) = await messages(crowd[2]["id"], "session_waitlisted")
    assert "number 1 on its waiting list" in waiting["body"]
    (espera,) = await messages(crowd[3]["id"], "session_waitlisted")
    assert "el número 2 en la lista de espera" in espera["body"]

    with at(2026, 9, 3):  # a seat frees: the first in line gets it, and hears so
        mine = await TrainingSignup.select().where(TrainingSignup.assister == crowd[0]["id"])
        r = await client.post(f"/training/signups/{mine[0]['id']}/events/cancel", json={},
                              headers=admin)  # fmt: skip
        assert r.status_code == 200, r.text
    assert len(await messages(crowd[2]["id"], "session_confirmed")) == 1
    r = await sign_up(client, admin, session["id"], crowd[3]["id"])
    assert r.status_code == 409
    with at(2026, 9, 4):  # the first one signs up again: the end of the line
        r = await sign_up(client, admin, session["id"], crowd[0]["id"])
        assert r.json()["state"] == "waiting" and r.json()["place_in_line"] == 2


async def test_an_assister_signs_up_and_cancels_for_themselves(client, admin):
    session, crowd = await setup(client, admin, people=2, capacity=1)
    me = await new_user_headers("assister", assister_id=crowd[0]["id"])
    other = await new_user_headers("assister", assister_id=crowd[1]["id"])
    with at(2026, 9, 2):
        r = await sign_up(client, me, session["id"])
        assert r.status_code == 201 and r.json()["state"] == "confirmed"
        signup = r.json()["id"]
        assert (await sign_up(client, me, session["id"], crowd[1]["id"])).status_code == 404
        assert (await client.get(f"/training/signups/{signup}", headers=other)).status_code == 404
        r = await client.post(f"/training/signups/{signup}/events/cancel", json={}, headers=other)
        assert r.status_code == 404
        waiting = await sign_up(client, other, session["id"])
        assert waiting.json()["state"] == "waiting"
        r = await client.post(f"/training/signups/{signup}/events/cancel", json={}, headers=me)
        assert r.status_code == 200 and r.json()["state"] == "cancelled"
        r = await client.get(f"/training/signups/{waiting.json()['id']}", headers=other)
        assert r.json()["state"] == "confirmed"
        r = await client.post(f"/training/signups/{signup}/events/rejoin", json={}, headers=me)
        assert r.status_code == 403 and "sign up again" in r.json()["detail"]
        mine = (await client.get("/training/signups/mine", headers=me)).json()
        assert [s["state"] for s in mine] == ["cancelled"]


async def test_concurrent_sign_ups_never_overbook_and_keep_one_per_person(client, admin):
    session, crowd = await setup(client, admin, people=6, capacity=2)
    with at(2026, 9, 2):
        results = await asyncio.gather(
            *(sign_up(client, admin, session["id"], p["id"]) for p in crowd),
            *(sign_up(client, admin, session["id"], crowd[0]["id"]) for _ in range(3)),
        )
    codes = sorted(r.status_code for r in results)
    assert codes == [201] * 6 + [409] * 3, [r.text for r in results]
    rows = await TrainingSignup.select().where(TrainingSignup.session == session["id"])
    assert len(rows) == 6
    assert sorted(r["state"] for r in rows) == ["confirmed"] * 2 + ["waiting"] * 4
    places = sorted(r.json()["place_in_line"] or 0 for r in results if r.status_code == 201)
    assert places == [0, 0, 1, 2, 3, 4]


async def test_seats_freed_at_once_go_to_the_first_in_line_in_order(client, admin):
    session, crowd = await setup(client, admin, people=6, capacity=3)
    with at(2026, 9, 2):
        ids = []
        for person in crowd:
            ids.append((await sign_up(client, admin, session["id"], person["id"])).json()["id"])
        done = await asyncio.gather(
            *(client.post(f"/training/signups/{i}/events/cancel", json={}, headers=admin)
              for i in ids[:3])
        )  # fmt: skip
    assert [r.status_code for r in done] == [200] * 3, [r.text for r in done]
    rows = {r["id"]: r["state"] for r in await TrainingSignup.select()}
    assert [rows[i] for i in ids] == ["cancelled"] * 3 + ["confirmed"] * 3


async def test_reminder_the_day_before_once_in_each_language(client, admin):
    session, crowd = await setup(client, admin, people=3)
    with at(2026, 9, 2):
        for person in crowd:
            await sign_up(client, admin, session["id"], person["id"])
    with at(2026, 10, 4, 6):
        await sweep(date(2026, 10, 4))  # two days before: nothing yet
    assert await Message.count().where(Message.template == "session_reminder") == 0
    with at(2026, 10, 5, 6):
        report = await sweep(date(2026, 10, 5))
        await sweep(date(2026, 10, 5))  # again: nobody is reminded twice
    assert report.count("session_reminder") == 2
    (en,) = await messages(crowd[0]["id"], "session_reminder")
    (es,) = await messages(crowd[1]["id"], "session_reminder")
    assert en["subject"] == "Reminder: your TY2027 training is tomorrow"
    assert es["subject"] == "Recordatorio: su capacitación TY2027 es mañana"
    assert "at Salem Library" in en["body"] and "en Salem Library" in es["body"]
    assert await messages(crowd[2]["id"], "session_reminder") == []  # waiting: no seat


async def test_attendance_records_the_course_and_the_assister_is_trained(client, admin):
    session, crowd = await setup(client, admin, people=1)
    with at(2026, 9, 2):
        signup = (await sign_up(client, admin, session["id"], crowd[0]["id"])).json()["id"]
        early = await client.post(f"/training/signups/{signup}/events/attend", json={},
                                  headers=admin)  # fmt: skip
        assert early.status_code == 422 and "mark attendance once it has begun" in early.text
    with at(2026, 10, 6, 20):
        late = await client.post(f"/training/signups/{signup}/events/cancel", json={},
                                 headers=admin)  # fmt: skip
        assert late.status_code == 422 and "can no longer change" in late.text
        r = await client.post(f"/training/signups/{signup}/events/attend", json={}, headers=admin)
        assert r.status_code == 200 and r.json()["state"] == "attended", r.text
        a = (await client.get(f"/assisters/{crowd[0]['id']}", headers=admin)).json()
    assert a["state"] == "trained"
    (record,) = await TrainingRecord.select().where(TrainingRecord.assister == crowd[0]["id"])
    assert (record["training_year"], record["language"], str(record["completed_on"])) == (
        2027, "es", "2026-10-06"
    )  # fmt: skip
    history = (await client.get(f"/assisters/{crowd[0]['id']}/history", headers=admin)).json()
    assert history[-1]["reason"] == f"attended training session {session['id']}"


async def test_publishing_refuses_what_cannot_be_held(client, admin):
    with at(2026, 9, 1):
        r = await client.post("/training/sessions", json={**SESSION, "place": None},
                              headers=admin)  # fmt: skip
        assert r.status_code == 422 and "give the address" in r.json()["detail"]
        r = await client.post("/training/sessions", headers=admin,
                              json={**SESSION, "starts_at": "2026-08-01T10:00:00Z"})  # fmt: skip
        assert r.status_code == 422 and "before it starts" in r.json()["detail"]
        r = await client.post("/training/sessions", headers=admin,
                              json={**SESSION, "capacity": 0})  # fmt: skip
        assert r.status_code == 400 and "capacity" in r.text
        online = await client.post("/training/sessions", headers=admin,
                                   json={**SESSION, "online": True, "place": None})  # fmt: skip
        assert online.status_code == 201 and online.json()["online"] is True
