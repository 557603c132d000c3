"""A small world for candidate-plan tests: JoB, an employer with its people, a candidate.

`run_due_timers` is a TEST-LOCAL stand-in for the timer sweep (engine/jobs/timers.py is
written in parallel); at merge it should be replaced by the real sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from engine.clock import FixedClock, ensure_utc
from engine.jobs.timers import TimerSweep
from engine.services import CaseSnapshot, Services
from engine.spec import SYSTEM, Actor, Ctx, State, Transition, Workflow
from engine.store.db import Database
from engine.store.models import Case, Timer
from tests.helpers import T0, make_org, make_user
from tests.plan_steps import PlanSteps as PlanServices
from workflows.domain.candidate_plan import WORKFLOW as PLAN
from workflows.domain.roles import ADMIN, HARRIE, JOB, OPDRACHTGEVER
from workflows.storage.models import Candidate
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.money_records import MONEY_RECORDERS
from workflows.usecases.plan_records import RECORDERS


def _hire(ctx: Ctx) -> None:
    ctx.spawn("candidate_plan", dict(ctx.payload))


def _finished(ctx: Ctx) -> None:
    ctx.data.setdefault("finished", []).append(ctx.payload)


# A stand-in parent honouring the contract with the company trajectory (issue 3): it starts
# the plan as a child case (a plan is never started on its own) and hears `plan_finished`
# with {candidate_id, outcome}. The real hire's checks are the company trajectory's tests.
PARENT = Workflow(
    name="parent_stand_in", version=1, label="Bedrijfstraject (test)",
    states=(State("trajectplan", "Trajectplan", initial=True), State("klaar", "Klaar", final=True)),
    transitions=(
        Transition("hire", "trajectplan", None, by=(JOB,), effect=_hire),
        Transition("plan_finished", "trajectplan", None, by=(SYSTEM,), effect=_finished),
        Transition("close", "trajectplan", "klaar", by=(JOB,)),
    ),
)


@dataclass
class World:
    db: Database
    clock: FixedClock
    services: Services
    plans: PlanServices
    employer: int
    other_employer: int
    job: Actor
    admin: Actor
    boss: Actor
    harrie: Actor
    outsider: Actor
    other_harrie: Actor
    candidate_id: int
    second_candidate_id: int

    def start(self, start: date = date(2026, 11, 30), **kw) -> CaseSnapshot:
        """A plan the way the app starts one: the hire in the (stand-in) company trajectory."""
        hire = {"candidate_id": self.candidate_id, "start_date": start.isoformat(), "contract_hours": 32.0,
                "fulltime": True, "harrie_user_id": self.harrie.user_id, "vacancy": {"workplace_profile": {}}}
        hire.update(kw)
        parent = self.services.start_case(self.job, PARENT.name, {}, organisation_id=self.employer)
        self.services.fire_trigger(self.job, parent.id, "hire", hire)
        with self.db.read() as s:
            child = s.scalars(select(Case).where(Case.parent_id == parent.id)).one()
            return CaseSnapshot.of(child)


def make_world(db: Database, clock: FixedClock) -> World:
    from engine.registry import Registry

    registry = Registry()
    registry.register(PLAN)
    registry.bind_recorders(PLAN.name, {**RECORDERS, **MONEY_RECORDERS})
    registry.register(PARENT)
    job_org = make_org(db, "JoB Jobcoaching", "job")
    wsp = make_org(db, "WSP Rijk van Nijmegen", "wsp")
    employer = make_org(db, "Bakkerij De Korenaar", "employer", parent_id=wsp)
    other = make_org(db, "Garage Van Dijk", "employer", parent_id=wsp)
    with db.write() as s:
        ids = []
        for first, last in (("Jan", "Jansen"), ("Fatma", "Kaya")):
            c = Candidate(first_name=first, last_name=last, created_at=T0)
            s.add(c)
            s.flush()
            ids.append(c.id)
    services = Services(db=db, registry=registry, clock=clock, policy=JobAccessPolicy(db))
    return World(
        db=db, clock=clock, services=services, plans=PlanServices(services), employer=employer,
        other_employer=other,
        job=make_user(db, job_org, JOB, "sanne@job.example", "Sanne de Vries"),
        admin=make_user(db, job_org, ADMIN, "beheer@job.example", "Beheerder"),
        boss=make_user(db, employer, OPDRACHTGEVER, "marieke@korenaar.example", "Marieke Jansen"),
        harrie=make_user(db, employer, HARRIE, "harrie@korenaar.example", "Harrie Willems"),
        outsider=make_user(db, other, OPDRACHTGEVER, "baas@garage.example", "Baas Garage"),
        other_harrie=make_user(db, other, HARRIE, "harrie@garage.example", "Harrie Garage"),
        candidate_id=ids[0], second_candidate_id=ids[1],
    )


def run_due_timers(services: Services, now: datetime) -> list[tuple[int, str, datetime]]:
    """Run the engine's real timer sweep at `now` until nothing is due; return what fired.

    Firing may schedule new timers that are already due (catch-up), so it sweeps until a
    sweep claims nothing. Returns (case id, trigger, due) in firing (= due) order.
    """
    sweep = TimerSweep(services.db, services.registry, FixedClock(now))
    with services.db.read() as s:
        before = set(s.scalars(select(Timer.id).where(Timer.status == "fired")))
    while sweep.sweep().claimed:
        pass
    with services.db.read() as s:
        rows = s.execute(
            select(Timer.id, Timer.case_id, Timer.trigger, Timer.due_at)
            .where(Timer.status == "fired").order_by(Timer.due_at, Timer.id)
        ).all()
    return [(r.case_id, r.trigger, ensure_utc(r.due_at)) for r in rows if r.id not in before]
