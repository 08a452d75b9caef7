"""The assister portal's training page: sign up, the waiting list, cancel; in English and
in Spanish (the portal's gettext catalogue), each change the same as the API's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers import new_assister
from tests.portal_helpers import activate, csrf, enrol_totp, registered_assister
from workflow.core.settings import get_settings
from workflow.tables import TrainingSignup


async def portal_assister(web, client, admin, name: str) -> dict:
    assister, number = await registered_assister(client, admin)
    r = await activate(web, assister, number, name)
    assert r.status_code == 303, r.text
    await enrol_totp(web, name)
    return assister


async def publish(client, admin, capacity: int = 1) -> dict:
    starts = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    year = get_settings().calendar.training_year(starts.date())
    body = {"course": "full", "training_year": year, "language": "es", "capacity": capacity,
            "starts_at": starts.isoformat(), "online": True}  # fmt: skip
    r = await client.post("/training/sessions", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


async def test_sign_up_wait_and_cancel_from_the_portal(web, client, admin):
    session = await publish(client, admin, capacity=1)
    other = await new_assister(client, admin, email="first@example.org")
    taken = await client.post(f"/training/sessions/{session['id']}/signups",
                              json={"assister_id": other["id"]}, headers=admin)  # fmt: skip
    assert taken.json()["state"] == "confirmed"
    me = await portal_assister(web, client, admin, "ana.torres")

    page = await web.get("/assister/training/")
    assert page.status_code == 200 and "0 of 1 seats free" in page.text
    assert "Join the waiting list" in page.text
    r = await web.post(f"/assister/training/sessions/{session['id']}/signup",
                       data={"csrf_token": csrf(page.text)})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/assister/training/?done=waiting"
    page = await web.get(r.headers["location"])
    assert "you are on its waiting list" in page.text
    assert "You are number 1 on the waiting list." in page.text
    again = await web.post(f"/assister/training/sessions/{session['id']}/signup",
                           data={"csrf_token": csrf(page.text)})  # fmt: skip
    assert again.status_code == 409 and "already signed up" in again.text

    # The seat frees: the page shows it is theirs.
    first = await TrainingSignup.select().where(TrainingSignup.assister == other["id"]).first()
    await client.post(f"/training/signups/{first['id']}/events/cancel", json={}, headers=admin)
    page = await web.get("/assister/training/")
    assert "You have a seat." in page.text
    mine = await TrainingSignup.select().where(TrainingSignup.assister == me["id"]).first()
    forged = await web.post(f"/assister/training/signups/{mine['id']}/cancel",
                            data={"csrf_token": "forged"})  # fmt: skip
    assert forged.status_code == 403
    r = await web.post(f"/assister/training/signups/{mine['id']}/cancel",
                       data={"csrf_token": csrf(page.text)})  # fmt: skip
    assert r.headers["location"] == "/assister/training/?done=cancelled"
    page = await web.get(r.headers["location"])
    assert "Your sign-up is cancelled." in page.text and "Sign up" in page.text


async def test_the_page_in_spanish(web, client, admin):
    session = await publish(client, admin, capacity=2)
    await portal_assister(web, client, admin, "carla.ruiz")
    switched = await web.get("/portal/language/es", params={"next": "/assister/training/"})
    page = await web.get(switched.headers["location"])
    assert page.status_code == 200, page.text
    assert "Sesiones de capacitación" in page.text and "2 de 2 lugares libres" in page.text
    assert "impartido en español" in page.text and "en línea" in page.text
    r = await web.post(f"/assister/training/sessions/{session['id']}/signup",
                       data={"csrf_token": csrf(page.text)})  # fmt: skip
    page = await web.get(r.headers["location"])
    assert "Su lugar está confirmado." in page.text and "Tiene un lugar." in page.text


async def test_the_tracker_shows_optional_courses_in_both_languages(web, client, admin):
    me = await portal_assister(web, client, admin, "dana.park")
    for data in ({"course": "enrichment"}, {"course": "portal", "score": 72}):
        r = await client.post(f"/assisters/{me['id']}/events/record_optional_course",
                              json={"data": data}, headers=admin)  # fmt: skip
        assert r.status_code == 200, r.text
    home = await web.get("/assister/")
    assert "Optional courses" in home.text and "Enrichment" in home.text
    assert "Assister portal access" in home.text and "assessment passed (72%)" in home.text
    switched = await web.get("/portal/language/es", params={"next": "/assister/"})
    home = await web.get(switched.headers["location"])
    assert "Cursos opcionales" in home.text and "Acceso al portal de asistentes" in home.text
    assert "evaluación aprobada (72%)" in home.text
