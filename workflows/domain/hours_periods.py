"""Coaching hours accounted per period (calendar month): the statement UWV and the employer get.

Builds on `workflows.domain.coaching` (the budgets per plan year) and its settings
(`workflows.domain.rules`): per plan year the UWV cap is share(year) x contract hours x working
weeks; hours are billable from the end of the proefplaatsing (before it the employer pays
nothing); UWV reimburses billable hours in date order until the year's cap is used. A month
that straddles two plan years is split by entry. Every figure the page, the CSV and the API
show comes from `statement()`, so they agree to the cent.

A period is closed by JoB (`close_period`): after that, hours on a day in it are refused; a
mistake is corrected by a counter-entry (`Correction`) booked in a later, open month. It is a
line of that month's statement, counts in the plan year of the entry it corrects, and leaves
the closed month's statement as it was handed over.

Settings (`workflows.domain.rules.APPLIES_ON`): the hourly rate valid on the first day of the
statement's month; a plan year's cap from the shares and weeks valid on its first day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from workflows.domain import coaching
from workflows.domain.rules import CoachingRules, Rules, add_months, rules_on

CENT = coaching.CENT
NL_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december")


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: object) -> str | None:
    """'2026-12' -> '2026-12'; None when it is no month."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        return None
    year, month = int(text[:4]), int(text[5:])
    return text if 1900 <= year <= 2199 and 1 <= month <= 12 else None


def month_bounds(key: str) -> tuple[date, date]:
    """[first day, first day of the next month)."""
    first = date(int(key[:4]), int(key[5:]), 1)
    return first, add_months(first, 1)


def month_label(key: str) -> str:
    return f"{NL_MONTHS[int(key[5:]) - 1]} {key[:4]}"


@dataclass(frozen=True)
class Entry:
    id: int
    on: date
    minutes: int
    activity: str
    coach: str


@dataclass(frozen=True)
class Correction:
    """A counter-entry booked in a later, open month (`month`) for an entry of a closed one:
    signed minutes, counted in the plan year of the entry it corrects."""

    id: int
    month: str
    minutes: int
    entry: Entry  # the entry it corrects


@dataclass(frozen=True)
class Line:
    """One entry or correction as the statement shows it."""

    entry: Entry  # for a correction: the entry it corrects
    plan_year: int
    billable_minutes: int  # 0 in the proefplaatsing
    uwv_minutes: Decimal  # of the billable minutes, those within the year's cap (a cap need not be whole minutes)
    minutes: int = 0  # this line's own minutes (a correction's are signed)
    correction: Correction | None = None

    @property
    def hours(self) -> Decimal:
        return coaching.minutes_to_hours(self.minutes)

    @property
    def billable_hours(self) -> Decimal:
        return coaching.minutes_to_hours(self.billable_minutes)

    @property
    def uwv_hours(self) -> Decimal:
        return _hours(self.uwv_minutes)

    @property
    def activity_label(self) -> str:
        """What the statement says the line is: page, CSV and PDF alike; a correction names its entry."""
        activity = coaching.ACTIVITIES.get(self.entry.activity, self.entry.activity)
        if self.correction is None:
            return activity
        on = self.entry.on
        return f"Correctie op {on.isoformat()} ({month_label(month_key(on))}): {activity}"


@dataclass(frozen=True)
class YearState:
    """A plan year's cap and what is used of it up to the end of the period."""

    year: int
    cap: Decimal  # hours
    used: Decimal  # hours, all (proefplaatsing included)
    share: Decimal


@dataclass(frozen=True)
class Statement:
    month: str
    lines: tuple[Line, ...]
    hours: Decimal
    billable: Decimal
    uwv_hours: Decimal
    cost_eur: Decimal  # billable hours at the hourly rate: what the employer is charged
    uwv_eur: Decimal  # of that, what UWV reimburses (within the cap)
    rate: Decimal
    years: tuple[YearState, ...]
    closed: bool = False

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def corrections(self) -> int:
        """How many lines are corrections of hours in an earlier, closed month."""
        return sum(1 for ln in self.lines if ln.correction is not None)

    @property
    def employer_eur(self) -> Decimal:
        """What is left for the employer after UWV's reimbursement."""
        return self.cost_eur - self.uwv_eur


def _hours(minutes: Decimal) -> Decimal:
    return (minutes / 60).quantize(CENT, rounding=ROUND_HALF_UP)


def cap_hours(rules: CoachingRules, year: int, contract_hours: Decimal) -> Decimal:
    return (rules.uwv_share(year) * contract_hours * rules.working_weeks_per_year).quantize(CENT)


def year_rules(rules: Rules, start: date, year: int) -> CoachingRules:
    """A plan year's cap uses the settings valid on the plan year's first day."""
    return rules_on(rules, coaching.year_bounds(start, year)[0])


def _booked_on(item: Entry | Correction) -> date:
    """The day a line counts in its statement: an entry's day; a correction at its month's end."""
    return item.on if isinstance(item, Entry) else month_bounds(item.month)[1] - timedelta(days=1)


