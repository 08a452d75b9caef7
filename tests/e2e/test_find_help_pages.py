"""The find-help page over HTTP: English and Spanish, the display rules on the page, a
clear sentence for a ZIP code that does not exist, a signed-in consumer asking an
assister found there, and Help On Demand from the page."""

import re
from dataclasses import replace

from tests.e2e.test_find_help import directory
from workflow.accounts.service import NewUser, create_user
from workflow.core.settings import get_settings
from workflow.directory import pages
from workflow.tables import Association, Referral

PASSWORD = "correct horse battery staple"


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


async def test_the_page_in_english_and_spanish(web, admin):
    await directory(web, admin)
    r = await web.get("/find-help.html")
    assert r.status_code == 200 and "Find local help" in r.text and 'lang="en"' in r.text
    r = await web.get("/find-help.html", params={"zip": "55401", "lang": "es"})
    assert r.status_code == 200 and 'lang="es"' in r.text
    assert "Encuentre ayuda local" in r.text and "los más cercanos primero" in r.text
    assert "Ana Torres" in r.text and "1 Main St" in r.text
    assert "Ben Okafor" in r.text and "2 Oak Ave" not in r.text  # all but the street
    assert "Dan Hidden" not in r.text and "Eve Waiting" not in r.text
    assert "Inicie sesión" in r.text  # not signed in: no request buttons
    r = await web.get("/find-help.html", params={"zip": "55401"},
                      headers={"Accept-Language": "es-MX,es;q=0.9"})  # fmt: skip
    assert "Encuentre ayuda local" in r.text
    r = await web.get("/find-help.html", params={"zip": "00000"})
    assert r.status_code == 400 and "there is no ZIP code 00000" in r.text


async def test_a_signed_in_consumer_asks_from_the_page(web, admin):
    await directory(web, admin)
    await create_user(NewUser(username="maria", role="consumer", password=PASSWORD,
                              full_name="Maria Lopez"))  # fmt: skip
    login = await web.get("/consumer/login")
    await web.post("/consumer/login", data={"username": "maria", "password": PASSWORD,
                                             "csrf_token": csrf(login.text)})  # fmt: skip
    page = await web.get("/find-help.html", params={"zip": "55401"})
    assert "Ask Ana Torres to help me" in page.text
    action = re.search(r'action="(/consumer/find-help/\d+/request)"', page.text).group(1)
    r = await web.post(action, data={"csrf_token": "wrong"})
    assert r.status_code == 403
    r = await web.post(action, data={"csrf_token": csrf(page.text)})
    assert r.status_code == 303 and "/consumer/assister/requests/" in r.headers["location"]
    assert (await Association.select().first())["state"] == "requested"
    confirm = await web.get(r.headers["location"])
    assert confirm.status_code == 200 and "Ana Torres" in confirm.text


async def test_help_on_demand_from_the_page(web, admin):
    r = await web.post("/find-help/ask", data={"name": "Ana", "zip": "55401", "language": "es",
                                                "phone": "555-0100", "lang": "es"})  # fmt: skip
    assert r.status_code == 422 and "consent" in r.text and 'value="555-0100"' in r.text
    r = await web.post("/find-help/ask", data={"name": "Ana", "zip": "55401", "language": "es",
                                                "phone": "555-0100", "consent": "on",
                                                "lang": "es"})  # fmt: skip
    assert r.status_code == 200 and "nuestro personal tiene su pedido" in r.text  # no brokers
    assert (await Referral.select().first())["state"] == "unmatched"


async def test_help_on_demand_from_the_page_is_limited_per_address(web, admin, monkeypatch):
    """Over the limit the page says, in the reader's language, that the requests are kept
    and how long to wait; 429 with Retry-After, and nothing is created."""
    settings = replace(get_settings(), referral_rate_limit=1)
    monkeypatch.setattr(pages, "get_settings", lambda: settings)
    form = {"name": "Ana", "zip": "55401", "language": "es", "phone": "555-0100",
            "consent": "on", "lang": "es"}  # fmt: skip
    assert (await web.post("/find-help/ask", data=form)).status_code == 200
    r = await web.post("/find-help/ask", data=form)
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 301
    assert "Ha pedido ayuda varias veces" in r.text and "espere 5 min." in r.text
    assert 'value="555-0100"' in r.text  # the form keeps what they typed
    assert await Referral.count() == 1
