"""Every action of a company trajectory, through its own form on the case page, per role.

Each form holds exactly the fields its payload cleaner accepts; a successful post redirects
back to the case page (post/redirect/get) with the data recorded and one audit row more.
"""

from __future__ import annotations

import pytest

from tests.web.case_support import (
    EMPLOYER_BONGERD,
    EMPLOYER_KORENAAR,
    JOB,
    WSP_GELDERLAND,
    WSP_NIJMEGEN,
    candidate_id,
    case_of,
    case_pages,
    case_row,
    post_action,
    text,
    user_id,
)
from workflows.domain import invra

DEPARTMENTS = {"departments-0-name": "Aanleg", "departments-0-possibilities": "Grond egaliseren, tegels aanvoeren",
               "departments-1-name": "Onderhoud", "departments-1-possibilities": ""}


def _ok(resp, case_id: int) -> None:
    assert resp.status_code == 302, text(resp)[:2000]
    assert resp.headers["Location"].endswith(f"/zaken/{case_id}")


@pytest.mark.parametrize("email", [WSP_NIJMEGEN, JOB])
def test_wsp_and_job_record_the_advisory_meeting_and_start_the_analysis(app, client, auth, email):
    auth.login(email)
    case = case_of(app, "Hoveniersbedrijf Groen & Zo")
    _, _, audits, _ = case_row(app, case)
    resp = post_action(client, case, "record_advisory_meeting", {
        "date": "2026-11-20", "participants": ["job", "wsp", "opdrachtgever"], **DEPARTMENTS,
        "support": "voldoende", "notes": "Eigenaar wil het proberen.",
    })
    _ok(resp, case)
    state, _, after, data = case_row(app, case)
    assert after == audits + 1 and state == "adviesgesprek"
    assert data["advisory_meeting"] == {
        "date": "2026-11-20", "participants": ["job", "wsp", "opdrachtgever"], "support": "voldoende",
        "departments": [{"name": "Aanleg", "possibilities": "Grond egaliseren, tegels aanvoeren"},
                        {"name": "Onderhoud"}],
        "notes": "Eigenaar wil het proberen.",
    }
    page = case_pages(client, case)
    assert "Vastgelegd: Adviesgesprek vastleggen." in page
    assert "Grond egaliseren, tegels aanvoeren" in page and "Voldoende draagvlak" in page
    _ok(post_action(client, case, "start_company_analysis", reason="Draagvlak is er"), case)
    assert case_row(app, case)[0] == "bedrijfsanalyse"
    assert "— reden: Draagvlak is er" in case_pages(client, case)


