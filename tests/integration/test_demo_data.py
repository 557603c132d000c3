"""`jobtraject demo-data` shows a living system whose audit trail verifies."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.audit import verify_all
from engine.models import Case, Organisation, Task
from engine.registry import Registry
from engine.services import Services
from tests.stand_in_plan import STAND_IN_PLAN
from workflows.access import JobAccessPolicy
from workflows.catalog import build_registry
from workflows.company_trajectory import WORKFLOW
from workflows.demo import load_demo

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
    assert overdue
    # Two tasks taken from the queue by hand; the running plan's next evaluation (falling due
    # about now) is assigned to its Harrie and its contact person, who also signs the action plan.
    assert sorted(t.key for t in assigned) == (
        ["evaluatie_1:harrie", "evaluatie_1:opdrachtgever", "sign_opdrachtgever", "support_hr", "write_vacancy"]
        if "candidate_plan" in registry.names() else ["support_hr", "write_vacancy"])
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