def allocate(entries: Iterable[Entry], *, start: date, contract_hours: Decimal, proefplaatsing_months: int,
             rules: Rules, corrections: Iterable[Correction] = ()) -> list[Line]:
    """Every entry and correction with its plan year, billable and UWV minutes: in booking order
    UWV reimburses each year's billable minutes up to its cap (a correction that takes hours
    off gives back UWV minutes only below the cap)."""
    proef_end = add_months(start, proefplaatsing_months)
    billed: dict[int, int] = {}
    reimbursed: dict[int, Decimal] = {}
    out = []
    items: list[Entry | Correction] = [*entries, *corrections]
    for item in sorted(items, key=lambda x: (_booked_on(x), isinstance(x, Correction), x.id)):
        original = item if isinstance(item, Entry) else item.entry
        year = coaching.plan_year(start, original.on)
        cap = cap_hours(year_rules(rules, start, year), year, contract_hours) * 60
        billable = item.minutes if original.on >= proef_end else 0
        billed[year] = billed.get(year, 0) + billable
        uwv = min(cap, max(Decimal(0), Decimal(billed[year])))
        out.append(Line(original, year, billable, uwv - reimbursed.get(year, Decimal(0)), item.minutes,
                        item if isinstance(item, Correction) else None))
        reimbursed[year] = uwv
    return out


def statement(month: str, entries: Sequence[Entry], *, start: date, contract_hours: Decimal,
              proefplaatsing_months: int, rules: Rules, closed: bool = False,
              corrections: Sequence[Correction] = ()) -> Statement:
    """One month: its entries and the corrections booked in it, totals and money, and each plan
    year's cap used up to its end. The one function every statement comes from (page, CSV,
    PDF, API), so they agree to the cent."""
    first, after = month_bounds(month)
    lines = allocate(entries, start=start, contract_hours=contract_hours,
                     proefplaatsing_months=proefplaatsing_months, rules=rules, corrections=corrections)
    mine = tuple(ln for ln in lines if (ln.correction.month == month if ln.correction else first <= ln.entry.on < after))
    hours = coaching.minutes_to_hours(sum(ln.minutes for ln in mine))
    billable = coaching.minutes_to_hours(sum(ln.billable_minutes for ln in mine))
    uwv = _hours(sum((ln.uwv_minutes for ln in mine), Decimal(0)))
    rate = rules_on(rules, first).hourly_rate_eur  # the rate valid in the month of the hours
    years = sorted({ln.plan_year for ln in mine} or {coaching.plan_year(start, max(first, start))})
    booked = [ln for ln in lines if (ln.correction.month <= month if ln.correction else ln.entry.on < after)]
    states = tuple(YearState(y, cap_hours(year_rules(rules, start, y), y, contract_hours), coaching.minutes_to_hours(
        sum(ln.minutes for ln in booked if ln.plan_year == y)),
        year_rules(rules, start, y).uwv_share(y)) for y in years)
    return Statement(month, mine, hours, billable, uwv, (billable * rate).quantize(CENT),
                     (uwv * rate).quantize(CENT), rate, states, closed)


def months_of(start: date, last: date) -> list[str]:
    """Every month from the plan's start to `last` (inclusive)."""
    out, day = [], date(start.year, start.month, 1)
    while day <= last:
        out.append(month_key(day))
        day = add_months(day, 1)
    return out


def is_over(month: str, today: date) -> bool:
    """A period may be closed once its last day has passed."""
    return month_bounds(month)[1] <= today


# -- the CSV a funder reads -----------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A spreadsheet never runs a cell as a formula: a leading = + - @ tab or CR gets a quote."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def nl_number(value: Decimal) -> str:
    return f"{value.quantize(CENT):f}".replace(".", ",")


def csv_rows(st: Statement, *, candidate: str, employer: str) -> list[list[str]]:
    """The statement as rows: a header block, one row per entry, totals (Dutch decimal commas)."""
    rows: list[list[str]] = [
        ["Urenverantwoording jobcoaching", st.label],
        ["Kandidaat", candidate], ["Werkgever", employer],
        ["Periode", st.month, "afgesloten" if st.closed else "open"],
        ["Uurtarief", nl_number(st.rate)],
        [],
        ["Datum", "Planjaar", "Uren", "Declarabel", "Binnen UWV-maximum", "Activiteit", "Jobcoach"],
    ]
    for ln in st.lines:
        rows.append([ln.entry.on.isoformat(), str(ln.plan_year), nl_number(ln.hours),
                     nl_number(ln.billable_hours), nl_number(ln.uwv_hours), ln.activity_label, ln.entry.coach])
    rows += [
        [],
        ["Totaal uren", nl_number(st.hours)], ["Declarabel (na de proefplaatsing)", nl_number(st.billable)],
        ["Binnen UWV-maximum", nl_number(st.uwv_hours)], ["Kosten (declarabel x uurtarief)", nl_number(st.cost_eur)],
        ["Vergoed door UWV", nl_number(st.uwv_eur)], ["Voor de werkgever", nl_number(st.employer_eur)],
    ]
    for y in st.years:
        rows.append([f"Jaar {y.year}: maximum", nl_number(y.cap), "gebruikt t/m deze periode", nl_number(y.used)])
    return [[neutralise(c) for c in row] for row in rows]
