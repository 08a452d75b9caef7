"""Find local help in a real browser: a consumer, in Spanish, finds a Spanish-speaking
navigator near a ZIP code, asks them to help and confirms the authorization; then asks
for help on demand. Screenshots in test-artifacts/."""

from tests.helpers import active_assister
from workflow.accounts.service import NewUser, create_user
from workflow.tables import Association, Referral

PASSWORD = "correct horse battery staple"


def address(street, city, zip):
    return {"street": street, "city": city, "state": "MN", "zip": zip}


async def test_a_consumer_finds_a_spanish_speaking_navigator(
    client, admin, live_server, page, screenshot
):
    base = live_server.url
    ana = await active_assister(client, admin, "Ana Torres", phone="651-555-0100",
                                address=address("2 Oak Ave", "Saint Paul", "55101"),
                                directory_display="all_but_street")  # fmt: skip
    await active_assister(client, admin, "Ben Okafor", phone="612-555-0101",
                          address=address("1 Main St", "Minneapolis", "55401"))  # fmt: skip
    r = await client.put(f"/assisters/{ana['id']}/directory",
                         json={"languages": ["en", "es"]}, headers=admin)  # fmt: skip
    assert r.status_code == 200, r.text
    await create_user(NewUser(username="maria", role="consumer", password=PASSWORD,
                              full_name="María López"))  # fmt: skip

    await page.goto(base + "/find-help.html")
    await page.get_by_role("link", name="En español").click()
    await page.get_by_role("heading", name="Encuentre ayuda local").wait_for()
    await page.get_by_label("Código postal", exact=True).fill("55401")
    await page.get_by_label("Idioma que habla").select_option("es")
    await page.get_by_role("button", name="Buscar").click()
    results = page.locator("article")
    await results.first.wait_for()
    assert await results.count() == 1
    card = await results.first.inner_text()
    assert "Ana Torres" in card and "651-555-0100" in card and "2 Oak Ave" not in card
    assert "millas" in card and "español" in card
    await screenshot("1-results-es")

    # Signed in, the same search offers a button to ask Ana.
    await page.get_by_role("link", name="Inicie sesión").click()
    await page.get_by_label("Username").fill("maria")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(base + "/consumer/assister")
    await page.goto(base + "/find-help.html?lang=es&zip=55401&language=es")
    await page.get_by_role("button", name="Pedir a Ana Torres que me ayude").click()
    await page.get_by_role("heading", name="Select the assister helping you").wait_for()
    await screenshot("2-request-started")
    await page.get_by_role("link", name="Next").click()
    await page.get_by_role("button", name="Confirm").click()
    await page.get_by_role("status").wait_for()
    assert "Ana Torres" in await page.locator("#current-assister").inner_text()
    row = await Association.select().first()
    assert row["state"] == "confirmed" and row["assister"] == ana["id"]


async def test_ask_for_help_now(live_server, page, screenshot):
    await page.goto(live_server.url + "/find-help.html?lang=es")
    await page.get_by_label("Su nombre").fill("María López")
    await page.get_by_label("Su código postal").fill("55401")
    await page.get_by_label("Teléfono").fill("651-555-0199")
    await page.get_by_label("Acepto que se compartan").check()
    await screenshot("1-form-es")
    await page.get_by_role("button", name="Pedir ayuda").click()
    await page.get_by_role("status").wait_for()
    assert "nuestro personal tiene su pedido" in await page.get_by_role("status").inner_text()
    await screenshot("2-sent-es")
    row = await Referral.select().first()
    assert row["state"] == "unmatched" and row["language"] == "es"  # no brokers here
