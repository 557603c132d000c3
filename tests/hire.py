"""Start a candidate's plan in a test the only way the app allows: the hire in a company trajectory.

A plan is never started on its own (`Workflow.started_by`); it is the effect of
`hire_candidate`, whose checks make it legitimate. On the demo data the garden centre's
trajectory (Tuincentrum De Bongerd) is in *werving* with Bert Hoekstra as its Harrie:

    plan = hire_into_plan(services, "Tuincentrum De Bongerd", kevin, start_date=date(2026, 10, 14))

proposes the candidate when needed, starts the interviews, records one and hires, as a JoB coach.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.services import CaseSnapshot, Services
from engine.spec import Actor
from engine.store.models import Case, Organisation, User
from tests.company_steps import CompanySteps as CompanyServices
from workflows.domain.company_records import candidate_entry
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY

COACH = "sanne@job.example"


def _actor(services: Services, email: str) -> Actor:
    with services.db.read() as s:
        u = s.scalars(select(User).where(User.email == email)).one()
        return Actor(u.id, u.role, u.organisation_id, u.name)


def hire_into_plan(services: Services, employer: str, candidate_id: int, *, start_date: date,
                   contract_hours: float = 24, fulltime: bool = False, coach: str = COACH) -> CaseSnapshot:
    """Propose (if needed), interview and hire the candidate in the employer's open trajectory; its plan."""
    job = _actor(services, coach)
    company = CompanyServices(services)
    with services.db.read() as s:
        trajectory = s.scalar(
            select(Case.id).join(Organisation, Organisation.id == Case.organisation_id)
            .where(Organisation.name == employer, Case.workflow == COMPANY_TRAJECTORY, Case.closed_at.is_(None)))
    if trajectory is None:
        raise LookupError(f"no open company trajectory at {employer}")
    case = services.get_case(job, trajectory)
    if case.state == "werving":
        if candidate_entry(case.data, candidate_id) is None:
            company.propose_candidate(job, trajectory, candidate_id)
        company.fire(job, trajectory, "start_interviews", {})
    interviewed = min(start_date, services.clock.now().date())
    company.fire(job, trajectory, "record_interview",
                 {"candidate_id": candidate_id, "date": interviewed.isoformat(), "harrie_present": True})
    company.hire_candidate(job, trajectory, candidate_id, start_date=start_date, contract_hours=contract_hours,
                           fulltime=fulltime)
    with services.db.read() as s:
        plans = s.scalars(select(Case).where(Case.parent_id == trajectory, Case.workflow == "candidate_plan")).all()
        plan = next(p for p in plans if p.data.get("candidate_id") == candidate_id)
        return CaseSnapshot.of(plan)
