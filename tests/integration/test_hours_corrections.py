"""Hours after a period was closed, on SQLite and PostgreSQL: the closed month refuses new hours
and corrections with a Dutch reason and writes nothing; a counter-entry in a later, open month
is audited, shows on that month's statement and counts in the plan year of the hours it corrects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidPayload, NotPermitted
from engine.store.models import AuditEntry
from tests.plan_world import make_world, run_due_timers
from workflows.domain import candidate_plan as plan
from workflows.domain import hours_periods
from workflows.storage.money_models import HoursCorrection, HoursPeriod
from workflows.storage.plan_models import CoachingEntry
from workflows.usecases.money_services import MoneyServices

START = date(2026, 11, 30)  # the proefplaatsing ends 30 Jan 2027: February's hours are billable


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


def _counts(db) -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (CoachingEntry, HoursCorrection, AuditEntry))  # type: ignore[return-value]


def _log(w, case_id, day, hours):
    return w.services.perform(w.job, case_id, "log_hours", {"worked_on": day, "hours": hours,
                                                            "activity": "werkvloer"}).result[0]


def test_a_closed_month_stays_as_handed_over_and_a_counter_entry_corrects_it_in_a_later_month(world, db):
    w, money = world, MoneyServices(world.services)
    case = w.start(START)
    w.clock.set(plan.local_midnight(date(2027, 3, 10)))
    run_due_timers(w.services, w.clock.now())
    wrong = _log(w, case.id, "2027-02-01", "5")
    _log(w, case.id, "2027-02-08", "2")
    w.services.perform(w.job, case.id, "close_period", {"month": "2027-02"})
    february = money.statement(w.job, case.id, "2027-02")[0]
    assert (february.hours, february.cost_eur) == (Decimal("7.00"), Decimal("280.00"))

    before = _counts(db)
    with pytest.raises(InvalidPayload) as err:  # no new hours in the closed month
        _log(w, case.id, "2027-02-15", "1")
    assert err.value.errors == {"worked_on": "De periode februari 2027 is afgesloten: uren in die maand kunnen "
                                             "niet meer worden geschreven of gewijzigd."}
    correction = {"entry_id": wrong, "direction": "eraf", "hours": "3", "reason": "Dubbel geschreven"}
    with pytest.raises(InvalidPayload) as err:  # nor a correction booked in it
        w.services.perform(w.job, case.id, "correct_hours", {**correction, "month": "2027-02"})
    assert err.value.errors == {"month": "De periode februari 2027 is afgesloten: boek de correctie in een latere, "
                                         "open periode."}
    with pytest.raises(InvalidPayload) as err:
        w.services.perform(w.job, case.id, "correct_hours", {**correction, "month": "2027-03", "hours": "6"})
    assert err.value.errors == {"hours": "Van deze regel staat nog 5 uur; meer kan er niet af."}
    with pytest.raises(InvalidPayload) as err:
        w.services.perform(w.job, case.id, "correct_hours", {**correction, "month": "2027-03", "reason": ""})
    assert set(err.value.errors) == {"reason"}
    with pytest.raises(NotPermitted):
        w.services.perform(w.boss, case.id, "correct_hours", {**correction, "month": "2027-03"})
    assert _counts(db) == before

    w.services.perform(w.job, case.id, "correct_hours", {**correction, "month": "2027-03"})
    _log(w, case.id, "2027-03-02", "1")
    assert money.statement(w.job, case.id, "2027-02")[0] == february  # as it was handed over
    march = money.statement(w.job, case.id, "2027-03")[0]
    [entry_line, correction_line] = sorted(march.lines, key=lambda ln: ln.correction is not None)
    assert (correction_line.entry.on, correction_line.hours, correction_line.plan_year) == (
        date(2027, 2, 1), Decimal("-3.00"), 1)
    assert (march.hours, march.billable, march.cost_eur) == (Decimal("-2.00"), Decimal("-2.00"), Decimal("-80.00"))
    [year1] = march.years
    assert year1.used == Decimal("5.00")  # 7 - 3 + 1 in plan year 1
    csv = hours_periods.csv_rows(march, candidate="Jan Jansen", employer="Bakkerij De Korenaar")
    assert ["2027-02-01", "1", "-3,00", "-3,00", "-3,00", "Correctie op 2027-02-01 (februari 2027): Begeleiding op de werkvloer",
            "Sanne de Vries"] in [[c.lstrip("'") for c in row] for row in csv]
    with db.read() as s:
        [row] = s.scalars(select(HoursCorrection)).all()
        [audit] = s.scalars(select(AuditEntry).where(AuditEntry.trigger == "correct_hours")).all()
        [period] = s.scalars(select(HoursPeriod)).all()
    assert (row.minutes, row.reason, row.month) == (-180, "Dubbel geschreven", "2027-03")
    assert audit.payload == {"correction_id": row.id, "entry_id": wrong, "month": "2027-03", "minutes": -180}
    assert str(period.hours) == "7.00"  # the closed period's totals as closed
