"""The candidate plan page and its forms, for each role, on the demo data at a fixed clock.

The demo (with its plans four months in) is loaded once into a template SQLite file; each
test works on its own copy.
Users are logged in by setting the session (the login form itself is tested elsewhere).
"""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.clock import FixedClock
from engine.jobs.timers import TimerSweep
from engine.spec import Actor
from engine.store.models import AuditEntry, Case, User
from tests.helpers import T0, snapshot
from tests.hire import hire_into_plan
from tests.plan_steps import PlanSteps as PlanServices
from tests.sessions import sign_in
from webui import create_app
from webui.plans.form_payloads import FORMS
from webui.plans.sections import SECTIONS, section_of
from workflows.domain import invra
from workflows.storage.models import Candidate
from workflows.storage.plan_models import (
    CoachingEntry,
    InvraObservation,
    PlanDocument,
    PlanEvaluation,
    PlanGoal,
    PlanSignoff,
)

JOB, BOSS, HARRIE, WSP = "sanne@job.example", "marieke@korenaar.example", "harrie@korenaar.example", \
    "lisa@wsp-nijmegen.example"
GARDEN_BOSS, GARDEN_HARRIE = "ingrid@debongerd.example", "bert@debongerd.example"
OUTSIDERS = [GARDEN_HARRIE, GARDEN_BOSS, "tom@wsp-gelderland.example"]
TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo_file(demo_databases):
    return demo_databases.sqlite_file(running_plans=True)


@pytest.fixture
def app(demo_file, tmp_path):
    path = tmp_path / "web.db"
    shutil.copy(demo_file, path)
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "test", "TESTING": True},
                     clock=FixedClock(T0))
    yield app
    app.extensions["jobtraject"].db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Web:
    def __init__(self, app, client):
        self.app, self.client = app, client
        self.db = app.extensions["jobtraject"].db

    def login(self, email: str) -> None:
        """A real server-side session without the password and code steps (tests/sessions.py)."""
        sign_in(self.client, email)

    def actor(self, email: str) -> Actor:
        with self.db.read() as s:
            u = s.scalars(select(User).where(User.email == email)).one()
            return Actor(u.id, u.role, u.organisation_id, u.name)

    def plan_of(self, first_name: str) -> int:
        with self.db.read() as s:
            cid = next(c.id for c in s.scalars(select(Candidate)) if c.first_name == first_name)  # sealed
            return next(c.id for c in s.scalars(select(Case).where(Case.workflow == "candidate_plan"))
                        if c.data["candidate_id"] == cid)

    def overview(self, case_id: int, expect: int = 200) -> str:
        response = self.client.get(f"/plannen/{case_id}")
        assert response.status_code == expect
        return response.get_data(as_text=True)

    def pages(self, case_id: int) -> dict[str, str]:
        """The overview and every page its section links lead to (the dossier too)."""
        out = {f"/plannen/{case_id}": self.overview(case_id)}
        nav = re.search(r'<nav class="plan-nav".*?</nav>', out[f"/plannen/{case_id}"], re.S).group(0)
        for path in re.findall(r'href="([^"#]+)"', nav):
            if path not in out:
                response = self.client.get(path)
                assert response.status_code == 200, path
                out[path] = response.get_data(as_text=True)
        return out

    def page(self, case_id: int, expect: int = 200) -> str:
        """Everything the plan shows: the overview and its section pages, one after the other."""
        if expect != 200:
            return self.overview(case_id, expect)
        return "\n".join(self.pages(case_id).values())

    def token(self) -> str:
        html = self.client.get("/meldingen").get_data(as_text=True)
        return re.search(r'csrf_token[^>]*value="([^"]+)"', html).group(1)

    def version(self, case_id: int) -> int:
        with self.db.read() as s:
            return s.get(Case, case_id).version

    def post(self, case_id: int, name: str, data: dict, *, csrf: bool = True, version: int | None = None):
        form = {f"{name}-{k}": v for k, v in data.items()}
        form[f"{name}-expected_version"] = str(self.version(case_id) if version is None else version)
        if csrf:
            form[f"{name}-csrf_token"] = self.token()
        return self.client.post(f"/plannen/{case_id}/{name}", data=form)

    def everything(self) -> dict:
        """Engine tables and the plan's own tables: 'nothing changed' means none of them did."""
        out = snapshot(self.db)
        with self.db.read() as s:
            for model in (PlanGoal, PlanEvaluation, InvraObservation, CoachingEntry, PlanSignoff, PlanDocument):
                out[model.__tablename__] = sorted(tuple(map(str, r)) for r in s.execute(select(model.__table__)))
        return out


