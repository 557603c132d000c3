"""The money rules as arithmetic (no database): caps per plan year, the free proefplaatsing,
the monthly statement and its CSV, instruments' checks and the quota estimate."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from workflows.domain import hours_periods as hp
from workflows.domain import instruments, quota
from workflows.domain.rules import SETTINGS, CoachingRules, add_months, rules_from

RULES = CoachingRules()
START = date(2026, 11, 30)


def _entries(*days_minutes: tuple[date, int]) -> list[hp.Entry]:
    return [hp.Entry(i, d, m, "werkvloer", "Sanne de Vries") for i, (d, m) in enumerate(days_minutes, 1)]


def _statement(month: str, entries, contract=Decimal("20"), rules=RULES) -> hp.Statement:
    return hp.statement(month, entries, start=START, contract_hours=contract, proefplaatsing_months=2, rules=rules)


def test_the_cap_falls_from_10_to_5_to_3_percent_of_the_working_time_in_plan_years_1_2_3():
    # 20 hours a week x 52 weeks = 1040 hours of work a year
    assert [hp.cap_hours(RULES, y, Decimal("20")) for y in (1, 2, 3, 4)] == [
        Decimal("104.00"), Decimal("52.00"), Decimal("31.20"), Decimal("0.00")]


def test_the_months_of_the_proefplaatsing_cost_the_employer_nothing():
    entries = _entries((START, 120), (add_months(START, 2) - timedelta(days=1), 60), (add_months(START, 2), 90))
    jan = _statement("2027-01", entries)
    assert (jan.hours, jan.billable, jan.cost_eur) == (Decimal("2.50"), Decimal("1.50"), Decimal("60.00"))
    assert _statement("2026-11", entries).cost_eur == Decimal("0.00")


def test_uwv_reimburses_billable_hours_in_date_order_until_each_years_cap_and_the_years_reset():
    # contract 1 hour a week: caps 5.2 / 2.6 / 1.56 hours; 4 hours in each of two billable months per year
    contract = Decimal("1")
    days = []
    for year in (1, 2, 3):
        first = add_months(START, 12 * (year - 1) + 3)
        days += [(first, 240), (add_months(first, 1), 240)]
    entries = _entries(*days)
    per_year: dict[int, Decimal] = {}
    for day, _m in days:
        st = _statement(hp.month_key(day), entries, contract)
        per_year[st.years[0].year] = per_year.get(st.years[0].year, Decimal(0)) + st.uwv_hours
    assert per_year == {1: Decimal("5.20"), 2: Decimal("2.60"), 3: Decimal("1.56")}
    second_month_y2 = _statement(hp.month_key(days[3][0]), entries, contract)
    assert (second_month_y2.uwv_hours, second_month_y2.uwv_eur, second_month_y2.cost_eur) == (
        Decimal("0.00"), Decimal("0.00"), Decimal("160.00"))
    assert second_month_y2.years[0].used == Decimal("8.00") and second_month_y2.years[0].cap == Decimal("2.60")


def test_a_month_that_straddles_two_plan_years_splits_by_entry():
    entries = _entries((add_months(START, 12) - timedelta(days=1), 60), (add_months(START, 12), 60))
    st = _statement("2027-11", entries)
    assert [y.year for y in st.years] == [1, 2] and [ln.plan_year for ln in st.lines] == [1, 2]


def test_the_statement_follows_the_settings():
    rules = rules_from({"hourly_rate_eur": Decimal("52.50"), "uwv_share_year1": Decimal("0.15")})
    st = _statement("2027-02", _entries((date(2027, 2, 1), 90)), rules=rules)
    assert (st.cost_eur, st.uwv_eur, st.years[0].cap) == (Decimal("78.75"), Decimal("78.75"), Decimal("156.00"))


def test_the_csv_has_the_same_totals_as_the_statement_and_neutralises_formulas():
    entries = [hp.Entry(1, date(2027, 2, 1), 95, "werkvloer", "=HYPERLINK(\"http://x\")"),
               hp.Entry(2, date(2027, 2, 8), 50, "harrie", "@SUM(A1)")]
    st = _statement("2027-02", entries)
    rows = hp.csv_rows(st, candidate="+31 6 1234", employer="-Bakkerij")
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows(rows)
    parsed = list(csv.reader(io.StringIO(text.getvalue()), delimiter=";"))
    cells = [c for row in parsed for c in row]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert "'=HYPERLINK(\"http://x\")" in cells and "'+31 6 1234" in cells and "'-Bakkerij" in cells
    totals = {row[0]: row[1] for row in parsed if len(row) >= 2}
    assert totals["Totaal uren"] == hp.nl_number(st.hours) == "2,42"
    assert totals["Kosten (declarabel x uurtarief)"] == hp.nl_number(st.cost_eur) == "96,80"
    assert totals["Vergoed door UWV"] == hp.nl_number(st.uwv_eur)


@pytest.mark.parametrize("text, month", [("2027-01", "2027-01"), (" 2027-12 ", "2027-12"), ("2027-13", None),
                                         ("27-01", None), ("2027/01", None), (None, None)])
def test_a_period_is_a_month_written_as_yyyy_mm(text, month):
    assert hp.parse_month(text) == month


def test_a_period_can_be_closed_once_its_last_day_has_passed():
    assert not hp.is_over("2027-01", date(2027, 1, 31)) and hp.is_over("2027-01", date(2027, 2, 1))


def test_an_instruments_status_needs_its_dates_and_a_proefplaatsing_lasts_at_most_the_setting():
    check = instruments.check_change
    assert check({"kind": "loonkostensubsidie", "status": "toegekend"}, RULES).keys() == {"decided_on", "starts_on"}
    assert check({"kind": "proefplaatsing", "status": "toegekend", "decided_on": "2026-11-01",
                  "starts_on": "2026-11-30", "ends_on": "2027-05-30"}, RULES) == {}
    assert "ends_on" in check({"kind": "proefplaatsing", "status": "toegekend", "decided_on": "2026-11-01",
                               "starts_on": "2026-11-30", "ends_on": "2027-05-31"}, RULES)
    longer = rules_from({"proefplaatsing_max_months": Decimal("7")})
    assert check({"kind": "proefplaatsing", "status": "beeindigd", "starts_on": "2026-11-30",
                  "ends_on": "2027-05-31"}, longer) == {}


def test_an_application_task_opens_notice_days_before_the_deadline_once():
    data = {"instruments": {"jobcoach": {"status": "aan_te_vragen", "apply_by": "2027-01-15"}}}
    assert instruments.next_opening(data, 7) == date(2027, 1, 8)
    assert instruments.open_due(data, date(2027, 1, 7), 7) == []
    assert instruments.open_due(data, date(2027, 1, 8), 7) == ["instrument:jobcoach"]
    assert instruments.open_due(data, date(2027, 1, 9), 7) == [] and instruments.next_opening(data, 7) is None
    assert instruments.task_open(data, "jobcoach")


def test_the_levy_estimate_applies_from_25_employees_at_5000_per_unfilled_place():
    assert quota.estimate(24, 0, RULES).levy_eur == Decimal("0.00")
    est = quota.estimate(150, 1, RULES)  # 2 % of 150 = 3 places, 1 filled
    assert (est.applies, est.required, est.unfilled, est.levy_eur) == (True, Decimal("3.00"), Decimal("2.00"),
                                                                      Decimal("10000.00"))
    assert quota.estimate(150, 5, RULES).levy_eur == Decimal("0.00")
    assert quota.estimate(None, 0, RULES).applies is False


def test_every_setting_names_its_source_and_the_ones_without_a_source_are_marked_as_examples():
    for s in SETTINGS:
        assert s.source and s.valid_from
        assert s.example == s.source.startswith("Geen bron"), s.key
    assert {s.key for s in SETTINGS if not s.example} >= {"hourly_rate_eur", "uwv_share_year1", "quota_levy_eur",
                                                          "quota_min_employees", "proefplaatsing_max_months"}


def test_a_calculation_uses_the_setting_valid_on_the_day_it_concerns():
    from workflows.domain.rules import SettingsHistory, SettingVersion

    history = SettingsHistory([SettingVersion("hourly_rate_eur", Decimal("45"), date(2027, 3, 1)),
                               SettingVersion("uwv_share_year2", Decimal("0.04"), date(2027, 6, 1)),
                               SettingVersion("uwv_share_year1", Decimal("0.20"), date(2027, 6, 1))])
    assert history.value("hourly_rate_eur", date(2027, 2, 28)) == Decimal("40")  # the default before it
    assert history.rules_on(date(2027, 3, 1)).hourly_rate_eur == Decimal("45")
    late = date(2027, 2, 1)  # after the proefplaatsing: billable
    entries = _entries((late, 60), (date(2027, 3, 1), 60))
    assert _statement("2027-02", entries, rules=history).rate == Decimal("40")  # the rate of the month of the hours
    assert _statement("2027-03", entries, rules=history).cost_eur == Decimal("45.00")
    # A plan year's cap: the share valid on its first day (year 1 started 30 Nov 2026, year 2 on 30 Nov 2027).
    [y1] = _statement("2027-03", entries, rules=history).years
    assert (y1.share, y1.cap) == (Decimal("0.10"), Decimal("104.00"))
    [y2] = _statement("2027-12", _entries((date(2027, 12, 1), 60)), rules=history).years
    assert (y2.year, y2.share, y2.cap) == (2, Decimal("0.04"), Decimal("41.60"))


def test_every_setting_says_which_days_value_a_calculation_uses():
    from workflows.domain.rules import APPLIES_ON

    assert all(s.applies_on in APPLIES_ON for s in SETTINGS)
    by_key = {s.key: s for s in SETTINGS}
    assert by_key["hourly_rate_eur"].applies_on_label == "de eerste dag van de maand van de uren"
    assert by_key["uwv_share_year1"].applies_on_label == "de eerste dag van het planjaar"


def test_a_correction_counts_in_the_plan_year_of_the_hours_it_corrects_and_gives_back_uwv_only_below_the_cap():
    # 20 h x 52 x 10 % = 104 h in year 1; 110 billable hours in November 2027 (year 1 ends 29 Nov 2027)
    over = hp.Entry(1, date(2027, 11, 1), 110 * 60, "werkvloer", "Sanne de Vries")
    late = hp.Correction(7, "2027-12", -10 * 60, over)  # booked in December: plan year 2
    year2 = hp.Entry(2, date(2027, 12, 6), 60, "werkvloer", "Sanne de Vries")
    nov = _statement("2027-11", [over, year2])
    dec = hp.statement("2027-12", [over, year2], start=START, contract_hours=Decimal("20"), proefplaatsing_months=2,
                       rules=RULES, corrections=[late])
    assert nov.uwv_hours == Decimal("104.00")
    correction = next(ln for ln in dec.lines if ln.correction is not None)
    assert (correction.plan_year, correction.hours, hp._hours(correction.uwv_minutes)) == (
        1, Decimal("-10.00"), Decimal("-4.00"))  # 100 h left, all within the cap again
    assert {y.year: y.used for y in dec.years} == {1: Decimal("100.00"), 2: Decimal("1.00")}
    assert (dec.hours, dec.uwv_hours) == (Decimal("-9.00"), Decimal("-3.00"))
    assert hp.statement("2027-11", [over, year2], start=START, contract_hours=Decimal("20"), proefplaatsing_months=2,
                        rules=RULES, corrections=[late]) == nov  # the earlier month does not change
