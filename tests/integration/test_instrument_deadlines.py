"""An instrument's deadlines through timers and standing tasks, on SQLite and PostgreSQL: the
application deadline, the decision term and the end date each open a task once, remind once
(mail received by a real SMTP server), move with their date and go with the instrument."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.jobs.outbox import OutboxSweep, SmtpSettings
from engine.jobs.reminders import ReminderSettings, ReminderSweep
from engine.store.models import Task, Timer, User
from tests.plan_world import make_world, run_due_timers
from workflows.domain import candidate_plan as plan
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.money_services import MoneyServices

START = date(2026, 11, 30)
DECISION = "instrument_decision:no_riskpolis"
END = "instrument_end:no_riskpolis"


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


def _at(w, day: date) -> None:
    """Midnight of `day`: the timer sweep runs (it catches up on anything due before)."""
    w.clock.set(plan.local_midnight(day))
    run_due_timers(w.services, w.clock.now())


def _tasks(w, case_id, key):
    with w.db.read() as s:
        return [(t.status, t.role, t.title, t.due_at.date() if t.due_at else None) for t in s.scalars(
            select(Task).where(Task.case_id == case_id, Task.key == key).order_by(Task.id))]


def _update(w, case_id, **payload):
    w.services.perform(w.job, case_id, "update_instrument", {"kind": "no_riskpolis", **payload})


def _remind_and_send(w, smtp_server) -> None:
    """Two reminder sweeps and two mail sweeps: what is due is queued and sent once."""
    reminders = ReminderSweep(w.db, w.clock, JobAccessPolicy(w.db), ReminderSettings(base_url="https://jt.example"))
    mail = OutboxSweep(w.db, w.clock, SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5,
                                                   mail_from="jobtraject <noreply@job.example>"), worker_id="t")
    for _ in range(2):
        reminders.sweep()
        mail.sweep()


def test_a_late_decision_opens_a_task_for_job_that_reminds_once_and_closes_with_the_decision(world, smtp_server):
    w = world
    with w.db.write() as s:
        s.get(User, w.job.user_id).notify = "all"
    case = w.start(START)
    _update(w, case.id, status="aangevraagd", applied_on="2026-12-01")  # the term: 8 weeks (example setting)
    _at(w, date(2027, 1, 25))
    assert _tasks(w, case.id, DECISION) == []
    _at(w, date(2027, 1, 26))  # 8 weeks after the application
    assert _tasks(w, case.id, DECISION) == [
        ("open", "job", "Besluit over No-riskpolis navragen (beslistermijn verstreken)", date(2027, 2, 2))]

    w.clock.set(plan.end_of_day(date(2027, 2, 2)) - timedelta(days=2))
    _remind_and_send(w, smtp_server)
    _at(w, date(2027, 2, 2))
    _remind_and_send(w, smtp_server)
    [mail] = smtp_server.to("sanne@job.example")
    assert mail.message["Subject"] == ("Herinnering: Besluit over No-riskpolis navragen (beslistermijn verstreken) "
                                       "(uiterlijk di 2 feb 2027)")

    _update(w, case.id, status="toegekend", applied_on="2026-12-01", decided_on="2027-01-31",
            starts_on="2027-02-01", ends_on="2027-07-31")
    assert [t[0] for t in _tasks(w, case.id, DECISION)] == ["done"]
    assert _tasks(w, case.id, END) == []  # opens 30 days (example setting) before the end
    _at(w, date(2027, 7, 1))
    [(status, role, title, due)] = _tasks(w, case.id, END)
    assert (status, role, title, due) == ("open", "job", "No-riskpolis loopt af: verlengen of vervolg regelen",
                                          date(2027, 7, 31))
    _at(w, date(2027, 7, 10))
    assert len(_tasks(w, case.id, END)) == 1  # it fired once


def test_an_end_date_task_moves_with_the_end_date_and_goes_when_the_instrument_ends(world):
    w = world
    case = w.start(START)
    _update(w, case.id, status="toegekend", decided_on="2026-12-01", starts_on="2026-12-01", ends_on="2027-01-30")
    _at(w, date(2026, 12, 31))  # 30 days before the end
    assert [t[0] for t in _tasks(w, case.id, END)] == ["open"]

    _update(w, case.id, status="toegekend", decided_on="2026-12-01", starts_on="2026-12-01", ends_on="2027-03-31")
    assert [t[0] for t in _tasks(w, case.id, END)] == ["done"]  # not due yet: it waits for the new date
    _at(w, date(2027, 2, 28))
    assert [t[0] for t in _tasks(w, case.id, END)] == ["done"]
    _at(w, date(2027, 3, 1))
    assert [t[0] for t in _tasks(w, case.id, END)] == ["done", "open"]

    _update(w, case.id, status="beeindigd", starts_on="2026-12-01", ends_on="2027-03-15")
    assert [t[0] for t in _tasks(w, case.id, END)] == ["done", "done"]
    with w.db.read() as s:
        pending = s.scalars(select(Timer.trigger).where(Timer.case_id == case.id, Timer.status == "pending")).all()
    assert "instrument_deadline" not in pending
    assert MoneyServices(w.services).instruments(w.job, case.id)[1].status == "beeindigd"
