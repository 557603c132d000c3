"""The header's search box finds vacancies as their own kind, only those the user may see."""

from __future__ import annotations

from tests.web.inbox_support import MARIEKE, SANNE, sign_in  # noqa: F401 - fixtures: a fast demo `app`


def test_vacancies_are_grouped_under_their_own_heading_with_company_and_place(app, client):
    sign_in(client, SANNE)
    html = client.get("/zoeken?q=kwekerij").get_data(as_text=True)
    assert '<h2 id="hits-vacancies">Vacatures</h2>' in html
    assert '<a href="/zaken/4/gegevens#vacature">Medewerker kwekerij</a> — Tuincentrum De Bongerd (Ede)' in html
    assert 'id="hits-cases"' not in html and 'id="hits-companies"' not in html


def test_an_employer_does_not_find_another_employers_vacancy(app, client):
    sign_in(client, MARIEKE)
    html = client.get("/zoeken?q=kwekerij").get_data(as_text=True)
    assert "Medewerker kwekerij" not in html and "Niets gevonden voor 'kwekerij'." in html
    own = client.get("/zoeken?q=expeditie").get_data(as_text=True)
    assert "Medewerker productie en expeditie</a> — Bakkerij De Korenaar (Nijmegen)" in own
