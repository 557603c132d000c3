"""The printable PDFs (WeasyPrint), read back with poppler's `pdftotext`: the trajectplan for the
three-party signing (behind the plan page's rules), a month's hours statement with the page's and
the CSV's figures, and JoB's quarter summary per employer. Demo with running plans, fixed clock
(tests/web/test_plan_page.py). No pdftotext is a failure, never a skip (`make poppler`)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.identity import tokens
from engine.store.models import Case, Organisation, ReadAccess
from tests.plan_steps import PlanSteps
from tests.web import test_plan_page as plan_page
from tests.web.test_plan_page import BOSS, GARDEN_BOSS, HARRIE, JOB, OUTSIDERS, TODAY
from workflows.storage.plan_models import PlanEvaluation
from workflows.usecases.privacy import PrivacyServices

demo_file, app, client, web = plan_page.demo_file, plan_page.app, plan_page.client, plan_page.web
ADMIN = "beheer@job.example"


def pdf_text(response) -> str:
    """The PDF's text, whitespace folded (a line may wrap anywhere in the layout)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=response.data, capture_output=True,
                         check=True)
    return " ".join(out.stdout.decode("utf-8").split())


def num(text: str) -> Decimal:
    """'€ 1.234,50' or '12,5' as a number."""
    return Decimal(text.replace("€", "").replace(".", "").replace(",", ".").strip())


def reads(web) -> int:
    with web.db.read() as s:
        return s.scalar(select(func.count()).select_from(ReadAccess))


def bearer(web, email: str) -> dict[str, str]:
    clock = web.app.extensions["jobtraject"].clock
    return {"Authorization": f"Bearer {tokens.create_token(web.db, clock, web.actor(email).user_id, 't').secret}"}


# -- the trajectplan ----------------------------------------------------------------------------


def test_the_trajectplan_pdf_holds_appendix_4_and_who_signed_which_version_on_which_date(web, tmp_path):
    case_id = web.plan_of("Daan")
    steps = PlanSteps(web.app.extensions["jobtraject"])
    steps.sign(web.actor(BOSS), case_id, party="opdrachtgever", round=2)  # the employer signs version 2 today
    o = steps.plan_overview(web.actor(JOB), case_id)
    assert o.signoff.signed["opdrachtgever"] == TODAY
    web.login(JOB)
    assert "Afdrukken (PDF)" in web.page(case_id)
    text = pdf_text(web.client.get(f"/plannen/{case_id}/trajectplan.pdf"))

    assert f"Trajectplan {o.candidate_name} Bijlage 4 Trajectplan" in text
    for heading in ("1. Persoonlijke gegevens", "2. Begeleidingsbehoefte", "3. SMART-doelen",
                    "4. Planning van de begeleiding", "5. Uitvoering: begeleidingsuren", "6. Evaluaties",
                    "7. Ondertekening"):
        assert heading in text
    assert f"Werkgever {o.employer} Aanspreekpunt {o.contact_name}" in text
    assert " ".join(o.coaching_need.split()) in text
    for goal in o.goals:
        assert f"{' '.join(goal.specific.split())}" in text and goal.status_label in text
    for ev in o.evaluations:
        assert ev.label in text and " ".join(ev.discussed.split()) in text
    assert "Evaluatie actieplan 1 ma 30 nov 2026 Open" in text  # the planning with dates and status
    # every signature of every version, and the boxes of the version on offer
    assert "1 Trajectplan Werkgever 13 juli 2026 Marieke Jansen" in text
    assert "2 Actieplan Werkgever 23 november 2026 Marieke Jansen" in text
    assert "2 Actieplan Kandidaat 16 november 2026 Sanne de Vries" in text
    assert "Werkgever Bakkerij De Korenaar, Marieke Jansen Ondertekend op 23 november 2026" in text
    assert re.search(r"Pagina 1 van \d", text)
    assert not list(tmp_path.rglob("*.pdf"))  # made in memory, never stored


