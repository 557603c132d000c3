"""End to end in Debian's chromium: a coach adds a note and a document to a case, then finds the
case again through the search box in the header; sorts a list by a column header and keeps that
as a saved filter to come back to."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import casework_files as files
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_a_coach_adds_a_note_and_a_document_and_finds_the_case_through_the_search_box(new_page, tmp_path):
    page = new_page()
    login(page, "ahmed@job.example")
    page.goto("/zaken/5")
    page.locator("#dossier").get_by_role("link", name="Notitie toevoegen").click()  # the case's dossier page
    expect(page).to_have_url(re.compile(r"/zaken/5/notities#notitie-toevoegen$"))
    page.locator("#notitie-toevoegen summary").click()
    page.get_by_label("Notitie", exact=True).fill("Fatima stuurt de functieomschrijving vrijdag.")
    page.get_by_role("button", name="Notitie opslaan").click()
    expect(page.locator(".flash")).to_contain_text("De notitie is opgeslagen.")
    expect(page.locator("#notities")).to_contain_text("Fatima stuurt de functieomschrijving vrijdag.")

    upload = tmp_path / "functieomschrijving.pdf"
    upload.write_bytes(files.PDF)
    page.locator("#document-toevoegen summary").click()
    page.get_by_label("Bestand").set_input_files(str(upload))
    page.get_by_role("button", name="Uploaden").click()
    expect(page.locator(".flash")).to_contain_text("Het document is opgeslagen (versie 1).")
    expect(page.locator("#documenten")).to_contain_text("functieomschrijving.pdf")
    expect(page.locator(".audit-trail")).to_contain_text("voegde")

    page.goto("/")
    page.get_by_role("searchbox", name=re.compile("Zoeken op zaaknummer")).fill("Logistiek")
    page.get_by_role("search").get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name=re.compile(r"#5$")).click()
    expect(page).to_have_url(re.compile(r"/zaken/5$"))
    expect(page.locator("#dossier")).to_contain_text("1 notitie, 1 document")
    page.locator("#dossier").get_by_role("link", name="Notities, documenten en geschiedenis").click()
    expect(page.locator("#notities")).to_contain_text("Fatima stuurt de functieomschrijving vrijdag.")
    screenshot(page, "casework-note-and-document")


def test_a_coach_sorts_the_companies_by_region_saves_it_and_comes_back_to_it(new_page):
    page = new_page()
    login(page, "ahmed@job.example")
    page.goto("/bedrijven")
    page.get_by_role("link", name=re.compile(r"^WSP-regio")).click()
    expect(page).to_have_url(re.compile(r"sorteer=regio"))
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("WSP-regio")
    page.locator("#opgeslagen-filters summary").click()
    page.get_by_role("button", name="Bewaren").click()  # without a name: refused, the list stays
    expect(page.locator("#opgeslagen-filters .form-error")).to_contain_text("Geef het filter een naam.")
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("WSP-regio")
    page.get_by_label("De huidige filters en sortering bewaren als").fill("Per regio")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.locator(".flash")).to_contain_text("Het filter 'Per regio' is bewaard bij Bedrijven.")

    page.goto("/bedrijven")
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Bedrijf")
    page.locator("#opgeslagen-filters summary").click()
    page.get_by_role("link", name="Per regio").click()
    expect(page).to_have_url(re.compile(r"/bedrijven\?sorteer=regio"))
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("WSP-regio")
    page.locator("#opgeslagen-filters summary").click()
    page.get_by_role("button", name=re.compile(r"^Verwijderen.*Per regio")).click()
    expect(page.locator(".flash")).to_contain_text("Het filter 'Per regio' is verwijderd.")
    screenshot(page, "lists-saved-filter")
