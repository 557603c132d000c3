"""Coaching hours: what may be logged, and the budgets by hand-computed examples (seed defaults)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.errors import InvalidPayload
from workflows.domain import coaching
from workflows.domain.coaching import Entry
from workflows.domain.rules import (
    CoachingRules,
    add_months,
    clean_schedule,
    clean_settings,
    rules_from,
)

START = date(2026, 11, 23)  # a Monday
RULES = CoachingRules()


def _overview(entries, hours="32", fulltime=True, **kw):
    return coaching.overview(entries, start=START, contract_hours=Decimal(hours), fulltime=fulltime,
                             proefplaatsing_months=2, rules=kw.pop("rules", RULES), **kw)


@pytest.mark.parametrize("raw, minutes", [("1,5", 90), ("1.5", 90), (2, 120), (0.25, 15), ("24", 1440),
                                          ("0,01", 1)])
def test_hours_are_read_as_dutch_or_english_numbers_and_kept_in_minutes(raw, minutes):
    assert coaching.parse_hours(raw) == minutes


@pytest.mark.parametrize("raw, message", [
    (None, "Vul het aantal uren in."), ("", "Vul het aantal uren in."), ("veel", "als getal"),
    ("0", "groter zijn dan 0"), (-2, "groter zijn dan 0"), ("24,5", "Meer dan 24 uur"), (1000, "Meer dan 24 uur"),
    ("1,234", "twee decimalen"), (True, "als getal"), ("nan", "als getal"), ("inf", "als getal"),
])
def test_absurd_hours_get_a_clear_dutch_message(raw, message):
    with pytest.raises(InvalidPayload) as info:
        coaching.parse_hours(raw)
    assert message in info.value.errors["hours"]


def test_hours_may_not_be_dated_before_the_plan_or_in_the_future():
    coaching.check_entry_date(START, START, date(2026, 12, 1))
    with pytest.raises(InvalidPayload) as before:
        coaching.check_entry_date(date(2026, 11, 22), START, date(2026, 12, 1))
    assert "voor de start van het trajectplan (23 nov 2026)" in before.value.errors["on"]
    with pytest.raises(InvalidPayload) as future:
        coaching.check_entry_date(date(2026, 12, 2), START, date(2026, 12, 1))
    assert "toekomst" in future.value.errors["on"]


def test_more_than_24_hours_on_one_day_is_refused():
    coaching.check_day_total(20 * 60, 4 * 60, START)
    with pytest.raises(InvalidPayload) as info:
        coaching.check_day_total(20 * 60, 4 * 60 + 1, START)
    assert info.value.errors["hours"] == ("Op 23 nov 2026 staat al 20 uur; samen meer dan 24 uur op één dag "
                                          "kan niet.")


def test_uwv_caps_are_10_5_and_3_percent_of_the_working_time():
    # 32 hours a week x 52 weeks = 1664 working hours: 166.4 / 83.2 / 49.92 coaching hours.
    view = _overview([], years=3)
    assert [y.budget.cap for y in view.years] == [Decimal("166.40"), Decimal("83.20"), Decimal("49.92")]
    assert [y.uwv_max_eur for y in view.years] == [Decimal("6656.00"), Decimal("3328.00"), Decimal("1996.80")]


def test_first_two_weeks_full_time_at_most_32_hours_part_time_full_coaching():
    assert _overview([]).onboarding.cap == Decimal("32")
    assert _overview([], hours="20", fulltime=False).onboarding.cap == Decimal("40")


def test_hours_used_cost_and_reimbursement_per_plan_year():
    entries = [
        Entry(date(2026, 11, 24), 8 * 60),  # week 1, proefplaatsing: costs nothing
        Entry(date(2026, 12, 6), 10 * 60),  # last day of week 2
        Entry(date(2026, 12, 7), 4 * 60),  # week 3
        Entry(date(2027, 1, 23), 3 * 60 + 30),  # first day after two months of proefplaatsing
        Entry(date(2027, 11, 23), 60),  # first day of plan year 2
    ]
    view = _overview(entries)
    assert view.proefplaatsing_end == date(2027, 1, 23)
    assert (view.onboarding.used, view.onboarding.status) == (Decimal("18.00"), coaching.OK)
    year1, year2 = view.years
    assert (year1.budget.used, year1.billable, year1.cost_eur, year1.uwv_eur) == (
        Decimal("25.50"), Decimal("3.50"), Decimal("140.00"), Decimal("140.00"))
    assert (year2.budget.used, year2.cost_eur, year2.budget.cap) == (Decimal("1.00"), Decimal("40.00"),
                                                                      Decimal("83.20"))
    assert view.total_hours == Decimal("26.50") and view.total_cost_eur == Decimal("180.00")


def test_warning_before_the_cap_and_flag_when_it_is_exceeded():
    near = _overview([Entry(START, 30 * 60)])
    assert near.onboarding.status == coaching.NEAR
    assert coaching.warnings_for(near, START) == ["Week 1-2 (inwerken): 94% van het maximum van 32 uur is gebruikt."]
    assert not coaching.over_cap(near, START)
    over = _overview([Entry(START, 24 * 60), Entry(date(2026, 11, 25), 9 * 60)])
    assert over.onboarding.status == coaching.OVER
    assert coaching.over_cap(over, START)
    assert coaching.warnings_for(over, START)[0] == ("Week 1-2 (inwerken): het maximum van 32 uur is "
                                                     "overschreden (33 uur geschreven).")
    assert coaching.warnings_for(over, date(2027, 3, 1)) == []


def test_year_cap_counts_all_hours_of_the_year_reimbursement_only_billable_ones():
    # 8 hours a week -> 0.1 x 8 x 52 = 41.6 hours in year 1.
    entries = [Entry(add_months(START, 3), 24 * 60), Entry(add_months(START, 4), 20 * 60)]
    year1 = _overview(entries, hours="8", fulltime=False).years[0]
    assert (year1.budget.cap, year1.budget.used, year1.budget.status) == (Decimal("41.60"), Decimal("44.00"),
                                                                          coaching.OVER)
    assert year1.uwv_eur == Decimal("1664.00")  # 41.6 x 40
    assert year1.cost_eur == Decimal("1760.00")  # 44 x 40


def test_settings_change_the_figures():
    rules = rules_from({"hourly_rate_eur": Decimal("50"), "uwv_share_year1": Decimal("0.15")})
    year1 = _overview([Entry(add_months(START, 3), 60)], rules=rules).years[0]
    assert (year1.budget.cap, year1.cost_eur) == (Decimal("249.60"), Decimal("50.00"))


def test_plan_years_and_month_arithmetic():
    assert coaching.plan_year(START, date(2027, 11, 22)) == 1
    assert coaching.plan_year(START, date(2027, 11, 23)) == 2
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_settings_are_validated():
    assert clean_settings({"hourly_rate_eur": "42,50"}) == {"hourly_rate_eur": Decimal("42.50")}
    for bad in ({"hourly_rate_eur": "-1"}, {"uwv_share_year1": "2"}, {"bestaat_niet": 1}, {},
                {"warn_share": "x"}):
        with pytest.raises(InvalidPayload):
            clean_settings(bad)
    assert clean_schedule({"evaluation_interval_weeks": "8"}) == {"evaluation_interval_weeks": 8}
    for bad in ({"evaluation_interval_weeks": 2}, {"proefplaatsing_months": 7}, {"notice_days": "x"},
                {"onbekend": 1}, {"signoff_days": True}):
        with pytest.raises(InvalidPayload):
            clean_schedule(bad)


def test_dutch_formatting():
    assert coaching.fmt_hours(Decimal("166.40")) == "166,4"
    assert coaching.fmt_hours(Decimal("32.00")) == "32"
    assert coaching.nl_date(date(2027, 3, 1)) == "1 mrt 2027"