@pytest.fixture
def web(app, client):
    return Web(app, client)


def act(web, case_id: int, action: str, data: dict, *, confirmed: bool = True):
    """An action on its own page (`/zaken/<id>/acties/<action>`), as confirmed on its confirmation page."""
    html = web.client.get(f"/zaken/{case_id}/acties/{action}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    form = {"csrf_token": token.group(1) if token else "", "expected_version": str(web.version(case_id)), **data}
    if confirmed:
        form["bevestigd"] = "1"
    return web.client.post(f"/zaken/{case_id}/acties/{action}", data=form)


def acted(response, case_id: int) -> None:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert f"/plannen/{case_id}" in response.headers["Location"]


def done(response, case_id: int, anchor: str) -> None:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]  # the section page that holds the form
    assert f"/plannen/{case_id}/" in location and location.endswith(f"#{anchor}"), location


# -- seeing the page -----------------------------------------------------------------------------


@pytest.mark.parametrize("email", [JOB, BOSS, HARRIE, WSP])
def test_everyone_of_the_plan_sees_header_timeline_radar_and_hours(web, email):
    web.login(email)
    html = web.page(web.plan_of("Daan"))
    assert "Trajectplan Daan Verhoeven" in html
    for fact in ("Medewerker productie en expeditie", "Bakkerij De Korenaar", "Harrie Willems",
                 "ma 20 jul 2026", ">lopend<", "Maand 3-12: vervolg"):
        assert fact in html
    overview = web.overview(web.plan_of("Daan"))
    assert overview.count('role="img"') == 2  # the year's timeline and the radar's thumbnail
    # The sections: timeline, radar, two gauges; the dossier: the workflow diagram.
    assert html.count('role="img"') - overview.count('role="img"') == 5
    assert 'id="plan-tijdlijn"' in html and "today-line" in html and "vandaag (ma 23 nov 2026)" in html
    assert "Evaluatie actieplan 1</span> — uiterlijk ma 30 nov 2026 — <strong class=\"ms-status\">Open" in html
    assert html.count('class="spoke"') == 2 * 38 and 'class="profile workplace"' in html
    assert 'class="profile person"' in html and 'class="profile earlier"' in html
    assert "Groei sinds ma 7 sep 2026" in html and "36 van 38" in html
    assert "<th scope=\"col\">Vereist</th><th scope=\"col\">Gemeten</th><th scope=\"col\">Verschil</th>" in html
    assert "66 van 124,8 uur" in html
    money = "€ 40,00" in html and "€ 720,00" in html  # JoB's rate and invoice: not for the employer's side
    assert money == (email not in (BOSS, HARRIE))
    assert "style=" not in html and "<script" not in html
    for one in web.pages(web.plan_of("Daan")).values():
        ids = re.findall(r'\sid="([^"]+)"', one)
        assert len(ids) == len(set(ids)), "every id on a page is unique (labels point to one field)"


