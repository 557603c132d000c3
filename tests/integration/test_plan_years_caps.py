"""Plan years 1 -> 2 -> 3 through the one write path, on SQLite and PostgreSQL: the UWV cap falls
from 10 to 5 to 3 % of the working time, the coach is warned before each cap is reached, and
the statements count each year against its own cap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.plan_world import make_world, run_due_timers
from workflows.domain import candidate_plan as plan
from workflows.usecases.money_services import MoneyServices

START = date(2026, 11, 30)


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


def test_the_cap_falls_10_5_3_percent_over_three_plan_years_with_a_warning_before_each(world, db):
    w = world
    case = w.start(START, contract_hours=4.0, fulltime=False)  # 4 h x 52 weeks = 208 h of work a year

    def log(day: str, hours: str) -> tuple[str, ...]:
        on = date.fromisoformat(day)
        if w.clock.now().astimezone(plan.AMSTERDAM).date() <= on:  # the plan runs on to the day after
            w.clock.set(plan.local_midnight(date(on.year, on.month, 28)))
            run_due_timers(w.services, w.clock.now())
        return w.services.perform(w.job, case.id, "log_hours", {"worked_on": day, "hours": hours,
                                                                "activity": "werkvloer"}).result[2]

    assert log("2027-03-01", "18") == ()  # 18 of 20,8 h: 87 %, below the warning share (90 %)
    assert log("2027-03-02", "1") == ("Jaar 1: 91% van het maximum van 20,8 uur is gebruikt.",)
    assert log("2028-01-10", "9,5") == ("Jaar 2: 91% van het maximum van 10,4 uur is gebruikt.",)
    assert log("2029-01-08", "5,7") == ("Jaar 3: 91% van het maximum van 6,24 uur is gebruikt.",)
    assert log("2029-01-09", "1") == ("Jaar 3: het maximum van 6,24 uur is overschreden (6,7 uur geschreven).",)

    money = MoneyServices(w.services)
    caps = {}
    for month in ("2027-03", "2028-01", "2029-01"):
        [year] = money.statement(w.job, case.id, month)[0].years
        caps[year.year] = (year.share, year.cap, year.used)
    assert caps == {1: (Decimal("0.10"), Decimal("20.80"), Decimal("19.00")),
                    2: (Decimal("0.05"), Decimal("10.40"), Decimal("9.50")),
                    3: (Decimal("0.03"), Decimal("6.24"), Decimal("6.70"))}
    year3 = money.statement(w.job, case.id, "2029-01")[0]
    assert (year3.billable, year3.uwv_hours) == (Decimal("6.70"), Decimal("6.24"))  # UWV pays up to the cap
    assert year3.cost_eur == Decimal("268.00") and year3.employer_eur == Decimal("268.00") - Decimal("249.60")
