"""`jobtraject demo-data` shows a living system whose audit trail verifies."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.audit import verify_all
from engine.registry import Registry
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, Organisation, Task, User
from tests.stand_in_plan import STAND_IN_PLAN
from workflows.demo import load_demo
from workflows.domain.company_trajectory import WORKFLOW
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.catalog import build_registry
from workflows.usecases.plan_services import PlanServices

EXPECTED_PHASES = {
    "Hoveniersbedrijf Groen & Zo": "adviesgesprek",
    "Zorgcentrum De Linde": "bedrijfsanalyse",
    "Logistiek Centrum Arnhem": "eindgesprek",
    "Tuincentrum De Bongerd": "werving",
    "Drukkerij Het Gulden Boek": "gestopt",
}


def phases(db) -> dict[str, str]:
    with db.read() as s:
        rows = s.execute(select(Organisation.name, Case.state).join(Case, Case.organisation_id == Organisation.id)
                         .where(Case.workflow == WORKFLOW.name)).all()
    return dict(rows)


def test_demo_companies_are_in_different_phases_and_their_trail_verifies(db, clock):
    registry = build_registry()
    services = Services(db=db, registry=registry, clock=clock, policy=JobAccessPolicy(db))
    summary = load_demo(services)
    assert "6 company trajectories" in summary
    bakery = "trajectplan" if "candidate_plan" in registry.names() else "sollicitatie"
    assert phases(db) == {**EXPECTED_PHASES, "Bakkerij De Korenaar": bakery}
    with db.read() as s:
        overdue = s.scalars(select(Task).where(Task.status == "open", Task.due_at < clock.now())).all()
        assigned = s.scalars(select(Task).where(Task.status == "open", Task.assignee_id.is_not(None))).all()
        checked, problems = verify_all(s, registry)
    assert overdue and len(assigned) == 2
    assert checked >= 6 and problems == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_demo_with_candidate_plans_reaches_trajectplan(db, clock):
    """SQLite is enough: the stand-in plan is registered here and never in production."""
    registry = Registry()
    registry.register(WORKFLOW)
    registry.register(STAND_IN_PLAN)
    load_demo(Services(db=db, registry=registry, clock=clock, policy=JobAccessPolicy(db)))
    assert phases(db)["Bakkerij De Korenaar"] == "trajectplan"
    with db.read() as s:
        plans = s.scalars(select(Case).where(Case.workflow == "candidate_plan")).all()
        assert len(plans) == 2 and all(p.parent_id is not None for p in plans)
        assert verify_all(s, registry)[1] == []


def test_jobtraject_demo_data_then_audit_verify_passes(tmp_path, monkeypatch):
    from webui.cli import main
    from webui.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "test")
    runner = CliRunner()
    loaded = runner.invoke(main, ["demo-data", "--if-empty"])
    assert loaded.exit_code == 0, loaded.output
    assert "company trajectories" in loaded.output
    verified = runner.invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith("OK: ")


def test_demo_with_running_plans_has_two_plans_four_months_in_and_its_trail_verifies(db, clock):
    """What `jobtraject demo-data` loads: goals, evaluations, INVRA observations, hours."""
    registry = build_registry()
    services = Services(db=db, registry=registry, clock=clock, policy=JobAccessPolicy(db))
    load_demo(services, running_plans=True)
    assert phases(db) == {**EXPECTED_PHASES, "Bakkerij De Korenaar": "trajectplan"}
    with db.read() as s:
        plan_ids = sorted(s.scalars(select(Case.id).where(Case.workflow == "candidate_plan")))
        sanne = s.scalars(select(User).where(User.email == "sanne@job.example")).one()
        checked, problems = verify_all(s, registry)
    assert problems == [] and checked >= 8
    job = Actor(sanne.id, sanne.role, sanne.organisation_id, sanne.name)
    daan, noor = (PlanServices(services).plan_overview(job, case_id) for case_id in plan_ids)
    assert (daan.candidate_name, daan.state, noor.candidate_name, noor.state) == (
        "Daan Verhoeven", "vervolg", "Noor Bosman", "gepauzeerd")
    assert [e.status for e in daan.timeline[:5]] == ["vastgelegd", "vastgelegd", "besloten", "vastgelegd", "open"]
    assert len(daan.invra.observations) == 2 and daan.invra.growth.grown and len(daan.goals) == 3
    assert len(daan.evaluations) == 3 and daan.contract == "ja" and daan.hours.years[0].budget.used > 0
