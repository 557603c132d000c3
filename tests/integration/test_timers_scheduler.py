"""APScheduler only ticks: one interval job per sweep, never more than one at a time, first run at once.

No test starts APScheduler's clock; the jobs' configuration and the ticks are checked directly.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.interval import IntervalTrigger

from engine.jobs.outbox import OutboxSweep, SmtpSettings
from engine.jobs.reminders import ReminderSweep
from engine.jobs.scheduler import Sweeps, build_scheduler
from engine.jobs.timers import TimerSweep
from engine.registry import Registry
from engine.store.models import WorkerHeartbeat
from tests.helpers import count
from tests.smtp import free_port
from tests.timer_workflow import EVALUATION
from webui import create_app
from workflows.usecases.access import JobAccessPolicy


def make_sweeps(db, clock) -> Sweeps:
    registry = Registry()
    registry.register(EVALUATION)
    return Sweeps(
        db=db, clock=clock, timers=TimerSweep(db, registry, clock),
        outbox=OutboxSweep(db, clock, SmtpSettings(port=free_port(), timeout=1)),
        reminders=ReminderSweep(db, clock, JobAccessPolicy(db)),
    )


def test_each_sweep_is_one_interval_job_that_never_overlaps_itself_and_first_runs_at_start(db, clock):
    before = datetime.now(UTC)
    scheduler = build_scheduler(make_sweeps(db, clock), interval_seconds=15, reminder_interval_seconds=60)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"heartbeat", "timers", "reminders", "outbox"}
    for job in jobs.values():
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.max_instances == 1 and job.coalesce is True
        assert job.next_run_time - before < timedelta(seconds=5), "catch-up: the first run is at start-up"
    assert jobs["timers"].trigger.interval == timedelta(seconds=15)
    assert jobs["reminders"].trigger.interval == timedelta(seconds=60)
    assert not scheduler.running


def test_a_tick_survives_a_failing_sweep_and_the_heartbeat_comes_and_goes(db, clock):
    sweeps = make_sweeps(db, clock)
    sweeps.heartbeat_tick()
    assert count(db, WorkerHeartbeat, WorkerHeartbeat.worker_id == sweeps.worker_id) == 1
    result = sweeps.run_once()  # the SMTP server is unreachable: logged, never raised
    assert result["outbox"].claimed == 0 and result["timers"].claimed == 0
    broken = make_sweeps(db, clock)
    broken.timers.sweep = lambda stop=None: 1 / 0  # type: ignore[method-assign]
    assert broken.timers_tick() is None
    sweeps.shutdown()
    assert count(db, WorkerHeartbeat) == 0


def test_create_app_never_starts_a_scheduler(db_url):
    before = {t.name for t in threading.enumerate()}
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True})
    after = {t.name for t in threading.enumerate()}
    assert after == before
    app.extensions["jobtraject"].db.dispose()
