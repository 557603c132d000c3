"""Day 0 to month 12 by the calendar alone: every evaluation falls due on its date, exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.audit import verify_all
from engine.clock import ensure_utc
from engine.store.models import AuditEntry, Task, Timer
from tests.plan_world import make_world, run_due_timers
from workflows.domain import candidate_plan as plan
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER
from workflows.domain.rules import add_months

START = date(2026, 11, 30)  # a Monday; the clock starts a week before


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


def _drive(world, until: date) -> None:
    """Advance the clock one Dutch day at a time, running the timer sweep at each midnight."""
    day = world.clock.now().astimezone(plan.AMSTERDAM).date() + timedelta(days=1)
    while day <= until:
        world.clock.set(plan.local_midnight(day))
        run_due_timers(world.services, world.clock.now())
        day += timedelta(days=1)


def test_a_plan_runs_from_day_0_to_month_12_by_advancing_time_and_the_sweep_only(world, db):
    case = world.start(START)
    milestones = plan.schedule(case.data)
    closing = milestones[-1]
    assert closing.key == "eind" and closing.due_on == add_months(START, 12) - timedelta(days=1)

    _drive(world, closing.due_on)
    world.clock.advance(timedelta(hours=12))  # midday on the last day of the plan year

    with db.read() as s:
        trail = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.seq)).all()
        tasks = s.scalars(select(Task).where(Task.case_id == case.id)).all()
        timers = s.scalars(select(Timer).where(Timer.case_id == case.id)).all()
        checked, problems = verify_all(s, world.services.registry)
    assert problems == [] and checked == 2  # the plan and the trajectory whose hire started it

    # The phases followed the calendar: each boundary crossed once, at the start of its day.
    phase_moves = [(e.trigger, ensure_utc(e.at)) for e in trail if e.trigger.startswith("begin_")]
    assert phase_moves == [
        ("begin_inwerken", plan.local_midnight(START)),
        ("begin_afbouw", plan.local_midnight(START + timedelta(days=14))),
        ("begin_maand2", plan.local_midnight(add_months(START, 1))),
        ("begin_maand3", plan.local_midnight(add_months(START, 2))),
        ("begin_vervolg", plan.local_midnight(add_months(START, 3))),
        ("begin_afsluiting", plan.local_midnight(add_months(START, 11))),
    ]

    # Every milestone fell due exactly once, notice_days before its date ...
    opened = Counter(e.trigger for e in trail if e.trigger.startswith("open_"))
    assert opened == Counter(f"open_{m.key}" for m in milestones)
    assert len(milestones) == 11  # week 4, month 2 (2), month 3, six regular evaluations, month 12
    opened_at = {e.trigger.removeprefix("open_"): ensure_utc(e.at) for e in trail if e.trigger.startswith("open_")}
    for m in milestones:
        assert m.opens_on == m.due_on - timedelta(days=7)
        assert opened_at[m.key] == plan.local_midnight(m.opens_on), m.key

    # ... with its tasks: one per role, opened then, due at the end of its date, Harrie's assigned to him.
    by_key = Counter(t.key for t in tasks)
    for m in milestones:
        for role, _title in plan.KIND_BY_KEY[m.key].roles:
            key = f"{m.key}:{role}"
            assert by_key[key] == 1, key
            task = next(t for t in tasks if t.key == key)
            assert ensure_utc(task.created_at) == opened_at[m.key]
            assert ensure_utc(task.due_at) == plan.end_of_day(m.due_on)
            assert task.status == "open"
            assert task.assignee_id == (world.harrie.user_id if role == HARRIE else None)
    assert {t.role for t in tasks if t.key.startswith("week4:")} == {JOB, HARRIE, OPDRACHTGEVER}

    # Nothing else is waiting, and no timer fired twice.
    assert [t for t in timers if t.status == "pending"] == []
    assert all(t.attempts == 1 for t in timers if t.status == "fired")
    assert len([t for t in timers if t.status == "fired"]) == len(milestones) + 6

    # The plan is in month 12; every unrecorded evaluation whose date has passed shows "te laat".
    overview = world.plans.plan_overview(world.job, case.id)
    assert overview.state == "afsluiting"
    assert overview.status_label == "Maand 12: afsluiting · te laat"
    assert [(e.key, e.status) for e in overview.timeline if e.status != "te_laat"] == [("eind", "open")]
    assert overview.signoff.label == "Niet ondertekend"


def test_the_sweep_catches_up_after_downtime_each_milestone_once_in_due_order(world, db):
    case = world.start(START)
    world.clock.set(plan.local_midnight(add_months(START, 2) + timedelta(days=3)))
    fired = run_due_timers(world.services, world.clock.now())
    triggers = [t for _, t, _ in fired]
    assert triggers == ["begin_inwerken", "begin_afbouw", "open_week4", "begin_maand2", "open_invra_observatie",
                        "open_proefplaatsing", "begin_maand3"]
    assert [due for _, _, due in fired] == sorted(due for _, _, due in fired)
    assert run_due_timers(world.services, world.clock.now()) == []
    overview = world.plans.plan_overview(world.job, case.id)
    assert [(e.key, e.status) for e in overview.timeline[:3]] == [
        ("week4", "te_laat"), ("invra_observatie", "te_laat"), ("proefplaatsing", "te_laat")]
