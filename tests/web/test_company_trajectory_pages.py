"""A demo company trajectory on its case page: phases, possible actions and why others are not."""

from __future__ import annotations

from sqlalchemy import select

from engine.store.models import Case, Organisation


def _case_of(app, company: str) -> int:
    with app.extensions["jobtraject"].db.read() as s:
        return s.scalar(select(Case.id).join(Organisation, Organisation.id == Case.organisation_id)
                        .where(Organisation.name == company, Case.parent_id.is_(None)))


def test_job_sees_the_phase_and_why_werving_cannot_start_yet(app, client, auth):
    auth.login("sanne@job.example")
    page = client.get(f"/zaken/{_case_of(app, 'Logistiek Centrum Arnhem')}").get_data(as_text=True)
    assert 'aria-current="step">Eindgesprek' in page
    assert "Vul het INVRA-werkplekprofiel volledig in: nog 19 van de 38 competenties zonder niveau" in page


def test_wsp_of_another_region_gets_not_found_for_a_company_trajectory(app, client, auth):
    auth.login("tom@wsp-gelderland.example")
    assert client.get(f"/zaken/{_case_of(app, 'Bakkerij De Korenaar')}").status_code == 404
    assert client.get(f"/zaken/{_case_of(app, 'Tuincentrum De Bongerd')}").status_code == 200
