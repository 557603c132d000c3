"""One trajectory's history, told through the real use cases on a clock that starts in the past."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from engine.clock import FixedClock
from engine.jobs.timers import TimerSweep
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Task
from engine.task_services import TaskServices
from engine.workdays import AMSTERDAM, is_working_day
from workflows.domain import invra
from workflows.usecases.company_services import CompanyServices


class Story:
    """One trajectory's history: real use cases on a clock that starts `days_ago` days back."""

    def __init__(self, services: Services, days_ago: int) -> None:
        self.real_now = services.clock.now()
        today = self.real_now.astimezone(AMSTERDAM).date()
        self.start = today - timedelta(days=days_ago)
        self.clock = FixedClock(datetime.combine(self.start, time(9, 0), tzinfo=AMSTERDAM))
        self.services = replace(services, clock=self.clock)
        self.company = CompanyServices(self.services)
        self.case_id = 0

    def run_timers(self) -> None:
        """Fire what fell due up to the story's now, as the scheduler would have."""
        sweep = TimerSweep(self.services.db, self.services.registry, self.clock, worker_id="demo")
        while sweep.sweep().claimed:
            pass

    def date_of(self, n: int) -> str:
        """The first working day on or after day `n` of the story, as YYYY-MM-DD."""
        day = self.start + timedelta(days=n)
        while not is_working_day(day):
            day += timedelta(days=1)
        return day.isoformat()

    def day(self, n: int, hour: int = 9) -> str:
        """Move the story's clock to day `n` (never past the real now); returns the date."""
        moment = datetime.combine(date.fromisoformat(self.date_of(n)), time(hour, 0), tzinfo=AMSTERDAM)
        moment = min(moment, self.real_now - timedelta(minutes=5))
        if moment > self.clock.now():
            self.clock.advance(moment - self.clock.now())
        return self.clock.now().astimezone(AMSTERDAM).date().isoformat()

    def begin(self, actor: Actor, organisation_id: int) -> None:
        self.case_id = self.company.start_trajectory(actor, organisation_id).id

    def fire(self, actor: Actor, trigger: str, payload: dict[str, Any] | None = None, **kw: Any) -> None:
        self.services.perform(actor, self.case_id, trigger, payload or {}, **kw)

    def take_task(self, actor: Actor, key: str) -> None:
        """The actor takes an open task of their role from the queue (shows in 'Mijn taken')."""
        with self.services.db.read() as s:
            task_id = s.scalar(select(Task.id).where(Task.case_id == self.case_id, Task.key == key,
                                                     Task.status == "open"))
        TaskServices(self.services).take(actor, task_id)


def _levels(levels: str) -> dict[str, int]:
    """A profile from a string of levels, one digit per competence in order."""
    return {code: int(level) for code, level in zip(invra.CODES, levels, strict=False)}


def _profile(levels: str) -> dict[str, dict[str, int]]:
    """A werkplekprofiel from a string of levels, one digit per competence in order."""
    return {"levels": _levels(levels)}


# With running plans, the bakery's two plans started this many days before now (four months in).
