"""The filters behind a figure: each a query-string parameter of a list, checked, and turned
into one SQL condition.

The dashboard and the management view count with these same conditions, so that following a
figure's link shows exactly the cases behind it (the rule "a link shows its count"). A value
that does not exist gives a Dutch message for the list to show (`InvalidPayload`, never a 500).
Kept apart from the list pages on purpose: a list passes the request's arguments in and adds
the conditions it gets back; nothing else on the list changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Numeric, and_, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement as Expr

from engine.errors import InvalidPayload
from engine.store.models import AuditEntry, Case, Organisation, Task
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, instruments
from workflows.domain import company_trajectory as trajectory
from workflows.domain.plan_year import local_midnight
from workflows.domain.rules import CoachingRules, add_months
from workflows.storage.money_models import PlacementInstrument
from workflows.storage.plan_models import CoachingEntry

Args = Mapping[str, str]

# -- periods (the management view's selector; "2026" or "2026-K2") -------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:-K([1-4]))?$")
QUARTER_NAMES = {1: "1e kwartaal", 2: "2e kwartaal", 3: "3e kwartaal", 4: "4e kwartaal"}


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: date
    end: date  # exclusive

    @property
    def start_utc(self) -> datetime:
        return local_midnight(self.start)

    @property
    def end_utc(self) -> datetime:
        return local_midnight(self.end)


def period(key: str) -> Period | None:
    """'2026' -> the year, '2026-K2' -> April to June; anything else -> None."""
    m = _PERIOD.match(key or "")
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        return None
    year = int(m.group(1))
    if m.group(2) is None:
        return Period(key, str(year), date(year, 1, 1), date(year + 1, 1, 1))
    q = int(m.group(2))
    start = date(year, 3 * q - 2, 1)
    return Period(key, f"{QUARTER_NAMES[q]} {year}", start, add_months(start, 3))


def period_choices(today: date) -> list[Period]:
    """This year and last year, each followed by its quarters (up to the current one)."""
    out: list[Period] = []
    for year in (today.year, today.year - 1):
        out.append(period(str(year)))  # type: ignore[arg-type]
        last_q = (today.month - 1) // 3 + 1 if year == today.year else 4
        out += [period(f"{year}-K{q}") for q in range(1, last_q + 1)]  # type: ignore[misc]
    return out


def period_arg(args: Args, key: str) -> Period | None:
    raw = (args.get(key) or "").strip()
    if not raw:
        return None
    p = period(raw)
    if p is None:
        raise InvalidPayload({key: f"Onbekende periode '{raw[:20]}': kies een jaar (2026) of een kwartaal (2026-K1)."})
    return p


def choice_arg(args: Args, key: str, choices: Mapping[str, str], what: str) -> str | None:
    raw = (args.get(key) or "").strip()
    if not raw:
        return None
    if raw not in choices:
        raise InvalidPayload({key: f"Onbekende {what} '{raw[:40]}'. Kies uit: {', '.join(choices.values())}."})
    return raw


def id_arg(args: Args, key: str, what: str) -> int | None:
    raw = (args.get(key) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidPayload({key: f"Onbekende {what} '{raw[:20]}': verwacht een nummer."})
    return int(raw)


def in_region(region_id: int) -> ColumnElement[bool]:
    """A case of an employer in this WSP region."""
    return Case.organisation_id.in_(select(Organisation.id).where(Organisation.parent_id == region_id))


# -- company trajectories -------------------------------------------------------------------------


def trajectory_phases(spec) -> dict[str, str]:
    """Open phases of the company trajectory, in order, with their Dutch names."""
    return {s.name: s.label for s in spec.states if not s.final}


def open_in_phase(state: str) -> ColumnElement[bool]:
    """Employers (Organisation.id) whose open trajectory is in this phase."""
    return Organisation.id.in_(select(Case.organisation_id).where(
        Case.workflow == trajectory.NAME, Case.state == state))


def reached_phase(state: str, started: Period | None):
    """Trajectories (started in the period) that were ever in this phase: their audit trail has a
    step into it. A select of (case id, employer id) for the funnel to count and the list to filter."""
    stmt = (select(Case.id, Case.organisation_id).join(AuditEntry, AuditEntry.case_id == Case.id)
            .where(Case.workflow == trajectory.NAME, AuditEntry.to_state == state))
    if started is not None:
        stmt = stmt.where(Case.created_at >= started.start_utc, Case.created_at < started.end_utc)
    return stmt


# -- candidate plans -------------------------------------------------------------------------------


def month_boundaries(today: date, months: int = 12) -> list[date]:
    """b[m-1]: the latest start date for which plan month m has begun today.

    A plan is in month m when add_months(start, m-1) <= today < add_months(start, m); since
    add_months grows with the start date, "month >= m" is "start <= b[m-1]".
    """
    out = []
    for m in range(1, months + 1):
        day = add_months(today, -(m - 1))
        while add_months(day + timedelta(days=1), m - 1) <= today:
            day += timedelta(days=1)
        while add_months(day, m - 1) > today:
            day -= timedelta(days=1)
        out.append(day)
    return out


def plan_month_expr(today: date) -> Expr:
    """The plan month (0 before the start, 1..12) of a plan case, in SQL."""
    start = Case.data["start_date"].as_string()
    bounds = month_boundaries(today)
    return case(*((start <= bounds[m - 1].isoformat(), m) for m in range(12, 0, -1)), else_=0)


def late_tasks(now: datetime):
    """Open milestone tasks (key 'week4:job' etc.) past their moment, of active plans."""
    return (select(Task.case_id, Task.key, Task.due_at)
            .join(Case, Case.id == Task.case_id)
            .where(Case.workflow == plan.NAME, Case.state.in_(plan.ACTIVE), Task.status == "open",
                   Task.key.contains(":"), Task.due_at < now))


def used_minutes():
    """Minutes logged per plan (all years), as a subquery with columns case_id, m."""
    return (select(CoachingEntry.plan_case_id.label("case_id"), func.sum(CoachingEntry.minutes).label("m"))
            .group_by(CoachingEntry.plan_case_id).subquery())


def year1_cap_expr(rules: CoachingRules) -> Expr:
    """The UWV maximum of plan year 1 in hours (coaching.overview: share x contract hours x weeks)."""
    hours = cast(func.coalesce(Case.data["contract_hours"].as_float(), 0), Numeric(10, 2))
    return func.round(coaching.year_cap_hours(hours, rules.uwv_share(1), rules.working_weeks_per_year), 2)


def hours_status_expr(rules: CoachingRules, minutes) -> Expr:
    """coaching.Budget.status in SQL, built from the same bands (`coaching.HOURS_BANDS`)."""
    used = func.round(cast(func.coalesce(minutes.c.m, 0), Numeric(12, 2)) / 60, 2)
    cap = year1_cap_expr(rules)
    limits = {"maximum": cap, "waarschuwing": cap * Decimal(str(rules.warn_share))}
    return case(*((and_(used > 0, used > limits[b.limit] if b.strictly_above else used >= limits[b.limit]),
                   b.status) for b in coaching.HOURS_BANDS), else_=coaching.OK)


PLAN_STATUSES: dict[str, str] = {
    "lopend": "Lopend", "aan_het_werk": "Aan het werk (lopend of afgerond)", plan.AFGEROND: "Afgerond",
    plan.GESTOPT: "Gestopt", plan.GEEN_CONTRACT: "Geen contract",
}
ENDED_EARLY = (plan.GESTOPT, plan.GEEN_CONTRACT)


def plan_status(key: str) -> ColumnElement[bool]:
    if key == "lopend":
        return Case.state.in_(plan.ACTIVE)
    if key == "aan_het_werk":
        return Case.state.in_((*plan.ACTIVE, plan.AFGEROND))
    return Case.state == key


def started_in(p: Period) -> ColumnElement[bool]:
    start = Case.data["start_date"].as_string()
    return and_(start >= p.start.isoformat(), start < p.end.isoformat())


def closed_in(p: Period, states: tuple[str, ...]) -> ColumnElement[bool]:
    return and_(Case.state.in_(states), Case.closed_at >= p.start_utc, Case.closed_at < p.end_utc)


PENDING_INSTRUMENTS: dict[str, str] = {
    instruments.TO_APPLY: "Aan te vragen", instruments.APPLIED: "Aangevraagd", instruments.REFUSED: "Afgewezen"}


def instrument_condition(status: str, *, due_before: date | None = None,
                         decided: Period | None = None) -> ColumnElement[bool]:
    """Instruments in this status; to apply for before a date; refused within a period."""
    P = PlacementInstrument
    parts = [P.status == status]
    if due_before is not None:
        parts.append(P.apply_by < due_before)
    if decided is not None:
        parts += [P.decided_on >= decided.start, P.decided_on < decided.end]
    return and_(*parts)


@dataclass(frozen=True)
class Filters:
    """What a list adds to its query, and what it tells the reader it is filtered on."""

    where: tuple[ColumnElement[bool], ...]
    said: tuple[str, ...]


def company_filters(args: Args, phases: Mapping[str, str]) -> Filters:
    """`fase` (the open trajectory's phase, or 'lopend' for any), `regio` (WSP region id),
    `bereikt` (ever reached this phase) with `gestart` (trajectory started in the period)."""
    where: list[ColumnElement[bool]] = []
    said: list[str] = []
    phase = choice_arg(args, "fase", {"lopend": "lopend", **phases}, "fase")
    if phase == "lopend":
        where.append(Organisation.id.in_(select(Case.organisation_id).where(
            Case.workflow == trajectory.NAME, Case.state.in_(list(phases)))))
        said.append("met een lopend bedrijfstraject")
    elif phase is not None:
        where.append(open_in_phase(phase))
        said.append(f"bedrijfstraject in fase {phases[phase]}")
    if (region := id_arg(args, "regio", "WSP-regio")) is not None:
        where.append(Organisation.parent_id == region)
        said.append(f"WSP-regio nr. {region}")
    reached = choice_arg(args, "bereikt", phases, "fase")
    started = period_arg(args, "gestart")
    if reached is not None:
        orgs = reached_phase(reached, started).with_only_columns(Case.organisation_id)
        where.append(Organisation.id.in_(orgs))
        said.append(f"bedrijfstraject heeft fase {phases[reached]} bereikt"
                    + (f" (gestart in {started.label})" if started else ""))
    elif started is not None:
        raise InvalidPayload({"gestart": "Kies bij een startperiode ook de bereikte fase."})
    return Filters(tuple(where), tuple(said))