def test_declining_the_analysis_stops_the_trajectory_with_the_reason(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    case = case_of(app, "Hoveniersbedrijf Groen & Zo")
    _ok(post_action(client, case, "record_advisory_meeting", {"date": "2026-11-20"}), case)
    _ok(post_action(client, case, "decline_company_analysis",
                    {"reason": "anders", "explanation": "Reorganisatie komend jaar"}), case)
    state, _, _, data = case_row(app, case)
    assert state == "gestopt" and data["stopped"]["reason"] == "anders"
    page = case_pages(client, case)
    assert "reden: Anders; Reorganisatie komend jaar" in page


def test_wsp_records_the_company_analysis_and_finishes_it(app, client, auth):
    auth.login(WSP_NIJMEGEN)
    case = case_of(app, "Zorgcentrum De Linde")
    _ok(post_action(client, case, "record_company_analysis", {
        "departments-0-name": "Linnenkamer", "departments-0-processes": "Wassen, vouwen, sorteren",
        "tasks-0-title": "Linnengoed vouwen", "tasks-0-department": "Linnenkamer",
        "tasks-1-title": "Post rondbrengen", "tasks-1-description": "Twee rondes per dag",
        "notes": "",
    }), case)
    data = case_row(app, case)[3]
    assert data["analysis"]["tasks"] == [
        {"nr": 1, "title": "Linnengoed vouwen", "department": "Linnenkamer"},
        {"nr": 2, "title": "Post rondbrengen", "description": "Twee rondes per dag"},
    ]
    _ok(post_action(client, case, "finish_company_analysis"), case)
    assert case_row(app, case)[0] == "eindgesprek"


@pytest.mark.parametrize("email", [WSP_GELDERLAND, JOB])
def test_closing_meeting_vacancy_and_full_workplace_profile_open_recruitment(app, client, auth, email):
    auth.login(email)
    case = case_of(app, "Logistiek Centrum Arnhem")
    _ok(post_action(client, case, "record_closing_meeting",
                    {"date": "2026-11-20", "chosen_tasks": ["1", "3"], "notes": "Start in januari"}), case)
    _ok(post_action(client, case, "record_vacancy", {
        "title": "Medewerker retouren", "hours_per_week": "28,5", "location": "Arnhem",
        "tasks": ["Retouren uitpakken en sorteren", "Karton en folie scheiden"], "description": "",
    }), case)
    levels = {f"c{code}": "2" for code in invra.CODES[19:]}
    _ok(post_action(client, case, "record_workplace_profile", levels), case)
    data = case_row(app, case)[3]
    assert data["closing_meeting"]["chosen_tasks"] == [1, 3]
    assert data["vacancy"] == {"title": "Medewerker retouren", "hours_per_week": 28.5, "location": "Arnhem",
                               "tasks": ["Retouren uitpakken en sorteren", "Karton en folie scheiden"]}
    assert len(data["workplace_profile"]) == 38
    _ok(post_action(client, case, "open_recruitment"), case)
    assert case_row(app, case)[0] == "werving"


def test_the_workplace_profile_form_is_grouped_by_invra_category(app, client, auth):
    auth.login(JOB)
    page = case_pages(client, case_of(app, 'Logistiek Centrum Arnhem'))
    for legend in ("Arbeidsprestaties", "Motorische competenties", "Arbeidshouding"):
        assert f"<legend>{legend}</legend>" in page
    assert page.count('<select id="record_workplace_profile-c') == 38
    # what was recorded before is pre-selected
    assert '<option selected value="2">Niveau 2</option>' in page


def test_job_proposes_a_candidate_and_the_employer_names_a_harrie(app, client, auth):
    case = case_of(app, "Tuincentrum De Bongerd")
    daan = candidate_id(app, "Daan")
    auth.login(JOB)
    page = case_pages(client, case)
    assert f'<option value="{daan}">Daan Verhoeven</option>' in page
    _ok(post_action(client, case, "propose_candidate", {"candidate_id": str(daan)}), case)
    assert [c["candidate_id"] for c in case_row(app, case)[3]["candidates"]][-1] == daan
    auth.login(EMPLOYER_BONGERD)
    bert = user_id(app, "bert@debongerd.example")
    page = case_pages(client, case)
    assert f'<option selected value="{bert}">Bert Hoekstra</option>' in page
    assert 'id="actie-propose_candidate"' not in page  # not the employer's action
    _ok(post_action(client, case, "name_harrie", {"harrie_user_id": str(bert)}), case)
    assert "kandidaat Daan Verhoeven" in case_pages(client, case)


def test_sollicitatie_from_interview_to_hire_rejection_and_trajectplan(app, client, auth):
    case = case_of(app, "Tuincentrum De Bongerd")
    sophie, mohamed, lotte = (candidate_id(app, n) for n in ("Sophie", "Mohamed", "Lotte"))
    auth.login(WSP_GELDERLAND)
    _ok(post_action(client, case, "start_interviews"), case)
    auth.login(EMPLOYER_BONGERD)
    _ok(post_action(client, case, "record_interview",
                    {"candidate_id": str(sophie), "date": "2026-11-20", "harrie_present": "y"}), case)
    _ok(post_action(client, case, "hire_candidate", {"candidate_id": str(sophie), "start_date": "2026-12-01",
                                                     "contract_hours": "20", "fulltime": "nee"}), case)
    auth.login(JOB)
    _ok(post_action(client, case, "reject_candidate", {"candidate_id": str(mohamed), "reason": "kandidaat_ziet_af"}),
        case)
    _ok(post_action(client, case, "reject_candidate", {"candidate_id": str(lotte), "reason": "past_niet_bij_taken"}),
        case)
    _ok(post_action(client, case, "start_trajectplan"), case)
    state, _, _, data = case_row(app, case)
    assert state == "trajectplan"
    hired = next(c for c in data["candidates"] if c["candidate_id"] == sophie)
    assert hired["hire"] == {"start_date": "2026-12-01", "contract_hours": 20, "fulltime": False}
    assert hired["interview"] == {"date": "2026-11-20", "harrie_present": True}
    page = case_pages(client, case)
    assert "Start di 1 dec 2026, 20 uur per week (deeltijd)" in page
    assert "Kandidaat ziet ervan af" in page
    assert ">Trajectplan</a>" in page  # link to the hired candidate's plan


def test_no_fitting_candidate_goes_back_to_recruitment(app, client, auth):
    case = case_of(app, "Tuincentrum De Bongerd")
    auth.login(WSP_GELDERLAND)
    _ok(post_action(client, case, "start_interviews"), case)
    _ok(post_action(client, case, "back_to_recruitment", reason="Geen match"), case)
    assert case_row(app, case)[0] == "werving"


def test_job_stops_and_reopens_a_trajectory_with_a_reason(app, client, auth):
    case = case_of(app, "Zorgcentrum De Linde")
    auth.login(JOB)
    _ok(post_action(client, case, "stop", {"reason": "bedrijf_trekt_zich_terug", "explanation": ""}), case)
    assert case_row(app, case)[0] == "gestopt"
    page = case_pages(client, case)
    assert "Bedrijf trekt zich terug" in page and "Reden (verplicht)" in page
    before = case_row(app, case)
    resp = post_action(client, case, "reopen", reason="")
    assert resp.status_code == 422 and "Geef een reden op." in text(resp)
    assert case_row(app, case) == before
    _ok(post_action(client, case, "reopen", reason="Nieuwe directeur wil verder"), case)
    assert case_row(app, case)[0] == "bedrijfsanalyse"
    assert "reden: Nieuwe directeur wil verder" in case_pages(client, case)


def test_wsp_may_stop_but_not_reopen(app, client, auth):
    case = case_of(app, "Drukkerij Het Gulden Boek")
    auth.login(WSP_GELDERLAND)
    page = case_pages(client, case)
    assert 'id="actie-reopen"' not in page
    assert "Er zijn in deze fase geen acties voor uw rol." in page


def test_harrie_sees_the_trajectory_of_his_company_without_actions(app, client, auth):
    auth.login("harrie@korenaar.example")
    page = case_pages(client, case_of(app, 'Bakkerij De Korenaar'))
    assert "<h1>Bakkerij De Korenaar</h1>" in page
    assert "/acties/" not in page  # no phase action; notes and documents are for every party


def test_employer_sees_only_the_employer_actions(app, client, auth):
    auth.login(EMPLOYER_KORENAAR)
    page = case_pages(client, case_of(app, 'Bakkerij De Korenaar'))
    assert 'id="actie-close_trajectory"' not in page and 'id="actie-stop"' not in page
    assert "Er zijn in deze fase geen acties voor uw rol." in page


def test_the_diagram_can_be_downloaded_as_mermaid_text(app, client, auth):
    auth.login(EMPLOYER_KORENAAR)
    resp = client.get(f"/zaken/{case_of(app, 'Bakkerij De Korenaar')}/diagram.mmd")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    assert 'filename="company_trajectory.mmd"' in resp.headers["Content-Disposition"]
    assert "eindgesprek --> werving : Werving starten" in text(resp)
    assert client.get(f"/zaken/{case_of(app, 'Zorgcentrum De Linde')}/diagram.mmd").status_code == 404


def test_case_extras_give_any_workflow_its_diagram_and_audit_trail(app):
    """What `_diagram.html` and `_audit.html` need, here for a candidate plan (the plan page includes them)."""
    from sqlalchemy import select

    from engine.spec import Actor
    from engine.store.models import Case
    from tests.web.case_support import db
    from webui.cases import case_extras

    with db(app).read() as s:
        plan = s.scalar(select(Case.id).where(Case.workflow == "candidate_plan").order_by(Case.id))
    sanne = Actor(user_id(app, JOB), "job", None, "Sanne de Vries")
    with app.test_request_context():
        svc = app.extensions["jobtraject"]
        extras = case_extras(sanne, svc.get_case(sanne, plan))
    assert 'data-state="voorbereiding"' in str(extras["diagram"])
    assert [(a.who, a.role, a.action) for a in extras["audit"]][-1] == (
        "Marieke Jansen", "Opdrachtgever", "startte de zaak in fase Voorbereiding")
    assert extras["progress"][0] == ("Voorbereiding", "current")