fresh_plan = plan_page.fresh_plan  # Kevin hired at the garden centre 40 days ago (tests/hire.py)


def test_a_new_plan_prints_as_a_concept_and_then_with_the_signatures_recorded_so_far(web, fresh_plan):
    web.login(JOB)
    text = pdf_text(web.client.get(f"/plannen/{fresh_plan}/trajectplan.pdf"))
    assert "concept, nog niet ter ondertekening aangeboden" in text
    assert "Nog geen doelen vastgelegd." in text and "Nog geen evaluaties gehouden." in text
    assert "Dit plan is nog niet ter ondertekening aangeboden." in text and text.count("Handtekening:") == 3

    svc = web.app.extensions["jobtraject"]
    steps, job = PlanSteps(svc), web.actor(JOB)
    steps.update_document(job, fresh_plan, function="Medewerker kwekerij", contact_user_id=web.actor(GARDEN_BOSS).user_id,
                          coaching_need="Vaste werkplek in de kas", onboarding_programme="Week 1-2 met Bert")
    steps.add_goal(job, fresh_plan, specific="Zelfstandig planten oppotten", measure="Twee weken zonder hulp",
                   target_date=TODAY + timedelta(days=30), owner="kandidaat")
    steps.offer_for_signature(job, fresh_plan)
    steps.sign(job, fresh_plan, party="kandidaat", round=1)
    text = pdf_text(web.client.get(f"/plannen/{fresh_plan}/trajectplan.pdf"))
    assert "Trajectplan, versie 1, ter ondertekening aangeboden op 23 november 2026" in text
    assert "Functie Medewerker kwekerij" in text and "Vaste werkplek in de kas" in text
    assert "Zelfstandig planten oppotten Twee weken zonder hulp Kandidaat" in text
    assert "1 Trajectplan Kandidaat 23 november 2026 Sanne de Vries" in text
    assert "Ondertekend op 23 november 2026" in text and text.count("Handtekening:") == 2  # employer, JoB


@pytest.mark.parametrize("email, sees", [(JOB, True), (BOSS, False), (HARRIE, False)])
def test_the_rate_the_uwv_money_and_the_interview_notes_are_in_jobs_pdf_only(web, email, sees):
    case_id = web.plan_of("Daan")
    with web.db.write() as s:  # an interview note, as the INVRA observation records it
        ev = s.query(PlanEvaluation).filter_by(plan_case_id=case_id).first()
        ev.interview_candidate, ev.interview_harrie = "Ik vind de vroege dienst zwaar", "Hij leert snel"
    web.login(email)
    for response in (web.client.get(f"/plannen/{case_id}/trajectplan.pdf"),
                     web.client.get(f"/api/v1/cases/{case_id}/trajectplan.pdf", headers=bearer(web, email))):
        text = pdf_text(response)
        assert "Daan Verhoeven" in text and "Maximum UWV" in text  # hours and caps are for everyone
        for secret in ("Uurtarief JoB", "€ 40,00", "Vergoed door UWV", "Gefactureerd",
                       "Ik vind de vroege dienst zwaar", "Hij leert snel"):
            assert (secret in text) == sees, secret


@pytest.mark.parametrize("email", OUTSIDERS)
def test_another_organisations_user_gets_404_and_no_read_is_logged(web, email):
    case_id = web.plan_of("Daan")
    before = reads(web)
    web.login(email)
    assert web.client.get(f"/plannen/{case_id}/trajectplan.pdf").status_code == 404
    api = web.client.get(f"/api/v1/cases/{case_id}/trajectplan.pdf", headers=bearer(web, email))
    assert api.status_code == 404 and api.mimetype == "application/json"
    assert reads(web) == before