@pytest.mark.parametrize("email, forms", [
    (JOB, {"doel", "doelstatus", "observatie", "uren", "evaluatie", "aanbieden", "document",
           "planning", "pauzeren", "instrument", "periode", "werkniveau", "opleiding"}),  # skipping and stopping
    # cannot be undone: their own pages confirm (closing a period is sent there too)
    (BOSS, {"tekenen", "instrument"}),  # the employer applies for its own instruments
    (HARRIE, set()),
    (WSP, set()),
])
def test_each_role_gets_the_forms_of_the_actions_it_may_take(web, email, forms):
    web.login(email)
    case_id = web.plan_of("Daan")
    html = web.page(case_id)
    shown = set(re.findall(rf'action="/plannen/{case_id}/([a-z]+)"', html))
    assert shown == forms
    if not forms:
        assert "Geen acties voor uw rol op dit plan." in html


def test_the_case_page_of_a_plan_leads_to_the_plan_page(web):
    web.login(HARRIE)
    case_id = web.plan_of("Daan")
    response = web.client.get(f"/zaken/{case_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plannen/{case_id}")


def test_a_paused_plan_says_so_and_offers_resuming(web):
    web.login(JOB)
    html = web.page(web.plan_of("Noor"))
    assert ">gepauzeerd<" in html and "gepauzeerd sinds" in html and "Plan hervatten" in html


@pytest.mark.parametrize("email", OUTSIDERS)
def test_another_companys_people_get_not_found_and_nothing_changes(web, email):
    web.login(email)
    case_id = web.plan_of("Daan")
    before = web.everything()
    web.page(case_id, expect=404)
    assert web.client.get(f"/zaken/{case_id}").status_code == 404
    for section in SECTIONS:  # every section page has the overview's access check
        assert web.client.get(f"/plannen/{case_id}/{section}").status_code == 404, section
    assert web.client.get(f"/zaken/{case_id}/notities").status_code == 404
    response = web.post(case_id, "uren", {"worked_on": "2026-11-23", "hours": "2", "activity": "werkvloer"})
    assert response.status_code == 404
    assert web.post(case_id, "tekenen", {"party": "opdrachtgever", "round": "2"}).status_code == 404
    assert web.everything() == before


def test_an_unknown_plan_or_a_company_trajectory_is_not_found_here(web):
    web.login(JOB)
    web.page(999999, expect=404)
    with web.db.read() as s:
        company = s.scalar(select(Case.id).where(Case.workflow == "company_trajectory"))
    web.page(company, expect=404)
    assert web.client.post(f"/plannen/{web.plan_of('Daan')}/onbekend", data={}).status_code in (400, 404)
    assert web.client.get(f"/plannen/{web.plan_of('Daan')}/onbekend").status_code == 404
    assert web.client.get(f"/plannen/{company}/doelen").status_code == 404


def test_a_refused_forms_address_reloads_as_its_section_page(web):
    """After a refused POST the URL is the form's (/plannen/<id>/doel); reloading it shows its section."""
    web.login(JOB)
    case_id = web.plan_of("Daan")
    refused = web.post(case_id, "doel", {"specific": "", "measure": "", "target_date": "", "owner": "kandidaat"})
    assert refused.status_code == 422 and 'id="doelen-kop"' in refused.get_data(as_text=True)
    reload = web.client.get(f"/plannen/{case_id}/doel")
    assert reload.status_code == 302 and reload.headers["Location"].endswith(f"/plannen/{case_id}/doelen")


# -- the forms work (post/redirect/get) ----------------------------------------------------------


