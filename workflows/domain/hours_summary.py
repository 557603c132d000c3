"""An employer's coaching hours per quarter: one line per candidate, made of the three monthly
statements (`hours_periods.statement`), so the summary is always the sum of what the monthly
statements say, to the cent. Hours in the proefplaatsing months are counted but not charged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from workflows.domain.hours_periods import Statement, YearState, month_bounds, neutralise, nl_number
from workflows.domain.rules import add_months

ZERO = Decimal("0.00")


def parse_quarter(text: object) -> str | None:
    """'2026-K4' -> '2026-K4'; None when it is no quarter (K for kwartaal, as Dutch readers write it)."""
    if not isinstance(text, str) or len(text) != 7 or text[4:6] != "-K":
        return None
    year, q = text[:4], text[6]
    return text if year.isdigit() and 1900 <= int(year) <= 2199 and q in "1234" else None


def quarter_of(day: date) -> str:
    return f"{day.year:04d}-K{(day.month - 1) // 3 + 1}"


def quarter_months(quarter: str) -> tuple[str, str, str]:
    year, first = int(quarter[:4]), (int(quarter[6]) - 1) * 3 + 1
    return tuple(f"{year:04d}-{m:02d}" for m in range(first, first + 3))  # type: ignore[return-value]


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """[first day, first day of the next quarter)."""
    first = month_bounds(quarter_months(quarter)[0])[0]
    return first, add_months(first, 3)


def quarter_label(quarter: str) -> str:
    return f"{quarter[6]}e kwartaal {quarter[:4]}"


def quarters_between(first: date, last: date) -> list[str]:
    """Every quarter from the one holding `first` to the one holding `last`, newest first."""
    out, day = [], date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
    while day <= last:
        out.append(quarter_of(day))
        day = add_months(day, 3)
    return out[::-1]


@dataclass(frozen=True)
class CandidateQuarter:
    case_id: int
    candidate: str
    months: tuple[Statement, ...]

    def _sum(self, attr: str) -> Decimal:
        return sum((getattr(st, attr) for st in self.months), ZERO)

    @property
    def hours(self) -> Decimal:
        return self._sum("hours")

    @property
    def billable(self) -> Decimal:
        return self._sum("billable")

    @property
    def uwv_hours(self) -> Decimal:
        return self._sum("uwv_hours")

    @property
    def cost_eur(self) -> Decimal:
        return self._sum("cost_eur")

    @property
    def uwv_eur(self) -> Decimal:
        return self._sum("uwv_eur")

    @property
    def employer_eur(self) -> Decimal:
        return self._sum("employer_eur")

    @property
    def unbilled(self) -> Decimal:
        """Hours in the proefplaatsing: coached, never charged."""
        return self.hours - self.billable

    @property
    def years(self) -> tuple[YearState, ...]:
        """Each plan year's cap and what was used of it by the end of the quarter."""
        latest: dict[int, YearState] = {}
        for st in self.months:
            for y in st.years:
                latest[y.year] = y
        return tuple(latest[y] for y in sorted(latest))


@dataclass(frozen=True)
class QuarterSummary:
    employer: str
    quarter: str
    lines: tuple[CandidateQuarter, ...]

    @property
    def label(self) -> str:
        return quarter_label(self.quarter)

    def total(self, attr: str) -> Decimal:
        return sum((getattr(ln, attr) for ln in self.lines), ZERO)

    @property
    def rates(self) -> tuple[Decimal, ...]:
        """The hourly rates the months were charged at (more than one when a new rate began in the quarter)."""
        return tuple(sorted({st.rate for ln in self.lines for st in ln.months}))

    @property
    def rate_label(self) -> str:
        return " / ".join(nl_number(r) for r in self.rates) or "geen uren in dit kwartaal"


def summary_csv_rows(summary: QuarterSummary) -> list[list[str]]:
    """The summary as rows: header block, one row per candidate, totals (Dutch decimal commas)."""
    rows: list[list[str]] = [
        ["Urenverantwoording jobcoaching per kwartaal", summary.label],
        ["Werkgever", summary.employer], ["Kwartaal", summary.quarter], ["Uurtarief", summary.rate_label], [],
        ["Kandidaat", "Uren", "In de proefplaatsing (niet gefactureerd)", "Declarabel", "Binnen UWV-maximum",
         "Kosten (declarabel x uurtarief)", "Vergoed door UWV", "Voor de werkgever",
         "Maximum UWV per planjaar (gebruikt t/m kwartaal)"],
    ]
    for ln in summary.lines:
        caps = "; ".join(f"jaar {y.year}: {nl_number(y.cap)} ({nl_number(y.used)})" for y in ln.years)
        rows.append([ln.candidate, nl_number(ln.hours), nl_number(ln.unbilled), nl_number(ln.billable),
                     nl_number(ln.uwv_hours), nl_number(ln.cost_eur), nl_number(ln.uwv_eur),
                     nl_number(ln.employer_eur), caps])
    rows += [[], ["Totaal", *(nl_number(summary.total(a)) for a in TOTALS)]]
    return [[neutralise(c) for c in row] for row in rows]


TOTALS: Sequence[str] = ("hours", "unbilled", "billable", "uwv_hours", "cost_eur", "uwv_eur", "employer_eur")
