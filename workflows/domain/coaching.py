"""Coaching hours: what may be logged, and hours used against each budget, with their cost.

Budgets (seed "kennismaking JoB", see `workflows.domain.rules` for the figures):
- weeks 1-2 (inwerken): a full-time contract at most 32 coaching hours; a part-time contract
  may have full coaching, i.e. at most its working hours in those two weeks;
- each plan year: UWV reimburses job coaching up to a share of the working time
  (contract hours per week x working weeks per year x 10 % / 5 % / 3 %);
- cost: JoB's hourly rate, except in the proefplaatsing months (the employer pays nothing then).

Logging more than a budget is allowed: a coach must be able to record what happened. The
entry is flagged and the overview warns, first when the warning share is reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.errors import InvalidPayload
from workflows.domain.rules import CoachingRules, Rules, add_months, parse_decimal, rules_on

ACTIVITIES: dict[str, str] = {
    "werkvloer": "Begeleiding op de werkvloer",
    "harrie": "Overleg met en ondersteuning van Harrie",
    "werkgever": "Overleg met werkgever of HR",
    "evaluatie": "Evaluatie",
    "invra": "INVRA-observatie of -interview",
    "verslag": "Verslaglegging en administratie",
    "overig": "Overig",
}
MAX_NOTE = 2000
MAX_MINUTES_PER_DAY = 24 * 60
ONBOARDING_DAYS = 14

OK, NEAR, OVER = "ok", "bijna", "overschreden"
STATUS_LABELS = {OK: "Binnen het maximum", NEAR: "Bijna op", OVER: "Maximum overschreden"}


@dataclass(frozen=True)
class HoursBand:
    """One step of the hours status: reached when the hours used (and at least some) pass the
    limit, which is the cap itself or the warning share of it."""

    status: str
    limit: str  # "maximum" (the cap) or "waarschuwing" (the cap x the warning share)
    strictly_above: bool  # above the limit, or from the limit on


# The hours status against a cap, the first band reached wins, otherwise OK. The plan page reads
# it in Python (`Budget.status`), the lists and the management view in SQL
# (`list_filters.hours_status_expr`): both are built from this table.
HOURS_BANDS: tuple[HoursBand, ...] = (
    HoursBand(OVER, "maximum", strictly_above=True),
    HoursBand(NEAR, "waarschuwing", strictly_above=False),
)
CENT = Decimal("0.01")


def parse_hours(raw: object) -> int:
    """Hours as typed ('1,5', 1.5, 2) -> whole minutes; more than 0 and at most 24."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise InvalidPayload({"hours": "Vul het aantal uren in."})
    hours = parse_decimal(raw)
    if hours is None:
        raise InvalidPayload({"hours": "Vul het aantal uren in als getal, bijvoorbeeld 1,5."})
    if hours <= 0:
        raise InvalidPayload({"hours": "Het aantal uren moet groter zijn dan 0."})
    if hours > 24:
        raise InvalidPayload({"hours": "Meer dan 24 uur op één dag kan niet."})
    if hours != hours.quantize(CENT):
        raise InvalidPayload({"hours": "Gebruik hoogstens twee decimalen."})
    minutes = int((hours * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if minutes < 1:
        raise InvalidPayload({"hours": "Het aantal uren moet groter zijn dan 0."})
    return minutes


def check_entry_date(on: date, plan_start: date, today: date) -> None:
    if on < plan_start:
        raise InvalidPayload({"on": f"De datum ligt voor de start van het trajectplan ({nl_date(plan_start)})."})
    if on > today:
        raise InvalidPayload({"on": "De datum ligt in de toekomst: schrijf uren pas als ze gemaakt zijn."})


def check_day_total(existing_minutes: int, new_minutes: int, on: date) -> None:
    if existing_minutes + new_minutes > MAX_MINUTES_PER_DAY:
        raise InvalidPayload({"hours": f"Op {nl_date(on)} staat al {fmt_hours(minutes_to_hours(existing_minutes))} "
                                       "uur; samen meer dan 24 uur op één dag kan niet."})


# -- budgets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    on: date
    minutes: int


@dataclass(frozen=True)
class Budget:
    """Hours used in [start, end) against a cap."""

    label: str
    start: date
    end: date  # exclusive
    used: Decimal  # hours
    cap: Decimal  # hours
    warn_share: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.cap - self.used

    @property
    def share_used(self) -> Decimal:
        return (self.used / self.cap) if self.cap else (Decimal("1") if self.used else Decimal("0"))

    @property
    def status(self) -> str:
        for band in HOURS_BANDS:
            limit = self.cap if band.limit == "maximum" else self.cap * self.warn_share
            if self.used > 0 and (self.used > limit if band.strictly_above else self.used >= limit):
                return band.status
        return OK

    def contains(self, on: date) -> bool:
        return self.start <= on < self.end


@dataclass(frozen=True)
class YearSummary:
    year: int
    budget: Budget  # all hours of the year against the UWV cap
    billable: Decimal  # hours outside the proefplaatsing, charged to the employer
    cost_eur: Decimal
    uwv_max_eur: Decimal  # what UWV reimburses at most for this year
    uwv_eur: Decimal  # billable hours up to the cap, at the hourly rate


@dataclass(frozen=True)
class HoursOverview:
    onboarding: Budget
    years: tuple[YearSummary, ...]
    proefplaatsing_end: date  # first day the employer pays

    @property
    def total_hours(self) -> Decimal:
        return sum((y.budget.used for y in self.years), Decimal("0"))

    @property
    def total_cost_eur(self) -> Decimal:
        return sum((y.cost_eur for y in self.years), Decimal("0"))

    def budgets(self) -> list[Budget]:
        return [self.onboarding, *(y.budget for y in self.years)]


def minutes_to_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(CENT, rounding=ROUND_HALF_UP)


def year_bounds(start: date, year: int) -> tuple[date, date]:
    return add_months(start, 12 * (year - 1)), add_months(start, 12 * year)


def plan_year(start: date, on: date) -> int:
    """1 for the first twelve months from the start date, 2 for the next twelve, ..."""
    year = 1
    while on >= year_bounds(start, year)[1]:
        year += 1
    return year


def year_cap_hours(contract_hours: Any, uwv_share: Decimal, working_weeks: Decimal) -> Any:
    """The UWV maximum of a plan year in hours: the year's share of the working time (contract
    hours x working weeks). Plain arithmetic, so the lists compute the same in SQL."""
    return contract_hours * (uwv_share * working_weeks)


def onboarding_cap(contract_hours: Decimal, fulltime: bool, rules: CoachingRules) -> Decimal:
    """Full-time: the fixed maximum; part-time: full coaching, i.e. two weeks of working hours."""
    return rules.onboarding_fulltime_cap_hours if fulltime else contract_hours * 2


def overview(
    entries: Iterable[Entry],
    *,
    start: date,
    contract_hours: Decimal,
    fulltime: bool,
    proefplaatsing_months: int,
    rules: Rules,
    years: int = 1,
) -> HoursOverview:
    """Every budget; plan years up to `years` and up to the last year that has hours."""
    entries = list(entries)
    last_year = max([years, *(plan_year(start, e.on) for e in entries)])
    proef_end = add_months(start, proefplaatsing_months)
    onboarding_end = start + timedelta(days=ONBOARDING_DAYS)
    at_start = rules_on(rules, start)
    onboarding = Budget(
        "Week 1-2 (inwerken)", start, onboarding_end,
        minutes_to_hours(sum(e.minutes for e in entries if start <= e.on < onboarding_end)),
        onboarding_cap(contract_hours, fulltime, at_start), at_start.warn_share,
    )
    summaries = []
    for year in range(1, last_year + 1):
        y_start, y_end = year_bounds(start, year)
        in_year = [e for e in entries if y_start <= e.on < y_end]
        yr = rules_on(rules, y_start)  # a plan year's figures: those valid on its first day
        cap = year_cap_hours(contract_hours, yr.uwv_share(year), yr.working_weeks_per_year).quantize(CENT)
        used = minutes_to_hours(sum(e.minutes for e in in_year))
        billable = minutes_to_hours(sum(e.minutes for e in in_year if e.on >= proef_end))
        rate = yr.hourly_rate_eur
        summaries.append(YearSummary(
            year=year,
            budget=Budget(f"Jaar {year}", y_start, y_end, used, cap, yr.warn_share),
            billable=billable,
            cost_eur=(billable * rate).quantize(CENT),
            uwv_max_eur=(cap * rate).quantize(CENT),
            uwv_eur=(min(billable, cap) * rate).quantize(CENT),
        ))
    return HoursOverview(onboarding=onboarding, years=tuple(summaries), proefplaatsing_end=proef_end)


def warnings_for(view: HoursOverview, on: date) -> list[str]:
    """Dutch warnings for the budgets a day falls in (after an entry on that day was added)."""
    out = []
    for budget in view.budgets():
        if not budget.contains(on):
            continue
        if budget.status == OVER:
            out.append(f"{budget.label}: het maximum van {fmt_hours(budget.cap)} uur is overschreden "
                       f"({fmt_hours(budget.used)} uur geschreven).")
        elif budget.status == NEAR:
            percent = (budget.share_used * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            out.append(f"{budget.label}: {percent}% van het maximum van {fmt_hours(budget.cap)} uur is gebruikt.")
    return out


def over_cap(view: HoursOverview, on: date) -> bool:
    return any(b.contains(on) and b.status == OVER for b in view.budgets())


# -- Dutch formatting -----------------------------------------------------------------------

MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def fmt_hours(value: Decimal) -> str:
    """166.40 -> '166,4'; 32.00 -> '32'."""
    text = f"{value.quantize(CENT):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def nl_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
