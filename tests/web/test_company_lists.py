"""Bedrijven and kandidaten: who sees which employer, who may register and start a trajectory."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine.store.models import Case, Organisation
from tests.web.case_support import (  # noqa: F401 - fixtures
    EMPLOYER_KORENAAR,
    HARRIE_KORENAAR,
    JOB,
    WSP_GELDERLAND,
    WSP_NIJMEGEN,
    any_csrf,
    db,
    org_of,
    plain,
    text,
)
from workflows.storage.models import Candidate

NIJMEGEN = {"Bakkerij De Korenaar", "Hoveniersbedrijf Groen & Zo", "Zorgcentrum De Linde"}
GELDERLAND = {"Logistiek Centrum Arnhem", "Tuincentrum De Bongerd", "Drukkerij Het Gulden Boek"}


def _listed(page: str) -> set[str]:
    return set(re.findall(r'<a href="/bedrijven/\d+">([^<]+)</a>', page.replace("&amp;", "&")))


@pytest.mark.parametrize(("email", "visible"), [
    (JOB, NIJMEGEN | GELDERLAND),
    (WSP_NIJMEGEN, NIJMEGEN),
    (WSP_GELDERLAND, GELDERLAND),
    (EMPLOYER_KORENAAR, {"Bakkerij De Korenaar"}),
    (HARRIE_KORENAAR, {"Bakkerij De Korenaar"}),
])
def test_each_role_sees_the_companies_it_works_with(app, client, auth, email, visible):
    auth.login(email)
    page = text(client.get("/bedrijven"))
    assert _listed(page) == visible
    assert ("Bedrijf registreren" in page) == (email in (JOB, WSP_NIJMEGEN, WSP_GELDERLAND))


def test_company_list_shows_the_trajectory_phase(app, client, auth):
    auth.login(JOB)
    page = text(client.get("/bedrijven"))
    assert re.search(r"Drukkerij Het Gulden Boek</a>.*?Gestopt</span>", page, re.S)
    assert re.search(r"Logistiek Centrum Arnhem</a>.*?Eindgesprek</span>", page, re.S)


def test_company_page_lists_trajectories_and_for_job_the_candidates(app, client, auth):
    korenaar = org_of(app, "Bakkerij De Korenaar")
    auth.login(JOB)
    page = text(client.get(f"/bedrijven/{korenaar}"))
    assert "Bedrijfstraject #" in page and "Trajectplan</span>" in page
    assert "Daan Verhoeven" in page and "Niet aangenomen" in page
    assert "Bedrijfstraject starten" not in page  # one open trajectory per employer
    auth.login(EMPLOYER_KORENAAR)
    page = text(client.get(f"/bedrijven/{korenaar}"))
    assert "Bedrijfstraject #" in page and "Daan Verhoeven" not in page


@pytest.mark.parametrize("email", [WSP_GELDERLAND, EMPLOYER_KORENAAR])
def test_a_company_outside_ones_region_or_own_company_is_not_found(app, client, auth, email):
    auth.login(email)
    assert client.get(f"/bedrijven/{org_of(app, 'Zorgcentrum De Linde')}").status_code == 404


def _count(app, model) -> int:
    with db(app).read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_wsp_registers_a_company_in_its_own_region_and_starts_a_trajectory(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    page = text(client.get("/bedrijven/nieuw"))
    assert "WSP Rijk van Nijmegen" in page and "WSP Midden-Gelderland" not in page
    region = re.search(r'<option (?:selected )?value="(\d+)">WSP Rijk van Nijmegen', page).group(1)
    resp = client.post("/bedrijven/nieuw", data={
        "csrf_token": any_csrf(page), "name": "Fietsenmakerij De Spaak", "wsp_organisation_id": region,
        "kvk_number": "87654321", "employees": "12", "contact_name": "Ria Smit", "contact_email": "ria@spaak.example",
    })
    assert resp.status_code == 302
    company_url = resp.headers["Location"]
    page = text(client.get(company_url))
    assert "<h1>Fietsenmakerij De Spaak</h1>" in page and "87654321" in page
    resp = client.post(company_url + "/traject", data={"csrf_token": any_csrf(page)})
    assert resp.status_code == 302 and "/zaken/" in resp.headers["Location"]
    case_page = text(client.get(resp.headers["Location"]))
    assert "<h1>Fietsenmakerij De Spaak</h1>" in case_page and 'aria-current="step">Adviesgesprek' in case_page
    history = text(client.get(resp.headers["Location"] + "/notities"))
    assert "Lisa Bakker (WSP) startte de zaak in fase Adviesgesprek op ma 23 nov 2026 09:00" in plain(history)
    # a second start is refused: one open trajectory per employer
    with db(app).read() as s:
        before = s.scalar(select(func.count()).select_from(Case))
    resp = client.post(company_url + "/traject", data={"csrf_token": any_csrf(page)}, follow_redirects=True)
    assert "Voor deze werkgever loopt al een bedrijfstraject" in text(resp)
    with db(app).read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == before


def test_job_registers_a_company_and_chooses_the_region(app, client, auth):
    auth.login(JOB)
    page = text(client.get("/bedrijven/nieuw"))
    gelderland = re.search(r'<option value="(\d+)">WSP Midden-Gelderland', page).group(1)
    resp = client.post("/bedrijven/nieuw", data={"csrf_token": any_csrf(page), "name": "Kaasmakerij Ede",
                                                 "wsp_organisation_id": gelderland})
    assert resp.status_code == 302
    auth.login(WSP_GELDERLAND)
    assert "Kaasmakerij Ede" in _listed(text(client.get("/bedrijven")))


def test_invalid_company_is_shown_again_with_messages_and_nothing_saved(app, client, auth):
    auth.login(JOB)
    page = text(client.get("/bedrijven/nieuw"))
    before = _count(app, Organisation)
    resp = client.post("/bedrijven/nieuw", data={"csrf_token": any_csrf(page), "name": "Garage Peters",
                                                 "wsp_organisation_id": "", "kvk_number": "12345678",
                                                 "contact_email": "geen-adres"})
    assert resp.status_code == 422
    page = text(resp)
    assert 'value="Garage Peters"' in page and 'value="geen-adres"' in page
    assert 'id="contact_email-error">Vul een geldig e-mailadres in.' in page
    resp = client.post("/bedrijven/nieuw", data={"csrf_token": any_csrf(page), "name": "Garage Peters",
                                                 "wsp_organisation_id": ""})
    assert resp.status_code == 422
    assert 'id="wsp_organisation_id-error">Kies een bestaande WSP-regio.' in text(resp)
    assert _count(app, Organisation) == before


@pytest.mark.parametrize("email", [EMPLOYER_KORENAAR, HARRIE_KORENAAR])
def test_employers_cannot_register_companies_or_see_candidates(app, client, auth, email):
    auth.login(email)
    assert client.get("/bedrijven/nieuw").status_code == 404
    assert client.get("/kandidaten").status_code == 404
    page = text(client.get("/bedrijven"))
    assert ">Kandidaten</a>" not in page


def test_wsp_cannot_open_the_candidate_register(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    assert client.get("/kandidaten").status_code == 404


def test_job_lists_and_registers_candidates(app, client, auth):
    auth.login(JOB)
    page = text(client.get("/kandidaten"))
    assert "Noor Bosman" in page and "Wajong" in page
    before = _count(app, Candidate)
    resp = client.post("/kandidaten", data={
        "csrf_token": any_csrf(page), "first_name": "Iris", "last_name": "Veenstra", "date_of_birth": "2004-02-29",
        "target_group": "wajong", "in_doelgroepregister": "ja", "register_checked_on": "2026-11-20",
        "contract_hours": "24",
    })
    assert resp.status_code == 302
    assert "Iris Veenstra" in text(client.get("/kandidaten"))
    assert _count(app, Candidate) == before + 1


def test_invalid_candidate_keeps_the_input_and_saves_nothing(app, client, auth):
    auth.login(JOB)
    page = text(client.get("/kandidaten"))
    before = _count(app, Candidate)
    resp = client.post("/kandidaten", data={"csrf_token": any_csrf(page), "first_name": "Iris", "last_name": "",
                                            "in_doelgroepregister": "ja", "contract_hours": "80"})
    assert resp.status_code == 422
    page = text(resp)
    assert 'value="Iris"' in page and "Dit veld is verplicht." in page
    assert 'id="kandidaat-registreren" open' in page
    assert _count(app, Candidate) == before


def test_registration_without_csrf_token_is_rejected(app, client, auth):
    auth.login(JOB)
    before = _count(app, Candidate)
    assert client.post("/kandidaten", data={"first_name": "X", "last_name": "Y"}).status_code == 400
    assert client.post("/bedrijven/nieuw", data={"name": "X"}).status_code == 400
    assert client.post(f"/bedrijven/{org_of(app, 'Zorgcentrum De Linde')}/traject").status_code == 400
    assert _count(app, Candidate) == before
