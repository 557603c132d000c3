"""APScheduler only ticks: interval jobs that call the sweeps. Nothing else lives here.

What is due is in our own tables (`Timer`, `OutboxMessage`, `NotificationLog`), never in
APScheduler's job store. Every job has `max_instances=1, coalesce=True` and first runs at
start-up, which is the catch-up after downtime. Any number of processes may run this at
once: the sweeps claim with leases and dedupe keys. Never started by `create_app()`: the
`jobtraject serve` and `jobtraject worker` commands decide.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from engine.clock import Clock
from engine.jobs.outbox import OutboxSweep
from engine.jobs.reminders import ReminderSweep
from engine.jobs.timers import TimerSweep
from engine.jobs.workers import beat, forget, make_worker_id
from engine.store.db import Database

log = logging.getLogger("jobtraject.scheduler")


@dataclass
class Sweeps:
    """The periodic work of one scheduler process, each tick safe to run anywhere."""

    db: Database
    clock: Clock
    timers: TimerSweep
    outbox: OutboxSweep
    reminders: ReminderSweep
    worker_id: str = field(default_factory=lambda: make_worker_id("scheduler"))
    stop: threading.Event = field(default_factory=threading.Event)
    started_at: datetime | None = None
    # Daily housekeeping of the domain (e.g. erasure after the retention period), by name.
    daily: dict[str, Callable[[], Any]] = field(default_factory=dict)

    def _guarded(self, name: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - a tick never kills the scheduler; the next one retries
            # Class name only: database errors carry SQL parameters, i.e. personal data.
            log.error("%s sweep failed: %s", name, type(exc).__name__)
            return None

    def timers_tick(self) -> Any:
        report = self._guarded("timer", lambda: self.timers.sweep(self.stop))
        if report and report.claimed:
            log.info("timers: %s claimed, %s", report.claimed, report.outcomes)
        return report

    def outbox_tick(self) -> Any:
        report = self._guarded("outbox", lambda: self.outbox.sweep(self.stop))
        if report and report.claimed:
            log.info("outbox: %s claimed, %s sent, %s retry, %s incident(s)", report.claimed, report.sent,
                     report.retry, report.incidents)
        return report

    def reminders_tick(self) -> Any:
        report = self._guarded("reminder", self.reminders.sweep)
        if report and report.mails:
            log.info("reminders: %s mail(s) queued", report.mails)
        return report

    def daily_tick(self, name: str) -> Any:
        result = self._guarded(name, self.daily[name])
        log.info("%s: done", name)
        return result

    def heartbeat_tick(self) -> None:
        now = self.clock.now()
        self.started_at = self.started_at or now
        self._guarded("heartbeat", lambda: beat(self.db, self.worker_id, now, self.started_at or now))

    def run_once(self) -> dict[str, Any]:
        """Every sweep once, in the order that lets a fired timer's mail go out at once."""
        self.heartbeat_tick()
        return {
            "timers": self.timers_tick(),
            "reminders": self.reminders_tick(),
            "outbox": self.outbox_tick(),
        }

    def shutdown(self) -> None:
        self.stop.set()
        self._guarded("heartbeat", lambda: forget(self.db, self.worker_id))


def build_scheduler(
    sweeps: Sweeps,
    *,
    interval_seconds: float = 15.0,
    reminder_interval_seconds: float = 60.0,
    blocking: bool = False,
) -> BaseScheduler:
    """A Background- or BlockingScheduler with one interval job per sweep, first run at once."""
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        timezone=UTC,
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        executors={"default": {"type": "threadpool", "max_workers": 4}},
    )
    start = datetime.now(UTC)
    jobs: list[tuple[str, Callable[[], Any], float, float]] = [
        ("heartbeat", sweeps.heartbeat_tick, interval_seconds, 0.0),
        ("timers", sweeps.timers_tick, interval_seconds, 0.5),
        ("reminders", sweeps.reminders_tick, reminder_interval_seconds, 1.0),
        ("outbox", sweeps.outbox_tick, interval_seconds, 2.0),
    ]
    for name in sweeps.daily:
        jobs.append((name, lambda n=name: sweeps.daily_tick(n), 24 * 3600.0, 5.0))
    for job_id, fn, every, offset in jobs:
        scheduler.add_job(
            fn, "interval", seconds=every, id=job_id, name=job_id, max_instances=1, coalesce=True,
            next_run_time=start + timedelta(seconds=offset), replace_existing=True,
        )
    return scheduler


def stop_scheduler(scheduler: BaseScheduler, sweeps: Sweeps) -> None:
    """Ask running sweeps to stop between timers, wait for them, forget our heartbeat."""
    sweeps.stop.set()
    if scheduler.running:
        scheduler.shutdown(wait=True)
    sweeps.shutdown()
