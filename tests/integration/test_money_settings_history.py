"""Settings keep every version with its valid-from date, on SQLite and PostgreSQL: a value
from a later date leaves today's figures alone, a value that would change a closed statement
is refused with the Dutch reason, and each change is in the administration history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidPayload, NotPermitted
from engine.store.admin_models import AdminAuditEntry
from tests.plan_world import make_world, run_due_timers
from workflows.domain import candidate_plan as plan
from workflows.storage.plan_models import PlanSettingVersion
from workflows.usecases.money_services import MoneyServices

START = date(2026, 11, 30)


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


def _versions(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(PlanSettingVersion)) or 0


def test_a_future_value_waits_for_its_date_and_a_closed_period_keeps_its_figures(world, db):
    w, money = world, MoneyServices(world.services)
    case = w.start(START)
    w.clock.set(plan.local_midnight(date(2027, 2, 10)))
    run_due_timers(w.services, w.clock.now())
    w.services.perform(w.job, case.id, "log_hours", {"worked_on": "2027-02-01", "hours": "2", "activity": "werkvloer"})
    w.services.perform(w.job, case.id, "close_period", {"month": "2027-01"})

    with pytest.raises(NotPermitted):
        money.change_setting(w.job, "hourly_rate_eur", "45", "Tarieven 2027", "2027-03-01", "Nieuw tarief")
    with pytest.raises(InvalidPayload) as err:  # would change January's statement, handed over already
        money.change_setting(w.admin, "hourly_rate_eur", "45", "Tarieven 2027", "2027-01-15", "Nieuw tarief")
    assert err.value.errors == {"valid_from": "Er is al een afgesloten urenperiode tot en met 31 januari 2027: een "
                                              "afgesloten verantwoording verandert nooit. Kies een datum daarna."}
    with pytest.raises(InvalidPayload) as err:
        money.change_setting(w.admin, "hourly_rate_eur", "45", "", "2027-03-01", "")
    assert set(err.value.errors) == {"source", "reason"}
    assert _versions(db) == 0
    # A figure no statement reads may start in a closed period.
    money.change_setting(w.admin, "quota_levy_eur", "5100", "Besluit quotumheffing", "2027-01-01", "Indexering")

    money.change_setting(w.admin, "hourly_rate_eur", "45", "Tarieven 2027", "2027-03-01", "Nieuw tarief")
    rate = next(line for line in money.settings() if line.setting.key == "hourly_rate_eur")
    assert rate.value == Decimal("40")  # still today's
    assert [(v.value, v.state) for v in rate.history] == [(Decimal("45"), "toekomst"), (Decimal("40"), "geldt")]
    assert rate.history[0].reason == "Nieuw tarief" and rate.history[0].changed_by == "Beheerder"
    assert money.statement(w.job, case.id, "2027-02")[0].rate == Decimal("40")
    w.services.perform(w.job, case.id, "log_hours", {"worked_on": "2027-02-02", "hours": "1", "activity": "werkvloer"})
    w.clock.set(plan.local_midnight(date(2027, 3, 2)))
    w.services.perform(w.job, case.id, "log_hours", {"worked_on": "2027-03-01", "hours": "2", "activity": "werkvloer"})
    march, feb = money.statement(w.job, case.id, "2027-03")[0], money.statement(w.job, case.id, "2027-02")[0]
    assert (march.rate, march.cost_eur, feb.rate, feb.cost_eur) == (
        Decimal("45"), Decimal("90.00"), Decimal("40"), Decimal("120.00"))

    with db.read() as s:
        audit = s.scalars(select(AdminAuditEntry).where(AdminAuditEntry.subject_kind == "setting")
                          .order_by(AdminAuditEntry.id)).all()
    assert [(a.action, a.changes["key"], a.changes["value"], a.reason) for a in audit] == [
        ("change_setting", "quota_levy_eur", ["5000", "5100"], "Indexering"),
        ("change_setting", "hourly_rate_eur", ["40", "45"], "Nieuw tarief")]