def test_jobs_pdf_is_logged_as_a_read_of_the_candidate_like_the_page_and_as_a_download(web):
    case_id = web.plan_of("Daan")
    web.login(JOB)
    before = reads(web)
    pdf_text(web.client.get(f"/plannen/{case_id}/trajectplan.pdf"))
    with web.db.read() as s:
        rows = s.scalars(select(ReadAccess).order_by(ReadAccess.id.desc()).limit(2)).all()
    assert reads(web) == before + 2
    assert {(r.case_id, r.what) for r in rows} == {(case_id, "plan"), (case_id, "trajectplan-pdf")}
    log = web.client.get(f"/kandidaten/{rows[0].subject_id}/inzage").get_data(as_text=True)
    assert "trajectplan als PDF gedownload" in log


def test_an_erased_candidates_plan_pdf_is_gone(web):
    case_id = web.plan_of("Daan")
    svc = web.app.extensions["jobtraject"]
    candidate_id = PlanSteps(svc).plan_overview(web.actor(JOB), case_id).candidate_id
    PrivacyServices(svc).erase(web.actor(ADMIN), candidate_id, allow_running=True)
    web.login(JOB)
    before = reads(web)
    r = web.client.get(f"/plannen/{case_id}/trajectplan.pdf")
    assert r.status_code == 410 and "gewist" in r.get_data(as_text=True)
    assert web.client.get(f"/api/v1/cases/{case_id}/trajectplan.pdf", headers=bearer(web, JOB)).status_code == 404
    assert reads(web) == before


# -- the hours statement and the quarter summary -------------------------------------------------


def _page_months(web, case_id: int) -> dict[str, list[str]]:
    """The plan page's statement rows: month -> the cells (hours, billable, UWV hours, cost, UWV, employer)."""
    html = web.page(case_id)
    rows = re.findall(r'<tr id="periode-(\d{4}-\d{2})">(.*?)</tr>', html, re.S)
    return {m: re.findall(r"<td>(.*?)</td>", row)[:6] for m, row in rows}


def _csv_totals(web, url: str) -> dict[str, str]:
    r = web.client.get(url)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    return {row[0]: row[1] for row in rows if len(row) >= 2}


STATEMENT_TOTALS = ("Totaal uren", "Declarabel (na de proefplaatsing)", "Binnen UWV-maximum",
                    "Kosten (declarabel x uurtarief)", "Vergoed door UWV", "Voor de werkgever")


