"""The assister and agency portal in Debian's Chromium: an assister registered through
the API activates their account from the activation message, enrols an authenticator app
(codes computed from the secret on the page), signs out and in, follows the tracker's
next step, acknowledges a New client request, sees the details, exports the book of
business; then the sign-in and the tracker in Spanish. An agency admin onboards a
counselor of their organisation and is refused for another's. Screenshots of each page
go to test-artifacts/."""

from __future__ import annotations

import re
import time

import pyotp

from tests.browser.conftest import ARTIFACTS
from tests.helpers import associate, new_consumer, new_org
from tests.portal_helpers import PASSWORD, registered_assister
from workflow.accounts.service import NewUser, create_user
from workflow.tables import Assister, Association, RulesAcceptance


class Codes:
    """Codes from the authenticator app the test plays: each sign-in takes a time step
    not used before (the server refuses a code used once, and accepts one step either
    side of now)."""

    def __init__(self, secret: str):
        self.totp, self.used = pyotp.TOTP(secret), set()

    def next(self) -> str:
        now = int(time.time()) // 30
        step = next(now + d for d in (0, 1, -1) if now + d not in self.used)
        self.used.add(step)
        return self.totp.at(step * 30)


async def _sign_in(
    page,
    base: str,
    username: str,
    code: str,
    *,
    labels=("Username", "Password", "Sign in", "Code", "Continue"),
) -> None:
    user, password, sign_in, code_label, go = labels
    await page.get_by_label(user).fill(username)
    await page.get_by_label(password).fill(PASSWORD)
    await page.get_by_role("button", name=sign_in, exact=True).click()
    await page.wait_for_url(base + "/assister/login/code")
    await page.get_by_label(code_label).fill(code)
    await page.get_by_role("button", name=go).click()


async def _enrol_app(page) -> Codes:
    await page.get_by_role("link", name="Use an authenticator app").click()
    assert await page.locator(".qr svg").count() == 1  # drawn on the page, no image fetched
    codes = Codes((await page.locator("#secret").inner_text()).strip())
    assert await page.locator("#recovery-codes li").count() == 8
    return codes


