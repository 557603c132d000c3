"""Part 1's world: company trajectories through the real services (the baseline: bench/fair.py).

Each trajectory is 16 use cases (16 transactions): start, the adviesgesprek, the
bedrijfsanalyse, the eindgesprek with vacancy and INVRA profile, werving, sollicitatie with
a Harrie, an interview and a hire (which starts the candidate's plan as a child case), the
trajectplan, and finally JoB stops the plan, whose follow-up closes the trajectory. Every
step goes through `CompanyServices.fire` / `Services.fire_trigger` exactly as the web UI
calls them: audit hash chain, tasks, timers, version check, payload checks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from engine.clock import FixedClock
from engine.services import Services
from engine.spec import Actor
from engine.store.db import Database
from engine.store.models import Case, Organisation, User
from tests.company_payloads import ANALYSIS, CLOSING, MEETING, PROFILE, VACANCY
from tests.company_steps import CompanySteps as CompanyServices
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER, ORG_EMPLOYER, ORG_JOB, ORG_WSP, WSP
from workflows.storage.models import Candidate, Company
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.catalog import build_registry, payload_checks

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


STEPS_PER_TRAJECTORY = 16


@dataclass
class People:
    job: Actor
    wsp: Actor
    boss: Actor
    harrie: Actor
    company_id: int
    candidate_ids: list[int]


def setup_world(db: Database, n: int) -> People:
    """JoB, a WSP region, one employer with its boss and Harrie, and `n` candidates (bulk)."""
    with db.write() as s:
        job_org = Organisation(name="JoB Jobcoaching", kind=ORG_JOB, created_at=T0)
        wsp_org = Organisation(name="WSP Rijk van Nijmegen", kind=ORG_WSP, created_at=T0)
        s.add_all([job_org, wsp_org])
        s.flush()
        bakery = Organisation(name="Bakkerij De Korenaar", kind=ORG_EMPLOYER, parent_id=wsp_org.id, created_at=T0)
        s.add(bakery)
        s.flush()
        s.add(Company(organisation_id=bakery.id, kvk_number="12345678", employees=48))
        actors = []
        for email, role, org in (("sanne@job.example", JOB, job_org), ("lisa@wsp.example", WSP, wsp_org),
                                 ("marieke@korenaar.example", OPDRACHTGEVER, bakery),
                                 ("harrie@korenaar.example", HARRIE, bakery)):
            u = User(email=email, name=email.split("@")[0], role=role, organisation_id=org.id, active=True,
                     is_coordinator=False, notify="none", session_epoch=0, created_at=T0)
            s.add(u)
            s.flush()
            actors.append(Actor(u.id, role, org.id, u.name))
        rows = [{"first_name": "Kandidaat", "last_name": str(i), "target_group": "wajong", "created_at": T0}
                for i in range(n)]
        s.execute(insert(Candidate), rows)
        s.flush()
        ids = list(s.scalars(select(Candidate.id).order_by(Candidate.id)))
        return People(*actors, company_id=bakery.id, candidate_ids=ids)


def services_for(db: Database) -> tuple[Services, CompanyServices]:
    svc = Services(db=db, registry=build_registry(), clock=FixedClock(T0), policy=JobAccessPolicy(db),
                   payload_checks=payload_checks())
    return svc, CompanyServices(svc)


@dataclass
class ReadTime:
    """Time spent reading between use cases (finding the plan a hire started): not a
    transition, and not in the baseline, so the engine's rate leaves it out."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0


def one_trajectory(company: CompanyServices, p: People, candidate_id: int, reads: ReadTime | None = None) -> int:
    """The 16 use cases of one trajectory, from start to a closed trajectory."""
    case_id = company.start_trajectory(p.job, p.company_id).id
    fire = company.fire
    fire(p.wsp, case_id, "record_advisory_meeting", MEETING)
    fire(p.wsp, case_id, "start_company_analysis")
    fire(p.wsp, case_id, "record_company_analysis", ANALYSIS)
    fire(p.wsp, case_id, "finish_company_analysis")
    fire(p.wsp, case_id, "record_closing_meeting", CLOSING)
    fire(p.job, case_id, "record_vacancy", VACANCY)
    fire(p.job, case_id, "record_workplace_profile", PROFILE)
    fire(p.job, case_id, "open_recruitment")
    company.propose_candidate(p.job, case_id, candidate_id)
    company.name_harrie(p.boss, case_id, p.harrie.user_id)
    fire(p.job, case_id, "start_interviews")
    fire(p.boss, case_id, "record_interview", {"candidate_id": candidate_id, "date": "2026-11-23",
                                               "harrie_present": True})
    company.hire_candidate(p.boss, case_id, candidate_id, start_date="2026-12-01", contract_hours=24,
                           fulltime=False)
    fire(p.job, case_id, "start_trajectplan")
    started, cpu = time.perf_counter(), time.process_time()
    plan_id = plan_of(company, case_id)
    if reads is not None:
        reads.seconds += time.perf_counter() - started
        reads.cpu_seconds += time.process_time() - cpu
    company.services.fire_trigger(p.job, plan_id, "stop", {"reason": "ander_werk"})
    return case_id


def plan_of(company: CompanyServices, case_id: int) -> int:
    """The candidate plan the hire started (a read between two use cases, timed apart)."""
    with company.db.read() as s:
        return s.scalar(select(Case.id).where(Case.parent_id == case_id))


PAYLOADS: list[dict[str, Any]] = [
    {}, MEETING, {}, ANALYSIS, {}, CLOSING, VACANCY, PROFILE, {}, {"candidate_id": 1}, {"harrie_user_id": 4}, {},
    {"candidate_id": 1, "date": "2026-11-23", "harrie_present": True},
    {"candidate_id": 1, "start_date": "2026-12-01", "contract_hours": 24, "fulltime": False}, {},
    {"reason": "ander_werk"},
]
