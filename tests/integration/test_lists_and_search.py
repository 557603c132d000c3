"""The lists' read and write models on SQLite and PostgreSQL: saved filters (owner only,
nothing written on bad input), the candidate list's filters, the coordinator's caseload and
the search box's vacancies (never another organisation's)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.clock import FixedClock
from engine.errors import InvalidPayload, NotFound
from engine.spec import Actor
from engine.store.models import User
from tests.helpers import T0
from webui import create_app
from workflows.demo.people import USERS
from workflows.storage.list_models import SavedFilter
from workflows.usecases.caseload import Caseload
from workflows.usecases.list_sorts import CandidateFilter, CandidateList
from workflows.usecases.register import CandidateRegister
from workflows.usecases.saved_filters import SavedFilters, clean_query

SANNE, AHMED = "sanne@job.example", "ahmed@job.example"


@pytest.fixture
def svc(demo_plans_db_url):
    app = create_app({"DATABASE_URL": demo_plans_db_url, "SECRET_KEY": "t", "TESTING": True}, clock=FixedClock(T0))
    services = app.extensions["jobtraject"]
    yield services
    services.db.dispose()


def who(svc, email: str) -> Actor:
    with svc.db.read() as s:
        u = s.scalars(select(User).where(User.email == email)).one()
    return Actor(u.id, u.role, u.organisation_id, u.name)


def filters(svc) -> int:
    with svc.db.read() as s:
        return s.scalar(select(func.count()).select_from(SavedFilter))


def test_a_saved_filter_belongs_to_its_owner_alone(svc):
    sanne, ahmed = who(svc, SANNE), who(svc, AHMED)
    saved = SavedFilters(svc)
    fid = saved.save(sanne, "kandidaten", "Wajong", "doelgroep=wajong&pagina=2&sorteer=naam&x-y=1")
    assert saved.get(sanne, fid) == ("kandidaten", "doelgroep=wajong&sorteer=naam")
    assert [f.name for f in saved.mine(sanne, "kandidaten")] == ["Wajong"] and saved.mine(ahmed, "kandidaten") == []
    with pytest.raises(NotFound):
        saved.get(ahmed, fid)
    with pytest.raises(NotFound):
        saved.delete(ahmed, fid)
    for wrong in (0, -1, 2**31, 10**15, True, "1"):  # never a database error, on either database
        with pytest.raises(NotFound):
            saved.get(sanne, wrong)
        with pytest.raises(NotFound):
            saved.delete(sanne, wrong)
    with pytest.raises(InvalidPayload) as refused:
        saved.save(sanne, "kandidaten", "WAJONG", "")
    assert refused.value.errors == {"name": "U heeft al een filter met deze naam bij deze lijst; kies een andere naam."}
    assert filters(svc) == 1
    saved.save(ahmed, "kandidaten", "Wajong", "")  # the same name for someone else is fine
    assert saved.delete(sanne, fid) == ("kandidaten", "Wajong") and filters(svc) == 1


def test_a_saved_query_keeps_only_plain_list_parameters():
    assert clean_query("fase=candidate_plan%3Aloopt&te_laat=y&csrf_token=abc&pagina=4&%3Cscript%3E=1") == (
        "fase=candidate_plan%3Aloopt&te_laat=y")
    assert clean_query(None) == "" and clean_query("bedrijf=" + "1" * 5000) == ""
    assert clean_query("zoek=Daan+Verhoeven&q=Noor&te_laat=y") == "te_laat=y"  # names are not kept


def test_the_candidate_list_knows_whose_plan_is_running(svc):
    sanne = who(svc, SANNE)
    running = CandidateList(svc).rows(sanne, CandidateFilter(running_plan=True))
    assert [c.name for c in running] == ["Daan Verhoeven", "Noor Bosman"]
    rest = CandidateList(svc).rows(sanne, CandidateFilter(target_group="wajong", running_plan=False), "uren", True)
    assert [(c.name, c.contract_hours) for c in rest] == [("Mohamed Ouali", 24.0), ("Kevin Smits", 20.0)]


def test_the_caseload_counts_each_open_task_of_the_team_once(svc):
    from engine.store.models import Task

    sanne = who(svc, SANNE)
    loads = Caseload(svc).per_colleague(sanne)
    assert [ld.name for ld in loads][-1] == "Wachtrij (nog niemand)"
    assert {ld.name for ld in loads} >= {"Sanne de Vries", "Ahmed Yilmaz"}
    with svc.db.read() as s:
        team = s.scalar(select(func.count()).select_from(Task).where(Task.status == "open", Task.role == "job"))
    assert sum(ld.open_tasks for ld in loads) == team
    assert all(ld.open_cases <= ld.open_tasks and ld.late_tasks <= ld.open_tasks for ld in loads)


BAKERY_JOB = "Medewerker productie en expeditie"
RETURNS, NURSERY = "Medewerker retourafdeling", "Medewerker kwekerij"


def vacancies(svc, email: str, query: str) -> list[tuple[str, str]]:
    return [(h.title, h.company) for h in CandidateRegister(svc).search(who(svc, email), query).vacancies]


def test_the_search_box_finds_vacancies_by_function_department_or_company_within_what_one_may_see(svc):
    from engine.store.models import Case

    assert vacancies(svc, SANNE, "medewerker") == [
        (BAKERY_JOB, "Bakkerij De Korenaar"), (RETURNS, "Logistiek Centrum Arnhem"),
        (NURSERY, "Tuincentrum De Bongerd")]
    assert vacancies(svc, "lisa@wsp-nijmegen.example", "MEDEWERKER") == [(BAKERY_JOB, "Bakkerij De Korenaar")]
    assert vacancies(svc, "tom@wsp-gelderland.example", "medewerker") == [
        (RETURNS, "Logistiek Centrum Arnhem"), (NURSERY, "Tuincentrum De Bongerd")]
    assert vacancies(svc, "marieke@korenaar.example", "medewerker") == [(BAKERY_JOB, "Bakkerij De Korenaar")]
    assert vacancies(svc, "marieke@korenaar.example", "logistiek") == []
    assert vacancies(svc, SANNE, "logistiek centrum") == [(RETURNS, "Logistiek Centrum Arnhem")]
    assert vacancies(svc, SANNE, "%") == [] and vacancies(svc, SANNE, "_") == []
    with svc.db.write() as s:  # a vacancy that names its department
        case = s.get(Case, 5)
        case.data = {**case.data, "vacancy": {**case.data["vacancy"], "department": "Inpakstraat"}}
    hits = CandidateRegister(svc).search(who(svc, SANNE), "inpak").vacancies
    assert [(h.title, h.department, h.company) for h in hits] == [(RETURNS, "Inpakstraat", "Logistiek Centrum Arnhem")]


@pytest.mark.parametrize("query", ["medewerker", "e", "a", "De"])
def test_searching_never_returns_another_organisations_vacancy(svc, query):
    from engine.store.models import Case

    for email, *_ in USERS:
        actor = who(svc, email)
        hits = CandidateRegister(svc).search(actor, query).vacancies
        with svc.db.read() as s:
            for h in hits:
                assert svc.policy.can_see(actor, s.get(Case, h.case_id)), (email, h)
        if actor.role in ("opdrachtgever", "harrie"):
            with svc.db.read() as s:
                assert {s.get(Case, h.case_id).organisation_id for h in hits} <= {actor.organisation_id}


def test_the_archive_sorts_by_a_column_in_sql_on_both_databases(svc):
    from workflows.usecases.task_inbox import TaskInbox

    sanne = who(svc, SANNE)
    newest = TaskInbox(svc).archive(sanne)
    assert newest.items and [t.completed_at for t in newest.items] == sorted(
        (t.completed_at for t in newest.items), reverse=True)
    by_title = [t.title for t in TaskInbox(svc).archive(sanne, 1, "taak", False).items]
    assert by_title == sorted(by_title) and len(by_title) == len(newest.items)
    by_case = TaskInbox(svc).archive(sanne, 1, "zaak", True).items
    assert [t.company or "" for t in by_case] == sorted((t.company or "" for t in by_case), reverse=True)
