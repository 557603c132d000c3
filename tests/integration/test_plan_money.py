"""The plan's money through the one write path, on SQLite and PostgreSQL: instruments with a
deadline that opens a task and reminds once, closing an hours period, work level and training."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from engine.audit import verify_all
from engine.errors import InvalidPayload, NotPermitted
from engine.jobs.outbox import OutboxSweep, SmtpSettings
from engine.jobs.reminders import ReminderSettings, ReminderSweep
from engine.store.models import AuditEntry, NotificationLog, OutboxMessage, Task, User
from tests.plan_world import make_world, run_due_timers
from workflows.domain import candidate_plan as plan
from workflows.storage.money_models import HoursPeriod, PlacementInstrument
from workflows.storage.plan_models import CoachingEntry
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.money_services import MoneyServices

START = date(2026, 11, 30)  # the clock starts a week before


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


def _perform(w, actor, case_id, action, payload):
    return w.services.perform(actor, case_id, action, payload)


def _tasks(w, case_id, key):
    with w.db.read() as s:
        return s.scalars(select(Task).where(Task.case_id == case_id, Task.key == key).order_by(Task.id)).all()


def _midnight_sweeps(w, until: date):
    day = w.clock.now().astimezone(plan.AMSTERDAM).date() + timedelta(days=1)
    while day <= until:
        w.clock.set(plan.local_midnight(day))
        run_due_timers(w.services, w.clock.now())
        day += timedelta(days=1)


def test_an_instrument_deadline_opens_the_employers_task_by_timer_and_reminds_the_contact_once(world, db,
                                                                                             smtp_server):
    w = world
    with db.write() as s:
        s.get(User, w.boss.user_id).notify = "all"
    case = w.start(START, contact_user_id=w.boss.user_id)
    deadline = date(2027, 1, 15)
    _perform(w, w.job, case.id, "update_instrument",
             {"kind": "loonkostensubsidie", "status": "aan_te_vragen", "apply_by": deadline.isoformat()})
    assert _tasks(w, case.id, "instrument:loonkostensubsidie") == []  # opens `notice_days` (7) before

    _midnight_sweeps(w, deadline - timedelta(days=8))
    assert _tasks(w, case.id, "instrument:loonkostensubsidie") == []
    _midnight_sweeps(w, deadline - timedelta(days=7))
    [task] = _tasks(w, case.id, "instrument:loonkostensubsidie")
    assert (task.status, task.role, task.assignee_id) == ("open", "opdrachtgever", w.boss.user_id)
    assert task.title == "Loonkostensubsidie aanvragen"
    _midnight_sweeps(w, deadline - timedelta(days=3))  # the timer fired once; nothing more opens
    assert len(_tasks(w, case.id, "instrument:loonkostensubsidie")) == 1

    sweep = ReminderSweep(db, w.clock, JobAccessPolicy(db), ReminderSettings(base_url="https://jt.example"))
    w.clock.set(plan.end_of_day(deadline) - timedelta(days=2))
    sweep.sweep()
    sweep.sweep()
    with db.read() as s:
        logged = s.scalars(select(NotificationLog).where(NotificationLog.task_id == task.id,
                                                         NotificationLog.kind == "reminder")).all()
        mails = s.scalars(select(OutboxMessage.subject).where(
            OutboxMessage.to_addr == "marieke@korenaar.example", OutboxMessage.subject.startswith("Herinnering"))).all()
    assert len(logged) == 1 and mails == ["Herinnering: Loonkostensubsidie aanvragen (uiterlijk vr 15 jan 2027)"]
    mailer = OutboxSweep(db, w.clock, SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5,
                                                   mail_from="jobtraject <noreply@job.example>"), worker_id="t")
    mailer.sweep()
    sweep.sweep()
    mailer.sweep()
    received = [m.message["Subject"] for m in smtp_server.to("marieke@korenaar.example")
                if m.message["Subject"].startswith("Herinnering")]
    assert received == ["Herinnering: Loonkostensubsidie aanvragen (uiterlijk vr 15 jan 2027)"]  # sent once

    w.services.perform(w.boss, case.id, "update_instrument", {
        "kind": "loonkostensubsidie", "status": "aangevraagd", "apply_by": deadline.isoformat(),
        "applied_on": (deadline - timedelta(days=2)).isoformat(), "amount_eur": "8400,50"})
    [task] = _tasks(w, case.id, "instrument:loonkostensubsidie")
    assert (task.status, task.completed_by_id) == ("done", w.boss.user_id)
    [line] = [i for i in MoneyServices(w.services).instruments(w.job, case.id) if i.kind == "loonkostensubsidie"]
    assert (line.status, str(line.amount_eur)) == ("aangevraagd", "8400.50")
    with db.read() as s:
        assert verify_all(s, w.services.registry)[1] == []


def test_a_deadline_within_the_notice_opens_the_task_at_once_and_a_refusal_shows_on_the_board(world, db):
    w = world
    case = w.start(START)
    _perform(w, w.job, case.id, "update_instrument",
             {"kind": "no_riskpolis", "status": "aan_te_vragen", "apply_by": "2026-11-25"})
    [task] = _tasks(w, case.id, "instrument:no_riskpolis")
    assert (task.status, task.role) == ("open", "job")
    _perform(w, w.job, case.id, "update_instrument",
             {"kind": "no_riskpolis", "status": "afgewezen", "applied_on": "2026-11-20", "decided_on": "2026-11-23"})
    assert _tasks(w, case.id, "instrument:no_riskpolis")[0].status == "done"
    board = MoneyServices(w.services).board(w.job)
    assert [(i.case_id, i.line.kind) for i in board.refused] == [(case.id, "no_riskpolis")]
    with pytest.raises(NotPermitted):
        MoneyServices(w.services).board(w.boss)


@pytest.mark.parametrize("payload, field, message", [
    ({"kind": "mobiliteitsbonus", "status": "aangevraagd"}, "applied_on", "Aangevraagd op"),
    ({"kind": "no_riskpolis", "status": "nvt", "amount_eur": "10"}, "amount_eur", "geen bedrag"),
    ({"kind": "jobcoach", "status": "toegekend", "decided_on": "2026-11-01", "starts_on": "2026-12-01",
      "applied_on": "2026-11-10"}, "decided_on", "voor de aanvraag"),
    ({"kind": "proefplaatsing", "status": "toegekend", "decided_on": "2026-11-20", "starts_on": "2026-11-30",
      "ends_on": "2027-06-01"}, "ends_on", "ten hoogste 6 maanden"),
    ({"kind": "werkplekvoorzieningen", "status": "aan_te_vragen", "apply_by": "2027-01-01",
      "amount_eur": "12,345"}, "amount_eur", "twee decimalen"),
])
def test_a_wrong_instrument_is_refused_on_its_field_and_nothing_is_written(world, db, payload, field, message):
    w = world
    case = w.start(START)
    with pytest.raises(InvalidPayload) as err:
        _perform(w, w.job, case.id, "update_instrument", payload)
    assert message in err.value.errors[field]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(PlacementInstrument)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.trigger == "update_instrument")) == 0


def test_a_closed_period_refuses_hours_in_it_and_keeps_the_totals_it_was_closed_with(world, db):
    w = world
    case = w.start(START)
    w.clock.set(plan.local_midnight(date(2027, 2, 10)))
    run_due_timers(w.services, w.clock.now())
    for day, hours in (("2027-01-04", "2"), ("2027-01-11", "1,5"), ("2027-02-01", "1")):
        _perform(w, w.job, case.id, "log_hours", {"worked_on": day, "hours": hours, "activity": "werkvloer"})
    with pytest.raises(InvalidPayload) as err:
        _perform(w, w.job, case.id, "close_period", {"month": "2027-02"})
    assert "nog niet voorbij" in err.value.errors["month"]
    _perform(w, w.job, case.id, "close_period", {"month": "2027-01"})
    with pytest.raises(InvalidPayload) as err:
        _perform(w, w.job, case.id, "close_period", {"month": "2027-01"})
    assert "al afgesloten" in err.value.errors["month"]

    with pytest.raises(InvalidPayload) as err:
        _perform(w, w.job, case.id, "log_hours", {"worked_on": "2027-01-20", "hours": "1", "activity": "evaluatie"})
    assert err.value.errors["worked_on"].startswith("De periode januari 2027 is afgesloten")
    _perform(w, w.job, case.id, "log_hours", {"worked_on": "2027-02-02", "hours": "1", "activity": "evaluatie"})

    with db.read() as s:
        [period] = s.scalars(select(HoursPeriod)).all()
        assert s.scalar(select(func.count()).select_from(CoachingEntry)) == 4
    # January is after the two-month proefplaatsing? No: it ends 30 Jan 2027, so nothing is billable.
    assert (period.month, str(period.hours), str(period.billable), str(period.cost_eur)) == (
        "2027-01", "3.50", "0.00", "0.00")
    st, candidate, employer = MoneyServices(w.services).statement(w.job, case.id, "2027-01")
    assert st.closed and st.hours == period.hours and employer == "Bakkerij De Korenaar"
    with pytest.raises(NotPermitted):
        w.services.perform(w.boss, case.id, "close_period", {"month": "2026-12"})


def test_work_level_and_training_are_recorded_and_audited(world, db):
    w = world
    case = w.start(START)
    _perform(w, w.job, case.id, "set_work_level", {"level": "vrij", "since": "2026-11-30"})
    with pytest.raises(InvalidPayload) as err:
        _perform(w, w.job, case.id, "record_training", {"route": "boris", "status": "gestart", "on": "2026-12-01"})
    assert err.value.errors == {"level": "Dit veld is verplicht."}
    _perform(w, w.job, case.id, "record_training",
             {"route": "boris", "level": "2", "status": "deelcertificaat", "on": "2026-12-01"})
    snap = w.services.get_case(w.job, case.id)
    assert snap.data["work_level"] == {"level": "vrij", "since": "2026-11-30"}
    assert snap.data["training"] == {"boris": {"status": "deelcertificaat", "on": "2026-12-01", "level": "2"}}
    with db.read() as s:
        trail = [e.trigger for e in s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id))]
    assert {"set_work_level", "record_training"} <= set(trail)
    with pytest.raises(NotPermitted):
        w.services.perform(w.harrie, case.id, "set_work_level", {"level": "beschut", "since": "2026-12-01"})
