"""After downtime every evaluation that fell due fires once, late, in due order."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from engine.audit import verify_all
from engine.jobs.timers import Outcome, TimerSettings, TimerSweep
from engine.registry import Registry
from engine.services import Services
from engine.store.models import AuditEntry, Timer
from tests.helpers import make_org, make_user
from tests.timer_workflow import EVALUATION
from workflows.domain.roles import JOB


def test_clock_moved_three_days_forward_fires_each_missed_evaluation_once_in_due_order(db, clock):
    registry = Registry()
    registry.register(EVALUATION)
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    services = Services(db=db, registry=registry, clock=clock)
    start = clock.now()

    # Evaluations due every few hours over the three days, created in shuffled order.
    offsets = [timedelta(hours=h) for h in range(1, 72, 5)]
    random.Random(7).shuffle(offsets)
    due_by_case = {}
    for offset in offsets:
        case = services.start_case(coach, "evaluation", {"evaluate_at": (start + offset).isoformat()},
                                   organisation_id=org)
        due_by_case[case.id] = start + offset
    later = services.start_case(coach, "evaluation",
                                {"evaluate_at": (start + timedelta(days=3, minutes=1)).isoformat()},
                                organisation_id=org)

    clock.advance(timedelta(days=3))  # the system was down; nothing swept meanwhile
    sweep = TimerSweep(db, registry, clock, TimerSettings(batch_size=4), worker_id="after-restart")
    report = sweep.sweep()

    assert report.count(Outcome.FIRED) == len(offsets)
    with db.read() as s:
        fired = s.execute(
            select(AuditEntry.case_id, AuditEntry.at).where(AuditEntry.trigger == "evaluate").order_by(AuditEntry.id)
        ).all()
        later_timer = s.scalars(select(Timer).where(Timer.case_id == later.id)).one()
        checked, problems = verify_all(s, registry)
    assert [case_id for case_id, _at in fired] == sorted(due_by_case, key=due_by_case.get), "due order"
    assert len({case_id for case_id, _ in fired}) == len(fired), "each once"
    assert all(at.replace(tzinfo=None) == clock.now().replace(tzinfo=None) for _, at in fired), "late, at restart"
    assert later_timer.status == "pending", "a timer due after the restart moment waits"
    assert problems == [] and checked == len(offsets) + 1

    assert sweep.sweep().claimed == 0, "a second sweep finds nothing more"
    clock.advance(timedelta(minutes=1))
    assert sweep.sweep().count(Outcome.FIRED) == 1