def test_job_adds_a_smart_goal_and_updates_its_status(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    done(web.post(case_id, "doel", {"specific": "Zelf de pauzes bewaken", "measure": "Vier weken zonder herinnering",
                                    "target_date": "2027-02-01", "owner": "kandidaat", "competence": "25"}),
         case_id, "doelen")
    html = web.page(case_id)
    assert "Het SMART-doel is toegevoegd." in html and "Zelf de pauzes bewaken" in html
    with web.db.read() as s:
        goal = next(g for g in s.scalars(select(PlanGoal)) if g.specific == "Zelf de pauzes bewaken")
    assert (goal.competence, goal.status) == ("25", "open")
    done(web.post(case_id, "doelstatus", {"goal_id": str(goal.id), "status": "behaald"}), case_id, "doelen")
    with web.db.read() as s:
        assert s.get(PlanGoal, goal.id).status == "behaald"


def test_job_logs_hours_and_the_gauge_moves(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    done(web.post(case_id, "uren", {"worked_on": "2026-11-23", "hours": "2,5", "activity": "evaluatie",
                                    "note": "Voorbereiding evaluatie"}), case_id, "uren")
    html = web.page(case_id)
    assert "De uren zijn geschreven." in html and "68,5 van 124,8 uur" in html and "Voorbereiding evaluatie" in html


def test_job_records_the_due_evaluation_with_goal_statuses(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    html = web.page(case_id)
    goal_field = re.search(r'name="(evaluatie-goal_\d+)"', html).group(1)
    response = web.post(case_id, "evaluatie", {"milestone": "evaluatie_1", "held_on": "2026-11-23",
                                               "discussed": "Tempo is gegroeid", "next_steps": "Doorgaan",
                                               goal_field.split("-", 1)[1]: "behaald"})
    done(response, case_id, "evaluaties")
    html = web.page(case_id)
    assert "De evaluatie is vastgelegd." in html and "Tempo is gegroeid" in html
    assert "Evaluatie actieplan 1</span> — uiterlijk ma 30 nov 2026 — <strong class=\"ms-status\">Vastgelegd" in html


def test_job_skips_the_due_evaluation_with_a_reason(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    acted(act(web, case_id, "skip_evaluation", {"milestone": "evaluatie_1", "reason": "samengevoegd"}), case_id)
    with web.db.read() as s:
        last = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq.desc())).first()
    assert (last.trigger, last.reason) == ("skip_evaluation", "Samengevoegd met een andere evaluatie")
    assert "Overgeslagen" in web.page(case_id)


def test_job_records_an_invra_observation_and_the_radar_shows_it(web):
    web.login(JOB)
    case_id = web.plan_of("Noor")
    levels = {f"c{code}": "3" for code in invra.CODES}
    done(web.post(case_id, "observatie", {"observed_on": "2026-11-20", **levels}), case_id, "invra")
    html = web.page(case_id)
    assert "De INVRA-observatie is vastgelegd." in html and "38 van 38" in html and "Groei sinds" in html


def test_job_updates_the_plan_document_and_the_schedule(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    with web.db.read() as s:
        marieke = s.scalar(select(User.id).where(User.email == BOSS))
    done(web.post(case_id, "document", {"function": "Medewerker expeditie", "contact_user_id": str(marieke),
                                        "coaching_need": "Korte instructies", "onboarding_programme": "Week 1-2",
                                        "hours_distribution": "Wekelijks"}), case_id, "plan-document")
    done(web.post(case_id, "planning", {"evaluation_interval_weeks": "8"}), case_id, "acties")
    html = web.page(case_id)
    assert "Medewerker expeditie" in html
    assert "Evaluatie actieplan 1</span> — uiterlijk ma 14 dec 2026" in html  # month 3 + 8 weeks


def test_job_pauses_resumes_and_stops_a_plan(web):
    web.login(JOB)
    daan, noor = web.plan_of("Daan"), web.plan_of("Noor")
    done(web.post(noor, "hervatten", {}), noor, "acties")
    done(web.post(daan, "pauzeren", {"reason": "verlof"}), daan, "acties")
    with web.db.read() as s:
        assert (s.get(Case, noor).state, s.get(Case, daan).state) == ("vervolg", "gepauzeerd")
    acted(act(web, noor, "stop", {"reason": "ander_werk"}), noor)
    assert ">gestopt<" in web.page(noor)


def test_job_offers_the_plan_and_the_employer_signs_the_action_plan(web):
    web.login(BOSS)
    case_id = web.plan_of("Daan")
    html = web.page(case_id)
    assert "Ondertekening vastleggen" in html and 'name="tekenen-round" type="hidden" value="2"' in html
    done(web.post(case_id, "tekenen", {"party": "opdrachtgever", "round": "2"}), case_id, "ondertekening")
    assert "Ondertekend (actieplan, versie 2)" in web.page(case_id)
    web.login(JOB)
    done(web.post(case_id, "aanbieden", {"document": "trajectplan"}), case_id, "ondertekening")
    assert "Niet ondertekend (trajectplan, versie 3)" in web.page(case_id)


@pytest.fixture
def fresh_plan(web):
    """Kevin's plan at the garden centre, hired to start 40 days ago: the proefplaatsing decision is open."""
    svc = web.app.extensions["jobtraject"]
    with web.db.read() as s:
        kevin = next(c.id for c in s.scalars(select(Candidate)) if c.first_name == "Kevin")  # names are sealed
    case = hire_into_plan(svc, "Tuincentrum De Bongerd", kevin, start_date=TODAY - timedelta(days=40),
                          contract_hours=20)
    sweep = TimerSweep(svc.db, svc.registry, svc.clock, worker_id="test")
    while sweep.sweep().claimed:
        pass
    return case.id


def test_the_employer_decides_against_a_contract_and_the_plan_ends(web, fresh_plan):
    web.login(GARDEN_BOSS)
    assert "Besluit: geen contract…" in web.page(fresh_plan)
    acted(act(web, fresh_plan, "no_contract", {"reason": "werk_past_niet"}), fresh_plan)
    with web.db.read() as s:
        assert s.get(Case, fresh_plan).state == "geen_contract"
    assert "gestopt (geen contract)" in web.page(fresh_plan)


# -- refusals: the page again, the input kept, the database unchanged ---------------------------------


def test_invalid_hours_are_shown_again_with_the_input_and_a_dutch_message(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    before = web.everything()
    response = web.post(case_id, "uren", {"worked_on": "2026-11-23", "hours": "veel", "activity": "werkvloer",
                                          "note": "Mijn notitie"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vul het aantal uren in als getal, bijvoorbeeld 1,5." in html
    assert 'value="veel"' in html and "Mijn notitie" in html and 'aria-invalid="true"' in html
    assert web.everything() == before


def test_a_goal_without_text_or_with_a_date_outside_the_year_is_refused(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    before = web.everything()
    response = web.post(case_id, "doel", {"specific": "", "measure": "Mijn maatstaf", "target_date": "2026-11-30",
                                          "owner": "kandidaat"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Dit veld is verplicht." in html and "Mijn maatstaf" in html
    response = web.post(case_id, "doel", {"specific": "Iets", "measure": "Meetbaar", "target_date": "2030-01-01",
                                          "owner": "kandidaat"})
    assert response.status_code == 422
    assert "Kies een streefdatum binnen het planjaar." in response.get_data(as_text=True)
    assert web.everything() == before


def test_an_evaluation_that_is_not_open_is_refused_with_the_reason(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    before = web.everything()
    response = web.post(case_id, "evaluatie", {"milestone": "evaluatie_2", "held_on": "2026-11-23",
                                               "discussed": "Te vroeg"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Evaluatie actieplan 2 staat nog niet open" in html
    assert "Te vroeg" in html
    response = act(web, case_id, "close_plan", {})
    assert response.status_code == 422 and "niet mogelijk" in response.get_data(as_text=True)
    assert web.everything() == before


def test_a_form_from_before_someone_elses_change_is_stale(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    old = web.version(case_id)
    done(web.post(case_id, "uren", {"worked_on": "2026-11-23", "hours": "1", "activity": "werkvloer"}), case_id,
         "uren")
    before = web.everything()
    response = web.post(case_id, "pauzeren", {"reason": "verlof"}, version=old)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Iemand anders heeft deze zaak net gewijzigd" in html
    assert web.everything() == before


def test_a_post_without_csrf_token_is_refused(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    before = web.everything()
    response = web.post(case_id, "uren", {"worked_on": "2026-11-23", "hours": "2", "activity": "werkvloer"},
                        csrf=False)
    assert response.status_code == 400 and "Formulier verlopen" in response.get_data(as_text=True)
    assert web.everything() == before


@pytest.mark.parametrize("email", [HARRIE, WSP, BOSS])
def test_roles_without_the_action_are_refused_and_nothing_changes(web, email):
    web.login(email)
    case_id = web.plan_of("Daan")
    before = web.everything()
    for name, data in (("uren", {"worked_on": "2026-11-23", "hours": "2", "activity": "werkvloer"}),
                       ("pauzeren", {"reason": "verlof"}), ("doel", {"specific": "x", "measure": "y",
                                                                     "target_date": "2026-12-01",
                                                                     "owner": "job"})):
        assert web.post(case_id, name, data).status_code == 403
    assert web.everything() == before


def test_harrie_cannot_decide_about_the_contract(web, fresh_plan):
    web.login(GARDEN_HARRIE)
    before = web.everything()
    response = act(web, fresh_plan, "offer_contract", {})
    assert response.status_code == 403
    assert web.everything() == before


def test_a_goal_of_another_plan_cannot_be_updated_through_this_one(web):
    web.login(JOB)
    daan, noor = web.plan_of("Daan"), web.plan_of("Noor")
    with web.db.read() as s:
        noors_goal = s.scalar(select(PlanGoal.id).where(PlanGoal.plan_case_id == noor))
    before = web.everything()
    response = web.post(daan, "doelstatus", {"goal_id": str(noors_goal), "status": "behaald"})
    assert response.status_code == 422 and "Dit doel hoort niet bij dit trajectplan." in response.get_data(
        as_text=True)
    assert web.everything() == before


# -- labels and warnings --------------------------------------------------------------------------


def test_the_organisations_own_invra_labels_appear_next_to_the_numbers(web):
    svc = web.app.extensions["jobtraject"]
    with web.db.read() as s:
        admin = s.scalars(select(User).where(User.email == "beheer@job.example")).one()
    PlanServices(svc).load_invra_labels(Actor(admin.id, admin.role, admin.organisation_id, admin.name),
                                        name="Eigen omschrijvingen", text="08;Werktempo <hoog>\n10;Overzicht")
    web.login(JOB)
    html = web.page(web.plan_of("Daan"))
    assert "<title>08: Werktempo &lt;hoog&gt;</title>" in html  # tooltip on the spoke number
    assert '<th scope="row">08 Werktempo &lt;hoog&gt;</th>' in html and "10 Overzicht" in html
    assert ">07 </th>" in html or '<th scope="row">07 </th>' in html  # unlabelled: the number only


def test_hours_near_the_years_maximum_are_stored_with_a_warning(web):
    web.login(JOB)
    case_id = web.plan_of("Daan")
    for day in ("2026-11-23", "2026-11-20"):
        done(web.post(case_id, "uren", {"worked_on": day, "hours": "24", "activity": "werkvloer"}), case_id, "uren")
    html = web.page(case_id)
    assert "Jaar 1: 91% van het maximum van 124,8 uur is gebruikt." in html and "114 van 124,8 uur" in html


def test_emptying_a_field_of_the_plan_document_clears_it(web):
    """The trajectplan form is the document as a whole: an emptied field is cleared, not kept."""
    web.login(JOB)
    case_id = web.plan_of("Daan")
    done(web.post(case_id, "document", {"function": "Medewerker expeditie", "coaching_need": "Korte instructies"}),
         case_id, "plan-document")
    assert "Medewerker expeditie" in web.overview(case_id)
    done(web.post(case_id, "document", {"function": "", "coaching_need": "Korte instructies"}), case_id,
         "plan-document")
    with web.db.read() as s:
        doc = s.get(PlanDocument, case_id)
        assert doc.function is None and doc.coaching_need == "Korte instructies"
    assert "Medewerker expeditie" not in web.overview(case_id)


def test_every_plan_form_is_on_a_section_page():
    assert {name: section_of(name) in SECTIONS for name in FORMS} == dict.fromkeys(FORMS, True)
