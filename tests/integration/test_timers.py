"""Due timers fire exactly once as the system, through leases that any worker may hold."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from engine.audit import verify_all
from engine.errors import NotFound, StaleCase
from engine.jobs.timers import Outcome, TimerSettings, TimerSweep, incidents, retry_incident
from engine.registry import Registry
from engine.services import Services
from engine.store.models import AuditEntry, Case, Timer
from tests import timer_workflow
from tests.faults.harness import seed_due_timers
from tests.helpers import count, make_org, make_user, snapshot
from tests.timer_workflow import EVALUATION
from workflows.domain.roles import JOB


@pytest.fixture(autouse=True)
def no_faults():
    timer_workflow.FAULTS.clear()
    yield
    timer_workflow.FAULTS.clear()


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.register(EVALUATION)
    return reg


@pytest.fixture
def world(db, registry, clock):
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    return Services(db=db, registry=registry, clock=clock), coach, org


def start(services: Services, coach, org, due_in: timedelta, **data):
    when = services.clock.now() + due_in
    return services.start_case(coach, "evaluation", {"evaluate_at": when.isoformat(), **data}, organisation_id=org)


def sweeper(db, registry, clock, name: str, **settings) -> TimerSweep:
    return TimerSweep(db, registry, clock, TimerSettings(**settings), worker_id=name)


def evaluations(db, case_id: int | None = None) -> int:
    where = [AuditEntry.trigger == "evaluate"]
    if case_id is not None:
        where.append(AuditEntry.case_id == case_id)
    return count(db, AuditEntry, *where)


def timer_of(db, case_id: int) -> Timer:
    with db.read() as s:
        return s.scalars(select(Timer).where(Timer.case_id == case_id).order_by(Timer.id)).first()


def test_a_due_timer_fires_once_as_the_system_and_is_audited(world, db, registry, clock):
    services, coach, org = world
    case = start(services, coach, org, timedelta(days=1))
    clock.advance(timedelta(days=1))
    report = sweeper(db, registry, clock, "w1").sweep()
    assert report.count(Outcome.FIRED) == 1
    assert services.get_case(coach, case.id).state == "evaluated"
    with db.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.trigger == "evaluate")).one()
    assert (entry.actor_role, entry.actor_user_id, entry.request_id) == ("system", None, f"timer:{timer_of(db, case.id).id}")
    timer = timer_of(db, case.id)
    assert (timer.status, timer.attempts, timer.locked_by, timer.lease_until) == ("fired", 1, "w1", None)
    assert timer.fired_at.replace(tzinfo=None) == clock.now().replace(tzinfo=None)
    assert sweeper(db, registry, clock, "w2").sweep().claimed == 0
    assert evaluations(db) == 1


def test_a_timer_that_is_not_due_yet_is_left_alone(world, db, registry, clock):
    services, coach, org = world
    start(services, coach, org, timedelta(hours=2))
    before = snapshot(db)
    clock.advance(timedelta(hours=1, minutes=59))
    assert sweeper(db, registry, clock, "w1").sweep().claimed == 0
    assert snapshot(db) == before


def test_a_timer_whose_case_left_the_state_is_skipped_with_the_reason(world, db, registry, clock):
    services, coach, org = world
    case = start(services, coach, org, timedelta(0))
    sweep = sweeper(db, registry, clock, "w1")
    [timer_id] = sweep.claim()
    services.fire_trigger(coach, case.id, "withdraw")  # the coach acts while the worker holds the timer
    assert sweep.fire(timer_id) is Outcome.SKIPPED
    timer = timer_of(db, case.id)
    assert (timer.status, timer.fired_at) == ("skipped", None)
    assert timer.last_error == "zaak staat niet meer in fase 'planned' maar in 'closed'"
    assert services.get_case(coach, case.id).state == "closed"
    assert evaluations(db) == 0


def test_a_timer_whose_case_left_and_reentered_the_state_does_not_fire_early(world, db, registry, clock):
    services, coach, org = world
    case = start(services, coach, org, timedelta(0))
    sweep = sweeper(db, registry, clock, "w1")
    [timer_id] = sweep.claim()
    clock.advance(timedelta(minutes=1))
    services.fire_trigger(coach, case.id, "evaluate")
    clock.advance(timedelta(minutes=1))
    services.fire_trigger(coach, case.id, "replan")  # back in 'planned', with a new timer of its own
    assert sweep.fire(timer_id) is Outcome.SKIPPED
    assert "opnieuw" in timer_of(db, case.id).last_error
    assert services.get_case(coach, case.id).state == "planned"
    with db.read() as s:
        statuses = s.scalars(select(Timer.status).where(Timer.case_id == case.id).order_by(Timer.id)).all()
    assert statuses == ["skipped", "pending"]


def test_a_failing_timer_retries_with_back_off_and_then_becomes_an_incident(world, db, registry, clock):
    services, coach, org = world
    case = start(services, coach, org, timedelta(0), blocked=True)
    sweep = sweeper(db, registry, clock, "w1", max_attempts=3, retry_base=timedelta(seconds=30))
    case_before = services.get_case(coach, case.id)

    assert sweep.sweep().count(Outcome.RETRY) == 1
    timer = timer_of(db, case.id)
    assert (timer.status, timer.attempts, timer.locked_by, timer.fired_at) == ("pending", 1, None, None)
    assert timer.last_error == "GuardRejected: De evaluatie is geblokkeerd"
    assert timer.next_attempt_at.replace(tzinfo=None) == (clock.now() + timedelta(seconds=30)).replace(tzinfo=None)

    clock.advance(timedelta(seconds=29))
    assert sweep.sweep().claimed == 0, "back-off: not before the next attempt time"
    clock.advance(timedelta(seconds=1))
    assert sweep.sweep().count(Outcome.RETRY) == 1
    assert timer_of(db, case.id).next_attempt_at.replace(tzinfo=None) == (
        clock.now() + timedelta(seconds=60)).replace(tzinfo=None)
    clock.advance(timedelta(seconds=60))
    assert sweep.sweep().count(Outcome.INCIDENT) == 1
    clock.advance(timedelta(days=1))
    assert sweep.sweep().claimed == 0, "an incident waits for a person"

    with db.read() as s:
        assert [t.case_id for t in incidents(s)] == [case.id]
    assert services.get_case(coach, case.id) == case_before, "failed attempts change nothing on the case"

    services.fire_trigger(coach, case.id, "note", {"blocked": False})
    retry_incident(db, timer_of(db, case.id).id, clock.now())
    assert sweep.sweep().count(Outcome.FIRED) == 1
    assert services.get_case(coach, case.id).state == "evaluated"
    with pytest.raises(NotFound):
        retry_incident(db, timer_of(db, case.id).id, clock.now())


def test_one_broken_case_never_blocks_the_sweep(world, db, registry, clock):
    services, coach, org = world
    broken = start(services, coach, org, timedelta(0), blocked=True)
    fine = [start(services, coach, org, timedelta(minutes=i)) for i in range(1, 4)]
    clock.advance(timedelta(minutes=5))
    report = sweeper(db, registry, clock, "w1").sweep()
    assert report.count(Outcome.FIRED) == 3 and report.count(Outcome.RETRY) == 1
    assert [services.get_case(coach, c.id).state for c in fine] == ["evaluated"] * 3
    assert services.get_case(coach, broken.id).state == "planned"


def test_a_batch_shares_one_connection_and_a_failing_timer_takes_only_its_own_transaction_back(
    world, db, registry, clock
):
    services, coach, org = world
    cases = [start(services, coach, org, timedelta(minutes=i), blocked=(i == 2)) for i in range(6)]
    clock.advance(timedelta(minutes=10))
    checkouts = []

    def checkout(*_args) -> None:
        checkouts.append(1)

    event.listen(db.engine, "checkout", checkout)
    try:
        report = sweeper(db, registry, clock, "w1").sweep()
    finally:
        event.remove(db.engine, "checkout", checkout)
    assert report.count(Outcome.FIRED) == 5 and report.count(Outcome.RETRY) == 1
    assert [services.get_case(coach, c.id).state for c in cases] == ["evaluated"] * 2 + ["planned"] + ["evaluated"] * 3
    assert [evaluations(db, c.id) for c in cases] == [1, 1, 0, 1, 1, 1]
    broken = timer_of(db, cases[2].id)
    assert (broken.status, broken.attempts) == ("pending", 1)
    # Two claims (the batch, then nothing left), the batch's connection, the failure's record
    # and a fresh connection for the timers after it: not one checkout per timer.
    assert len(checkouts) == 5, len(checkouts)
    with db.read() as s:
        assert verify_all(s, registry) == (6, [])


def test_a_stale_case_from_a_racing_user_is_retried_soon_not_counted_as_a_failure(world, db, registry, clock):
    services, coach, org = world
    case = start(services, coach, org, timedelta(0))
    sweep = sweeper(db, registry, clock, "w1", max_attempts=1)
    timer_workflow.FAULTS.append(StaleCase(case.id))
    assert sweep.sweep().count(Outcome.TRANSIENT) == 1
    timer = timer_of(db, case.id)
    assert (timer.status, timer.attempts) == ("pending", 0), "not an attempt: max_attempts=1 would make it an incident"
    clock.advance(timedelta(seconds=5))
    assert sweep.sweep().count(Outcome.FIRED) == 1
    assert evaluations(db, case.id) == 1


def test_a_claimed_timer_waits_for_its_lease_and_the_first_worker_cannot_fire_it_after_a_takeover(
    world, db, registry, clock
):
    services, coach, org = world
    case = start(services, coach, org, timedelta(0))
    first = sweeper(db, registry, clock, "first", lease=timedelta(seconds=60))
    second = sweeper(db, registry, clock, "second", lease=timedelta(seconds=60))
    [timer_id] = first.claim()  # ... and then the first worker hangs

    assert second.claim() == [], "the lease is still valid"
    clock.advance(timedelta(seconds=61))
    assert second.claim() == [timer_id]
    assert second.fire(timer_id) is Outcome.FIRED
    assert first.fire(timer_id) is Outcome.LOST, "the first worker wakes up: its lease is gone"
    assert evaluations(db, case.id) == 1
    assert timer_of(db, case.id).locked_by == "second"


def test_a_stopping_worker_gives_back_the_rest_of_its_batch(world, db, registry, clock):
    services, coach, org = world
    for _ in range(3):
        start(services, coach, org, timedelta(0))
    sweep = sweeper(db, registry, clock, "w1")
    ids = sweep.claim()
    assert sweep.fire(ids[0]) is Outcome.FIRED
    sweep.release(ids[1:])
    with db.read() as s:
        rows = s.execute(select(Timer.status, Timer.locked_by).where(Timer.id.in_(ids[1:]))).all()
    assert rows == [("pending", None), ("pending", None)]
    stop = threading.Event()
    stop.set()
    assert sweep.sweep(stop).claimed == 0
    assert sweeper(db, registry, clock, "w2").sweep().count(Outcome.FIRED) == 2


def test_two_sweepers_in_threads_fire_every_timer_exactly_once(world, db, registry, clock):
    services, coach, org = world
    cases = [start(services, coach, org, timedelta(seconds=i)) for i in range(60)]
    clock.advance(timedelta(minutes=1))
    sweeps = [sweeper(db, registry, clock, f"t{i}", batch_size=5) for i in range(2)]
    threads = [threading.Thread(target=s.sweep) for s in sweeps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not t.is_alive() for t in threads)
    with db.read() as s:
        per_case = dict(s.execute(
            select(AuditEntry.case_id, AuditEntry.seq).where(AuditEntry.trigger == "evaluate")).all())
        assert sorted(per_case) == sorted(c.id for c in cases)
        assert set(s.scalars(select(Timer.status))) == {"fired"}
        assert set(s.scalars(select(Case.state))) == {"evaluated"}
        checked, problems = verify_all(s, registry)
    assert evaluations(db) == 60
    assert checked == 60 and problems == []


def test_a_claim_takes_at_most_one_batch_in_due_order(db, registry, clock):
    # Bulk-inserted rows (as after a restore or a big import) once made PostgreSQL's planner
    # rescan a `LIMIT ... SKIP LOCKED` subquery and claim every due timer at once.
    seed_due_timers(db, 300, now=clock.now())
    sweep = sweeper(db, registry, clock, "w1")
    ids = sweep.claim(limit=25)
    with db.read() as s:
        claimed = s.scalars(select(Timer.id).where(Timer.status == "claimed").order_by(Timer.due_at)).all()
        first_due = s.scalars(select(Timer.id).order_by(Timer.due_at, Timer.id).limit(25)).all()
    assert ids == claimed == first_due
