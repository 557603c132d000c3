"""End to end in Debian's chromium: a company from adviesgesprek to a hired candidate.

WSP and JoB record each phase through the case page's forms, the employer names a Harrie,
records the interview and hires; after the timer sweep the worker runs, Harrie finds the
candidate's tasks in his inbox. An employer of another company gets the Dutch 404 page.
Screenshots (desktop 1280 px and phone 390 px) go to tests/e2e/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine.identity.passwords import hash_password
from engine.jobs.timers import TimerSweep
from engine.store.models import Case, Organisation, User
from tests.e2e.conftest import PHONE, login, screenshot
from tests.helpers import T0
from workflows.demo import DEMO_PASSWORD
from workflows.domain import invra
from workflows.domain.roles import HARRIE

pytestmark = pytest.mark.e2e

COMPANY = "Hoveniersbedrijf Groen & Zo"
HARRIE_EMAIL = "henk@groenenzo.example"


@pytest.fixture(scope="module")
def groen_harrie(live_server) -> int:
    """Groen & Zo gets a Harrie account (the demo data has none there yet)."""
    with live_server.services.db.write() as s:
        org = s.scalar(select(Organisation.id).where(Organisation.name == COMPANY))
        user = User(email=HARRIE_EMAIL, name="Henk Groen", role=HARRIE, organisation_id=org, active=True,
                    password_hash=hash_password(DEMO_PASSWORD), is_coordinator=False, notify="digest",
                    session_epoch=0, created_at=T0)
        s.add(user)
        s.flush()
        return user.id


def _panel(page: Page, trigger: str):
    panel = page.locator(f"#actie-{trigger}")
    if panel.evaluate("el => el.tagName") == "DETAILS" and panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def _saved(page: Page, text: str = "Vastgelegd") -> None:
    expect(page.locator(".flash")).to_contain_text(text)


def _phase(page: Page, label: str) -> None:
    expect(page.locator(".status-line strong")).to_have_text(label)


def test_company_from_advisory_meeting_to_hired_candidate(live_server, new_page, groen_harrie):
    # -- WSP: adviesgesprek and bedrijfsanalyse ------------------------------------------------
    wsp = new_page()
    login(wsp, "lisa@wsp-nijmegen.example")
    wsp.get_by_role("link", name="Bedrijven").click()
    wsp.get_by_role("link", name=COMPANY).click()
    wsp.get_by_role("link", name=re.compile(r"Bedrijfstraject #\d+")).click()
    expect(wsp.get_by_role("heading", level=1)).to_have_text(COMPANY)
    case_url = wsp.url
    _phase(wsp, "Adviesgesprek")
    expect(wsp.locator("#why-start_company_analysis")).to_have_text("Het adviesgesprek heeft nog niet plaatsgevonden")

    p = _panel(wsp, "record_advisory_meeting")
    p.get_by_label("Datum adviesgesprek (gepland of gehouden)").fill("2026-11-20")
    for party in ("JoB", "WSP", "Opdrachtgever"):
        p.get_by_label(party, exact=True).check()
    p.get_by_label("Afdeling regel 1").fill("Aanleg")
    p.get_by_label("Mogelijkheden regel 1").fill("Grond egaliseren, tegels aanvoeren")
    p.get_by_label("Draagvlak in het bedrijf").select_option(label="Groot draagvlak")
    p.get_by_role("button", name="Opslaan").click()
    _saved(wsp)
    wsp.get_by_role("button", name="Besluit: wel een bedrijfsanalyse").click()
    _phase(wsp, "Bedrijfsanalyse")

    p = _panel(wsp, "record_company_analysis")
    p.get_by_label("Afdeling regel 1").first.fill("Aanleg")
    p.get_by_label("Werkprocessen en functies regel 1").fill("Grondwerk, bestraten, beplanten")
    p.get_by_label("Taak regel 1").fill("Tegels aanvoeren met de kruiwagen")
    p.get_by_label("Taak regel 2").fill("Grond egaliseren")
    p.get_by_role("button", name="Opslaan").click()
    _saved(wsp)
    wsp.get_by_role("button", name="Bedrijfsanalyse afronden").click()
    _phase(wsp, "Eindgesprek")

    p = _panel(wsp, "record_closing_meeting")
    p.get_by_label("Datum eindgesprek").fill("2026-11-23")
    p.get_by_label("1. Tegels aanvoeren met de kruiwagen").check()
    p.get_by_label("2. Grond egaliseren").check()
    p.get_by_role("button", name="Opslaan").click()
    _saved(wsp)

    # -- JoB: vacature, werkplekprofiel, werving --------------------------------------------------
    job = new_page()
    login(job, "sanne@job.example")
    job.goto(case_url)
    expect(job.locator("#why-open_recruitment")).to_have_text(
        "Leg eerst de vacature vast: functie, uren per week, standplaats en taken")
    p = _panel(job, "record_vacancy")
    p.get_by_label("Functie").fill("Medewerker aanleg")
    p.get_by_label("Uren per week").fill("24")
    p.get_by_label("Standplaats").fill("Nijmegen")
    # the vacancy's tasks are the analysis's, those chosen at the eindgesprek already ticked
    expect(p.get_by_label("Tegels aanvoeren met de kruiwagen")).to_be_checked()
    expect(p.get_by_label("Grond egaliseren")).to_be_checked()
    p.get_by_role("button", name="Opslaan").click()
    _saved(job)
    p = _panel(job, "record_workplace_profile")
    screenshot(job, "case-forms-open-desktop")
    selects = p.locator("select")
    expect(selects).to_have_count(38)
    for i, code in enumerate(invra.CODES):
        selects.nth(i).select_option(str(1 + int(code) % 3))
    p.get_by_role("button", name="Opslaan").click()
    _saved(job)
    expect(job.locator(".record-lines")).to_contain_text("werkplekprofiel 38 van 38")
    job.get_by_role("button", name="Werving starten").click()
    _phase(job, "Werving")
    p = _panel(job, "propose_candidate")
    p.get_by_label("Kandidaat").select_option(label="Kevin Smits")
    p.get_by_role("button", name="Voorstellen").click()
    _saved(job)
    job.get_by_role("button", name="Sollicitatie starten").click()
    _phase(job, "Sollicitatie")

    # -- the employer: Harrie, interview, hire ---------------------------------------------------
    boss = new_page()
    login(boss, "peter@groenenzo.example")
    boss.goto(case_url)
    expect(boss.locator("#why-hire_candidate")).to_contain_text("Wijs eerst een Harrie (dagelijks begeleider) aan")
    p = _panel(boss, "name_harrie")
    p.get_by_label("Harrie (dagelijks begeleider)").select_option(label="Henk Groen")
    p.get_by_role("button", name="Opslaan").click()
    _saved(boss)
    p = _panel(boss, "record_interview")
    p.get_by_label("Kandidaat").select_option(label="Kevin Smits")
    p.get_by_label("Datum sollicitatiegesprek").fill("2026-11-23")
    p.get_by_label("Harrie was bij het gesprek").check()
    p.get_by_role("button", name="Opslaan").click()
    _saved(boss)
    # a mistake first: no contract hours -> the form comes back with the message, nothing saved
    p = _panel(boss, "hire_candidate")
    p.get_by_label("Kandidaat").select_option(label="Kevin Smits")
    p.get_by_label("Startdatum").fill("2026-11-02")
    p.get_by_label("Nee").check()
    p.get_by_role("button", name="Aannemen en trajectplan starten").click()
    expect(boss.locator("#hire_candidate-contract_hours-error")).to_have_text("Dit veld is verplicht.")
    screenshot(boss, "case-form-error-desktop")
    assert "/acties/hire_candidate" in boss.url  # the refused form is shown again on the action's own page
    expect(boss.get_by_label("Startdatum")).to_have_value("2026-11-02")
    boss.get_by_label("Contracturen per week").fill("24")
    boss.get_by_role("button", name="Kandidaat aannemen (start trajectplan)").click()
    _saved(boss)
    boss.get_by_role("link", name="Vastgelegde gegevens").click()  # the overview's records page
    expect(boss.locator("table.candidates")).to_contain_text("Aangenomen")
    boss.get_by_role("link", name="Notities, documenten en geschiedenis").click()
    expect(boss.locator(".audit")).to_contain_text("Peter van den Berg (Opdrachtgever) legde vast: Kandidaat aannemen")

    # -- JoB closes the sollicitatie; the worker's timer sweep opens the plan's first tasks -------
    job.goto(case_url)
    job.get_by_role("button", name="Naar trajectplan").click()
    _phase(job, "Trajectplan")
    TimerSweep(live_server.services.db, live_server.services.registry, live_server.services.clock).sweep()
    screenshot(job, "company-case-desktop")
    with live_server.services.db.read() as s:
        plan_id = s.scalar(select(Case.id).where(Case.workflow == "candidate_plan",
                                                 Case.parent_id == int(case_url.rsplit("/", 1)[1])))
    assert plan_id is not None
    job.locator(".record-lines").get_by_role("link", name="trajectplan Kevin Smits").click()
    assert job.url.endswith(f"/plannen/{plan_id}")  # a plan's case link leads to its plan page
    expect(job.get_by_role("heading", level=1)).to_contain_text("Trajectplan Kevin Smits")
    expect(job.locator("#plan-tijdlijn")).to_be_visible()
    expect(job.locator("svg .spoke")).to_have_count(38)
    screenshot(job, "plan-desktop")
    job.goto("/")
    expect(job.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    screenshot(job, "inbox-coach-desktop")

    # -- Harrie finds the candidate's task in his inbox ----------------------------------------
    harrie = new_page()
    login(harrie, HARRIE_EMAIL)
    harrie.goto("/")
    expect(harrie.locator("main")).to_contain_text("Evaluatie week 4 bijwonen: voortgang en introductie INVRA")
    screenshot(harrie, "inbox-harrie-desktop")

    # -- phone width: the same pages at 390 px ---------------------------------------------------
    phone = new_page(PHONE)
    login(phone, "sanne@job.example")
    for path, name in ((case_url, "company-case-phone"), (f"/zaken/{plan_id}", "plan-phone")):
        phone.goto(path)
        screenshot(phone, name)
    harrie_phone = new_page(PHONE)
    login(harrie_phone, HARRIE_EMAIL)
    harrie_phone.goto("/")
    screenshot(harrie_phone, "inbox-harrie-phone")

    # -- an employer of another company gets the Dutch 404 page ---------------------------------
    other = new_page()
    login(other, "marieke@korenaar.example")
    response = other.goto(case_url)
    assert response is not None and response.status == 404
    expect(other.get_by_role("heading", level=1)).to_have_text("Niet gevonden")
    expect(other.locator("main")).to_contain_text("Deze pagina bestaat niet of u heeft er geen toegang toe.")
    expect(other.locator("main")).not_to_contain_text(COMPANY)


def test_company_list_and_company_page_screenshots(live_server, new_page):
    for viewport, suffix in ((None, "desktop"), (PHONE, "phone")):
        page = new_page(viewport)
        login(page, "sanne@job.example")
        page.goto("/bedrijven")
        expect(page.get_by_role("heading", level=1)).to_have_text("Bedrijven")
        page.get_by_role("link", name="Bakkerij De Korenaar").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Bakkerij De Korenaar")
        screenshot(page, f"company-page-{suffix}")
