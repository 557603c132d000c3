"""A user racing a timer on the same case, and clocks that jump: nothing illegal, nothing twice, nothing skipped.

In-process (threads, FixedClock) on SQLite and PostgreSQL; the invariant checker runs after each test.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.errors import EngineError
from engine.jobs.outbox import OutboxSweep, SmtpSettings
from engine.jobs.timers import Outcome, TimerSweep
from engine.services import Services
from engine.store.models import AuditEntry, Case, OutboxMessage, Timer
from tests.faults.harness import assert_nothing_lost, fault_log, registry
from tests.helpers import make_org, make_user
from workflows.domain.roles import JOB

pytestmark = pytest.mark.slow
RACES = 50
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def world(db, clock):
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    return Services(db=db, registry=registry(), clock=clock), coach, org


def start(services: Services, coach, org, due: datetime, **data):
    return services.start_case(coach, "evaluation", {"evaluate_at": due.isoformat(), "coach_id": coach.user_id,
                                                     **data}, organisation_id=org)


def test_a_user_withdrawing_a_case_while_its_timer_fires_never_gives_an_illegal_transition_or_two_mails(
    world, db, clock, smtp_server
):
    services, coach, org = world
    sweeper = TimerSweep(db, services.registry, clock, worker_id="racer")
    results: dict[str, int] = {}
    for i in range(RACES):
        case = start(services, coach, org, clock.now(), mail_coach=True)
        assert sweeper.claim() != []
        gate = threading.Barrier(2)
        outcome: dict[str, str] = {}

        def user(case_id: int = case.id, out: dict = outcome, barrier=gate) -> None:
            barrier.wait()
            try:
                services.fire_trigger(coach, case_id, "withdraw", request_id=f"race-{case_id}")
                out["user"] = "withdrawn"
            except EngineError as exc:  # the loser is told, in Dutch; never a crash
                out["user"] = exc.code

        def timer(case_id: int = case.id, out: dict = outcome, barrier=gate) -> None:
            with db.read() as s:
                timer_id = s.scalar(select(Timer.id).where(Timer.case_id == case_id))
            barrier.wait()
            out["timer"] = sweeper.fire(timer_id).value

        threads = [threading.Thread(target=user), threading.Thread(target=timer)]
        if i % 2:
            threads.reverse()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads)
        while outcome["timer"] == Outcome.TRANSIENT.value:  # lost the row lock: tried again soon
            clock.advance(timedelta(seconds=10))
            report = sweeper.sweep()
            outcome["timer"] = next(iter(report.outcomes), outcome["timer"])
        key = f"user {outcome['user']} / timer {outcome['timer']}"
        results[key] = results.get(key, 0) + 1
        with db.read() as s:
            state = s.scalar(select(Case.state).where(Case.id == case.id))
            mails = s.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.dedupe_key.like(f"evaluation-started:{case.id}:%")))
        if outcome["user"] == "withdrawn":
            assert (state, outcome["timer"], mails) == ("closed", "skipped", 0), key
        else:
            assert outcome["user"] in {"transition_not_allowed", "stale"}, key
            assert (state, outcome["timer"], mails) == ("evaluated", "fired", 1), key
    while OutboxSweep(db, clock, SmtpSettings(port=smtp_server.port, timeout=5), worker_id="m").sweep().claimed:
        pass
    fault_log("user racing a timer", kind=db.dialect, races=RACES, outcomes=results)
    withdrawn = sum(n for k, n in results.items() if k.startswith("user withdrawn"))
    assert_nothing_lost(db, services.registry, clock.now(), label=f"race {db.dialect}",
                        acknowledged=[f"race-{cid}" for cid in _withdrawn_ids(db)],
                        delivered=[m.message["Message-ID"] for m in smtp_server.messages])
    assert len(smtp_server.messages) == RACES - withdrawn, "one mail per evaluation, none for a withdrawn case"


def _withdrawn_ids(db) -> list[int]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry.case_id).where(AuditEntry.trigger == "withdraw")))


def test_a_clock_jump_of_400_days_forward_fires_every_timer_in_the_gap_once(world, db, clock):
    services, coach, org = world
    rng = random.Random(11)
    start_at = clock.now()
    ids = [start(services, coach, org, start_at + timedelta(minutes=rng.randrange(1, 400 * 24 * 60))).id
           for _ in range(120)]
    later = start(services, coach, org, start_at + timedelta(days=401)).id
    clock.advance(timedelta(days=400))
    sweeper = TimerSweep(db, services.registry, clock, worker_id="after-jump")
    assert sweeper.sweep().count(Outcome.FIRED) == len(ids)
    assert sweeper.sweep().claimed == 0, "a second sweep finds nothing"
    with db.read() as s:
        assert s.scalar(select(Timer.status).where(Timer.case_id == later)) == "pending"
    fault_log("clock jump forward", kind=db.dialect, days=400, timers=len(ids) + 1)
    assert_nothing_lost(db, services.registry, clock.now(), label=f"clock +400 days {db.dialect}")


def test_a_clock_jumping_back_an_hour_refires_nothing_and_fires_nothing_early(world, db, clock):
    services, coach, org = world
    t0 = clock.now()
    due = {start(services, coach, org, t0 + timedelta(minutes=m)).id: t0 + timedelta(minutes=m)
           for m in range(5, 120, 10)}
    sweeper = TimerSweep(db, services.registry, clock, worker_id="jumpy")
    clock.set(t0 + timedelta(minutes=60))
    first = sweeper.sweep().count(Outcome.FIRED)
    assert first == 6  # due at 5, 15, ..., 55 minutes
    clock.set(t0 + timedelta(minutes=0))  # back an hour (a bad NTP step, a wrong manual setting)
    assert sweeper.sweep().claimed == 0, "what fired stays fired; nothing fires early"
    fired = {first}
    for minute in range(0, 130, 7):  # time moves forward again, past the original moment
        clock.set(t0 + timedelta(minutes=minute))
        fired.add(sweeper.sweep().count(Outcome.FIRED))
    with db.read() as s:
        rows = s.execute(select(Timer.case_id, Timer.fired_at).where(Timer.status == "fired")).all()
    assert len(rows) == len(due)
    for case_id, fired_at in rows:
        assert fired_at.replace(tzinfo=UTC) >= due[case_id], "never early"
    fault_log("clock jump backward", kind=db.dialect, minutes=60, timers=len(due))
    assert_nothing_lost(db, services.registry, clock.now(), label=f"clock -1 h {db.dialect}")


def test_timers_in_the_repeated_hour_of_the_autumn_dst_switch_each_fire_once_at_their_instant(world, db, clock):
    """25 October 2026: 02:00-03:00 happens twice in Amsterdam; 02:30 (CEST) and 02:30 (CET) are
    two instants an hour apart, stored in UTC; the sweep steps through the night in local time."""
    services, coach, org = world
    night = datetime(2026, 10, 25, 2, 30, tzinfo=AMSTERDAM)
    first, second = night.replace(fold=0).astimezone(UTC), night.replace(fold=1).astimezone(UTC)
    assert second - first == timedelta(hours=1)
    clock.set(datetime(2026, 10, 24, 22, 0, tzinfo=UTC))
    a = start(services, coach, org, first).id
    b = start(services, coach, org, second).id
    sweeper = TimerSweep(db, services.registry, clock, worker_id="dst")
    fired_at: dict[int, datetime] = {}
    for minutes in range(0, 6 * 60, 15):
        clock.set(datetime(2026, 10, 24, 22, 0, tzinfo=UTC) + timedelta(minutes=minutes))
        sweeper.sweep()
        with db.read() as s:
            for case_id, at in s.execute(select(Timer.case_id, Timer.fired_at).where(Timer.status == "fired")):
                fired_at.setdefault(case_id, at.replace(tzinfo=UTC))
    assert fired_at[a] - first < timedelta(minutes=15) and fired_at[a] >= first
    assert fired_at[b] - second < timedelta(minutes=15) and fired_at[b] >= second
    fault_log("DST night", kind=db.dialect, timers=2)
    assert_nothing_lost(db, services.registry, clock.now(), label=f"DST {db.dialect}")
