"""No N+1: the case page and the timer sweep cost a fixed number of statements, whatever the rows.

Statements are counted with a `before_cursor_execute` listener on the app's own engine.
"""

from __future__ import annotations

import pytest
import transitions

from engine.clock import FixedClock
from engine.jobs.timers import TimerSettings, TimerSweep
from engine.store.models import Timer
from tests.company_steps import CompanySteps as CompanyServices
from tests.faults.harness import registry as evaluation_registry
from tests.faults.harness import seed_due_timers
from tests.helpers import T0, make_org, make_user
from tests.perf.conftest import statements_of
from tests.sessions import sign_in_id
from webui import create_app
from workflows.domain import invra
from workflows.domain.roles import JOB, WSP
from workflows.usecases.catalog import build_registry

MEETING = {"date": "2026-11-19", "participants": ["job", "wsp"],
           "departments": [{"name": "Productie", "possibilities": "Inpakken"}], "support": "voldoende"}


@pytest.fixture
def app(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'perf.db'}", "SECRET_KEY": "test", "TESTING": True},
                     clock=FixedClock(T0))
    app.extensions["jobtraject"].db.create_all()
    yield app
    app.extensions["jobtraject"].db.dispose()


def page_statements(app, client, path: str) -> int:
    db = app.extensions["jobtraject"].db
    responses = []
    count = len(statements_of(db, lambda: responses.append(client.get(path))))
    assert responses[0].status_code == 200, responses[0].status_code
    return count


def test_the_case_page_costs_the_same_statements_however_long_the_cases_history(app):
    svc = app.extensions["jobtraject"]
    db = svc.db
    company = CompanyServices(svc)
    job_org = make_org(db, "JoB Jobcoaching", "job")
    wsp_org = make_org(db, "WSP Rijk van Nijmegen", "wsp")
    coach = make_user(db, job_org, JOB, "sanne@job.example", "Sanne")
    wsp = make_user(db, wsp_org, WSP, "lisa@wsp.example", "Lisa")
    employer = company.register_company(coach, name="Bakkerij", wsp_organisation_id=wsp_org)
    short = company.start_trajectory(coach, employer).id
    other = company.register_company(coach, name="Garage", wsp_organisation_id=wsp_org)
    long = company.start_trajectory(coach, other).id
    for case_id, meetings in ((short, 1), (long, 15)):  # the same phase and data; one has a long history
        for i in range(meetings):  # audit rows by two actors, and tasks of three phases
            company.fire(wsp if i % 2 else coach, case_id, "record_advisory_meeting", MEETING)
        company.fire(wsp, case_id, "start_company_analysis")
        company.fire(wsp, case_id, "record_company_analysis", {
            "departments": [{"name": "Productie", "processes": "Inpakken"}],
            "tasks": [{"title": "Dozen vouwen", "department": "Productie"}]})
        company.fire(wsp, case_id, "finish_company_analysis")
        company.fire(coach, case_id, "record_workplace_profile", {"levels": {c: 2 for c in invra.CODES}})

    client = app.test_client()
    sign_in_id(client, coach.user_id)
    page_statements(app, client, f"/zaken/{short}")  # warm-up: first-request work is not the page's
    few = page_statements(app, client, f"/zaken/{short}")
    many = page_statements(app, client, f"/zaken/{long}")
    trail = svc.audit_trail(coach, long)
    assert len(trail) >= 20 and len(svc.case_tasks(coach, long)) >= 6
    assert few > 0
    assert many == few, f"{few} statements for a new case, {many} for one with {len(trail)} audit rows"


def sweep_statements(db, n: int) -> int:
    """Statements to sweep `n` due timers in one batch (an empty database before seeding)."""
    now = seed_due_timers(db, n, now=T0) if n else T0
    sweep = TimerSweep(db, evaluation_registry(), FixedClock(now), TimerSettings(batch_size=100))
    reports = []
    count = len([s for s, _ in statements_of(db, lambda: reports.append(sweep.sweep()))
                 if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))])
    assert reports[0].claimed == n
    return count


def test_the_sweep_costs_the_same_statements_per_timer_however_many_are_due(db):
    from tests import dbs

    counts = {}
    for n in (10, 20, 40):
        if db.sqlite:
            with db.engine.begin() as conn:
                for table in ("timer", "audit_entry", "task", "wf_case"):
                    conn.exec_driver_sql(f"DELETE FROM {table}")
        else:
            dbs.truncate_all(db)
        counts[n] = sweep_statements(db, n)
    per_timer = (counts[20] - counts[10]) / 10
    assert counts[40] - counts[20] == 2 * (counts[20] - counts[10]), counts
    assert per_timer <= 8, f"{per_timer} statements per fired timer"
    with db.read() as s:
        assert s.query(Timer).filter(Timer.status == "fired").count() == 40


def test_each_workflow_version_is_compiled_into_one_machine_once(db, monkeypatch):
    """Firing transitions never builds a Machine: the registry's one per version is reused."""
    registry = build_registry()
    machines = {(wf.name, wf.version): wf.machine for wf in registry.all()}
    built = []
    original = transitions.Machine.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(transitions.Machine, "__init__", counting_init)
    from engine.services import Services
    from workflows.usecases.access import JobAccessPolicy

    svc = Services(db=db, registry=registry, clock=FixedClock(T0), policy=JobAccessPolicy(db))
    company = CompanyServices(svc)
    job_org = make_org(db, "JoB Jobcoaching", "job")
    wsp_org = make_org(db, "WSP", "wsp")
    coach = make_user(db, job_org, JOB, "sanne@job.example")
    employer = company.register_company(coach, name="Bakkerij", wsp_organisation_id=wsp_org)
    case_id = company.start_trajectory(coach, employer).id
    for _ in range(3):
        company.fire(coach, case_id, "record_advisory_meeting", MEETING)
    company.fire(coach, case_id, "start_company_analysis")
    assert built == []
    assert {(wf.name, wf.version): wf.machine for wf in registry.all()} == machines
    assert registry.get("company_trajectory", 1).machine is registry.latest("company_trajectory").machine