async def test_an_assister_in_the_portal(client, admin, live_server, browser, page, screenshot):
    base = live_server.url
    assister, number = await registered_assister(client, admin, name="Ana Torres")
    consumer, consumer_id = await new_consumer("Maria Lopez", phone="503-555-0134")
    await page.goto(base + "/assister/activate")
    await screenshot("01-activate")
    await page.get_by_label("Registration Number").fill(number)
    await page.get_by_label("E-mail address").fill(assister["email"])
    await page.get_by_label("Choose a username").fill("ana.torres")
    await page.get_by_label("Choose a password").fill(PASSWORD)
    await page.get_by_label("The password again").fill(PASSWORD)
    await page.get_by_label("I have read the Rules of Behavior and I accept them.").check()
    await page.get_by_role("button", name="Activate my account").click()
    await page.wait_for_url(re.compile(r".*/assister/login\?done=activated"))
    assert "Your account is active" in await page.get_by_role("status").inner_text()
    await screenshot("02-activated-sign-in")
    assert (await RulesAcceptance.select().first())["version"] == "2026.1"

    await page.get_by_label("Username").fill("ana.torres")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.wait_for_url(base + "/assister/login/enrol")
    await screenshot("03-choose-second-step")
    totp = await _enrol_app(page)
    await screenshot("04-enrol-app")
    await page.get_by_label("Code").fill(totp.next())
    await page.get_by_role("button", name="Finish and sign in").click()
    await page.wait_for_url(base + "/assister/")
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(r".*/assister/login\?done=signed_out"))

    await _sign_in(page, base, "ana.torres", totp.next())
    await page.wait_for_url(base + "/assister/")
    next_step = await page.locator("#next-step").inner_text()
    assert "Add your phone number and business address" in next_step
    assert await page.locator("#tracker tbody tr").count() == 5  # a navigator's steps
    await screenshot("05-tracker")
    await page.locator("#next-step").get_by_role("link", name="Do it now").click()
    await page.wait_for_url(base + "/assister/profile")
    await screenshot("06-profile")

    await associate(
        client, consumer, (await client.get(f"/assisters/{assister['id']}", headers=admin)).json()
    )
    await page.get_by_role("link", name="Clients").click()
    row = page.locator("#clients tbody tr", has_text="Maria Lopez")
    assert "New" in await row.inner_text()
    await screenshot("07-clients")
    await row.get_by_role("link", name="Maria Lopez").click()
    await page.locator("#acknowledgement").wait_for()
    assert "503-555-0134" not in await page.content()  # nothing private before
    await screenshot("08-acknowledgement")
    await page.get_by_role("button", name="I acknowledge: show the details").click()
    await page.get_by_text("503-555-0134").wait_for()
    await screenshot("09-client-details")
    association = await Association.select().first()
    assert association["acknowledged_at"] is not None and association["client_status"] == (
        "in_progress"
    )
    await page.get_by_role("link", name="Back to clients").click()
    async with page.expect_download() as download:
        await page.locator("#export").click()
    csv = (await (await download.value).path()).read_text()
    assert "Maria Lopez" in csv and "In Progress" in csv

    for name in ("mailbox", "certificate"):
        await page.goto(f"{base}/assister/{name}")
        await screenshot(f"10-{name}")

    # Spanish: the browser asks for it before sign-in; the switch keeps it in the record.
    spanish = await browser.new_context(locale="es-ES")
    es = await spanish.new_page()
    await es.goto(base + "/assister/login")
    assert await es.get_by_role("heading", name="Entre al portal de asistentes").is_visible()
    await es.screenshot(path=str(ARTIFACTS / "portal-es-11-sign-in.png"), full_page=True)
    labels = ("Nombre de usuario", "Contraseña", "Entrar", "Código", "Continuar")
    await _sign_in(es, base, "ana.torres", totp.next(), labels=labels)
    await es.wait_for_url(base + "/assister/")
    # Signed in, the record's language (English, chosen at onboarding) wins; the switch
    # changes the record.
    assert "Your next step" in await es.locator("#next-step").inner_text()
    await es.get_by_role("link", name="Español").click()
    await es.get_by_text("Su próximo paso").wait_for()
    assert "Añada su número de teléfono" in await es.locator("#next-step").inner_text()
    assert "Perfil: datos de contacto" in await es.locator("#tracker").inner_text()
    assert es.url.rstrip("/") == base + "/assister"
    assert "Seguimiento del registro" in await es.content()
    await es.screenshot(path=str(ARTIFACTS / "portal-es-12-tracker.png"), full_page=True)
    await es.goto(base + "/consumer/login")  # the consumer pages speak Spanish too
    assert await es.get_by_role("heading", name="Entrar").is_visible()
    await es.screenshot(path=str(ARTIFACTS / "portal-es-13-consumer-sign-in.png"))
    await spanish.close()


async def test_an_agency_admin_onboards_their_own_staff(
    client, admin, live_server, page, screenshot
):
    base = live_server.url
    org, other = await new_org(client, admin), await new_org(client, admin)
    created = await create_user(
        NewUser(
            username="olga.admin",
            role="agency_admin",
            password=PASSWORD,
            organization_id=org,
            email="olga@example.org",
        )
    )
    await page.goto(base + "/assister/login")
    await page.get_by_label("Username").fill("olga.admin")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.wait_for_url(base + "/assister/login/enrol")
    totp = await _enrol_app(page)
    await page.get_by_label("Code").fill(totp.next())
    await page.get_by_role("button", name="Finish and sign in").click()
    await page.wait_for_url(base + "/agency/")
    await screenshot("01-roster-empty")
    await page.get_by_role("link", name="Onboard staff").click()
    await page.get_by_label("Role").select_option("cac")
    await page.get_by_label("Full name").fill("Carla Ruiz")
    await page.get_by_label("E-mail address").fill("carla@example.org")
    await screenshot("02-onboard")
    await page.get_by_role("button", name="Onboard", exact=True).click()
    await page.wait_for_url(re.compile(r".*/agency/\?done=onboarded"))
    assert "Carla Ruiz" in await page.locator("#roster").inner_text()
    await screenshot("03-roster")
    carla = await Assister.select().where(Assister.name == "Carla Ruiz").first()
    assert carla["organization"] == org and carla["kind"] == "cac"
    # Another organisation's counselor: refused (the API; the page has no such choice).
    r = await client.post(
        "/assisters",
        headers={"Authorization": f"Bearer {created.token}"},
        json={
            "kind": "cac",
            "name": "Dan Roe",
            "email": "dan@example.org",
            "organization_id": other,
        },
    )
    assert r.status_code == 403 and "own organisation" in r.json()["detail"]
    await page.get_by_role("link", name="Book of business").click()
    await screenshot("04-book-of-business")