def test_the_statement_pdf_has_the_pages_and_the_csvs_totals_to_the_cent(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    months = _page_months(web, case_id)
    assert len(months) >= 4
    for month, cells in months.items():
        text = pdf_text(web.client.get(f"/plannen/{case_id}/uren/{month}.pdf"))
        totals = _csv_totals(web, f"/plannen/{case_id}/uren/{month}.csv")
        for label, cell in zip(STATEMENT_TOTALS, cells, strict=True):
            found = re.search(re.escape(label) + r" (€ )?([\d.]*\d(,\d+)?)", text)
            assert found, (month, label, text)
            assert num(found.group(2)) == num(totals[label]) == num(cell), (month, label)
        assert "Daan Verhoeven" in text and "Bakkerij De Korenaar" in text
    assert any(num(c[0]) > 0 and num(c[1]) == 0 for c in months.values())  # a proefplaatsing month: nothing charged
    assert any(num(c[3]) > 0 for c in months.values())

    web.login(BOSS)  # JoB's money is not for the employer's side, as for the CSV
    assert web.client.get(f"/plannen/{case_id}/uren/{next(iter(months))}.pdf").status_code == 404


def test_the_quarter_summary_is_the_sum_of_the_monthly_statements_in_csv_and_pdf_and_for_job_only(web):
    web.login(JOB)
    plans = [web.plan_of("Daan"), web.plan_of("Noor")]
    with web.db.write() as s:  # a name a spreadsheet would run as a formula
        org_id = s.get(Case, plans[0]).organisation_id
        s.get(Organisation, org_id).name = "=HYPERLINK(\"x\")"
    company = web.client.get(f"/bedrijven/{org_id}").get_data(as_text=True)
    assert f'href="/bedrijven/{org_id}/uren/2026-K4.pdf"' in company and "4e kwartaal 2026" in company
    quarter = ("2026-10", "2026-11", "2026-12")
    expected = [sum((num(c[i]) for p in plans for m, c in _page_months(web, p).items() if m in quarter), Decimal(0))
                for i in range(6)]
    assert expected[0] > 0

    r = web.client.get(f"/bedrijven/{org_id}/uren/2026-K4.csv")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert ["Werkgever", "'=HYPERLINK(\"x\")"] in rows  # neutralised
    total = next(row for row in rows if row and row[0] == "Totaal")
    header = next(row for row in rows if row and row[0] == "Kandidaat")
    assert len([row for row in rows[rows.index(header) + 1:] if row and row[0] not in ("Totaal",)]) == 2
    columns = [header.index(h) for h in ("Uren", "Declarabel", "Binnen UWV-maximum",
                                         "Kosten (declarabel x uurtarief)", "Vergoed door UWV", "Voor de werkgever")]
    assert [num(total[i]) for i in columns] == expected

    text = pdf_text(web.client.get(f"/bedrijven/{org_id}/uren/2026-K4.pdf"))
    assert "4e kwartaal 2026" in text and "Daan Verhoeven" in text and "Noor Bosman" in text
    found = re.search(r"Totaal ([\d.,]+) ([\d.,]+) ([\d.,]+) ([\d.,]+) € ([\d.,]+) € ([\d.,]+) € ([\d.,]+)", text)
    assert found, text
    pdf = [num(g) for g in found.groups()]
    assert [pdf[0], *pdf[2:]] == expected and pdf[1] == expected[0] - expected[1]  # proefplaatsing hours

    for email in (BOSS, HARRIE, GARDEN_BOSS):
        web.login(email)
        assert web.client.get(f"/bedrijven/{org_id}/uren/2026-K4.csv").status_code == 404
        assert web.client.get(f"/bedrijven/{org_id}/uren/2026-K4.pdf").status_code == 404
    web.login(BOSS)
    assert "/uren/2026-K4" not in web.client.get(f"/bedrijven/{org_id}").get_data(as_text=True)


# -- the same on PostgreSQL ---------------------------------------------------------------------


@pytest.fixture
def both_app(demo_plans_db_url):
    from engine.clock import FixedClock
    from tests.helpers import T0
    from webui import create_app

    app = create_app({"DATABASE_URL": demo_plans_db_url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))
    yield app
    app.extensions["jobtraject"].db.dispose()


def test_the_pdfs_on_both_databases_keep_the_rules_and_the_figures(both_app):
    w = plan_page.Web(both_app, both_app.test_client())
    case_id = w.plan_of("Daan")
    job = pdf_text(w.client.get(f"/api/v1/cases/{case_id}/trajectplan.pdf", headers=bearer(w, JOB)))
    boss = pdf_text(w.client.get(f"/api/v1/cases/{case_id}/trajectplan.pdf", headers=bearer(w, BOSS)))
    assert "Daan Verhoeven" in job and "Daan Verhoeven" in boss
    assert "Uurtarief JoB: € 40,00" in job and "€" not in boss
    before = reads(w)
    assert w.client.get(f"/api/v1/cases/{case_id}/trajectplan.pdf", headers=bearer(w, GARDEN_BOSS)).status_code == 404
    assert reads(w) == before

    w.login(JOB)
    month = sorted(_page_months(w, case_id))[-2]
    text = pdf_text(w.client.get(f"/plannen/{case_id}/uren/{month}.pdf"))
    totals = _csv_totals(w, f"/plannen/{case_id}/uren/{month}.csv")
    for label in STATEMENT_TOTALS:
        found = re.search(re.escape(label) + r" (€ )?([\d.]*\d(,\d+)?)", text)
        assert found and num(found.group(2)) == num(totals[label]), label
