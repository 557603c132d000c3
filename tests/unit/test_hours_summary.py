"""Quarters as Dutch readers write them (2026-K4) and a quarter's line as the sum of its months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from workflows.domain import hours_periods as hp
from workflows.domain import hours_summary as hs
from workflows.domain.rules import CoachingRules


def test_a_quarter_is_named_bounded_and_listed_newest_first():
    assert hs.parse_quarter("2026-K4") == "2026-K4"
    assert [hs.parse_quarter(x) for x in ("2026-Q4", "2026-K5", "2026-K0", "26-K1", None, "2026-k1")] == [None] * 6
    assert hs.quarter_months("2026-K4") == ("2026-10", "2026-11", "2026-12")
    assert hs.quarter_bounds("2026-K1") == (date(2026, 1, 1), date(2026, 4, 1))
    assert hs.quarter_label("2027-K2") == "2e kwartaal 2027"
    assert hs.quarters_between(date(2026, 7, 20), date(2027, 1, 5)) == ["2027-K1", "2026-K4", "2026-K3"]


def test_a_candidates_quarter_adds_up_its_monthly_statements_and_keeps_the_proefplaatsing_uncharged():
    rules = CoachingRules()
    start = date(2026, 7, 20)
    entries = [hp.Entry(1, date(2026, 8, 3), 600, "werkvloer", "Sanne"),  # in the proefplaatsing
               hp.Entry(2, date(2026, 9, 25), 90, "overleg", "Sanne"),
               hp.Entry(3, date(2026, 9, 28), 45, "werkvloer", "Sanne")]
    months = tuple(hp.statement(m, entries, start=start, contract_hours=Decimal(24), proefplaatsing_months=2,
                                rules=rules) for m in hs.quarter_months("2026-K3"))
    line = hs.CandidateQuarter(1, "=Kandidaat", months)
    assert line.hours == Decimal("12.25") and line.unbilled == Decimal("10.00") and line.billable == Decimal("2.25")
    assert line.cost_eur == sum(m.cost_eur for m in months) == line.billable * rules.hourly_rate_eur
    assert line.employer_eur == line.cost_eur - line.uwv_eur
    assert [y.year for y in line.years] == [1] and line.years[0].used == Decimal("12.25")
    rows = hs.summary_csv_rows(hs.QuarterSummary("Bakkerij", "2026-K3", (line,)))
    assert rows[6][:3] == ["'=Kandidaat", "12,25", "10,00"]  # a formula-like name is neutralised
    assert rows[-1][:2] == ["Totaal", "12,25"]
