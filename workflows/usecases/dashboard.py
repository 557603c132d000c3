"""JoB's dashboard: how many trajectories per phase, plans per month, what is late, hours
against the UWV cap, and placements per employer (for the banenafspraak).

Every figure comes from one aggregate query (five in all, plus the money settings), never
from loading each case. The trajectories per phase come from counters the database keeps
(`engine.store.case_counts`), so that figure costs the same with ten thousand or a million cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import True_

from engine.clock import ensure_utc
from engine.errors import NotPermitted
from engine.inbox import local_today
from engine.services import Services
from engine.spec import Actor
from engine.store import case_counts
from engine.store import personal_data as sealing
from engine.store.models import Case, Organisation, Task
from engine.store.personal_data import DataKey
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching
from workflows.domain import company_trajectory as trajectory
from workflows.domain.roles import ADMIN, JOB
from workflows.storage.models import Candidate, Company
from workflows.storage.plan_models import CoachingEntry
from workflows.usecases.list_filters import month_boundaries
from workflows.usecases.plan_services import PlanServices


@dataclass(frozen=True)
class PhaseCount:
    state: str
    label: str
    count: int


@dataclass(frozen=True)
class MonthCount:
    month: int  # 0: not started yet; 1..12: plan month
    label: str
    count: int


@dataclass(frozen=True)
class LateMilestone:
    case_id: int
    candidate: str
    company: str
    label: str
    due_on: date
    days_late: int


@dataclass(frozen=True)
class HoursRow:
    case_id: int
    candidate: str
    company: str
    used: Decimal
    cap: Decimal
    status: str

    @property
    def status_label(self) -> str:
        return coaching.STATUS_LABELS[self.status]

    @property
    def percent(self) -> int:
        if not self.cap:
            return 100 if self.used else 0
        return int((self.used / self.cap * 100).to_integral_value())

    @property
    def used_text(self) -> str:
        return coaching.fmt_hours(self.used)

    @property
    def cap_text(self) -> str:
        return coaching.fmt_hours(self.cap)


@dataclass(frozen=True)
class Placement:
    company_id: int
    company: str
    employees: int | None
    hired: int  # candidate plans started
    running: int
    finished: int  # plan year completed
    no_contract: int
    stopped: int

    @property
    def quota_applies(self) -> bool:
        return (self.employees or 0) >= 25

    @property
    def working(self) -> int:
        """Placed and (still or after the plan year) employed."""
        return self.running + self.finished


@dataclass(frozen=True)
class DashboardData:
    today: date
    trajectories: list[PhaseCount]
    plans_by_month: list[MonthCount]
    late_milestones: list[LateMilestone]
    hours: list[HoursRow]
    placements: list[Placement]

    @property
    def active_trajectories(self) -> int:
        return sum(p.count for p in self.trajectories)

    @property
    def active_plans(self) -> int:
        return sum(m.count for m in self.plans_by_month)


def plan_month(start: date, today: date) -> int:
    """The same rule in Python (for tests and single plans): 0 before the start, at most 12."""
    if start > today:
        return 0
    return sum(1 for b in month_boundaries(today) if start <= b)


class Dashboard:
    def __init__(self, services: Services) -> None:
        self.services = services

    def build(self, actor: Actor) -> DashboardData:
        if actor.role not in (JOB, ADMIN):
            raise NotPermitted("Het dashboard is er alleen voor JoB.")
        now = self.services.clock.now()
        today = local_today(now)
        visible = self.services.policy.case_filter(actor)
        rules = PlanServices(self.services).coaching_rules()
        ct_spec = self.services.registry.latest(trajectory.NAME).spec
        open_ct = [s.name for s in ct_spec.states if not s.final]
        everyone = isinstance(visible, True_)
        # Everyone's cases (JoB, administrators): the statements are built once per process.
        q = _all_statements() if everyone else _statements(visible)
        params = {"now": now, **{f"b{m}": b.isoformat() for m, b in enumerate(month_boundaries(today), 1)}}

        with self.services.db.read() as s:
            if everyone:
                # Everyone's cases: the counters the database keeps (engine/store/case_counts.py),
                # so the page does not grow with the number of cases.
                per_phase = case_counts.counts(s, trajectory.NAME, open_ct)
            else:
                per_phase = dict(s.execute(
                    select(Case.state, func.count())
                    .where(Case.workflow == trajectory.NAME, Case.state.in_(open_ct), visible)
                    .group_by(Case.state)).all())
            per_month = dict(s.execute(q.per_month, params).all())
            late_rows = _opened(s, s.execute(q.late, params).all(), 4)
            hour_rows = _opened(s, s.execute(q.hours).all(), 3)
            # Names are sealed: ordered here rather than in SQL.
            hour_rows.sort(key=lambda r: (r[2] or "", (r[3] or "").lower(), r[0]))
            placement_rows = s.execute(q.placements).all()

        return DashboardData(
            today=today,
            trajectories=[PhaseCount(st, ct_spec.state_label(st), int(per_phase.get(st, 0))) for st in open_ct],
            plans_by_month=[MonthCount(m, "Nog niet gestart" if m == 0 else f"Maand {m}", int(per_month.get(m, 0)))
                            for m in range(0, 13)],
            late_milestones=_late(late_rows, now),
            hours=[_hours_row(r, rules) for r in hour_rows],
            placements=_placements(placement_rows),
        )


@dataclass(frozen=True)
class _Statements:
    per_month: Any
    late: Any
    hours: Any
    placements: Any


@lru_cache(maxsize=1)
def _all_statements() -> _Statements:
    return _statements(true())


def _statements(visible: Any) -> _Statements:
    """The dashboard's aggregates; `now` and the plan-month boundaries `b1`..`b12` are parameters."""
    candidate = Candidate.id == Case.data["candidate_id"].as_integer()
    start = Case.data["start_date"].as_string()
    month_expr = case(*((start <= bindparam(f"b{m}"), m) for m in range(12, 0, -1)), else_=0)
    # The active plans' ids as an IN list: otherwise SQLite's planner (its statistics
    # do not apply to bound parameters) read every case or every late task of every
    # workflow (16 and 80 ms at 100,000 cases without a single plan).
    active_plans = select(Case.id).where(Case.workflow == plan.NAME, Case.state.in_(plan.ACTIVE), visible)
    minutes = (select(CoachingEntry.plan_case_id.label("case_id"), func.sum(CoachingEntry.minutes).label("m"))
               .where(CoachingEntry.plan_case_id.in_(active_plans))
               .group_by(CoachingEntry.plan_case_id).subquery())
    return _Statements(
        per_month=select(month_expr.label("m"), func.count()).where(Case.id.in_(active_plans)).group_by("m"),
        late=(select(Task.case_id, Task.key, Task.due_at, Organisation.name, Candidate.first_name,
                     Candidate.last_name, DataKey.wrapped)
              .join(Case, Case.id == Task.case_id)
              .outerjoin(Organisation, Organisation.id == Case.organisation_id)
              .outerjoin(Candidate, candidate)
              .outerjoin(DataKey, DataKey.subject_id == Candidate.id)
              .where(Task.case_id.in_(active_plans), Task.status == "open",
                     Task.key.contains(":"), Task.due_at < bindparam("now"))
              .order_by(Task.due_at, Task.case_id, Task.id)),
        hours=(select(Case.id, Case.data["contract_hours"].as_float(), Organisation.name, Candidate.first_name,
                      Candidate.last_name, func.coalesce(minutes.c.m, 0), DataKey.wrapped)
               .outerjoin(Organisation, Organisation.id == Case.organisation_id)
               .outerjoin(Candidate, candidate)
               .outerjoin(DataKey, DataKey.subject_id == Candidate.id)
               .outerjoin(minutes, minutes.c.case_id == Case.id)
               .where(Case.id.in_(active_plans))),
        # From the plans (an IN list again), not from every organisation: SQLite otherwise
        # probed the case index once per organisation.
        placements=(select(Organisation.id, Organisation.name, Company.employees, Case.state, func.count())
                    .select_from(Case).join(Organisation, Case.organisation_id == Organisation.id)
                    .outerjoin(Company, Company.organisation_id == Organisation.id)
                    .where(Case.id.in_(select(Case.id).where(Case.workflow == plan.NAME, visible)))
                    .group_by(Organisation.id, Organisation.name, Company.employees, Case.state)),
    )


def _opened(s: Session, rows: list[Any], first: int) -> list[tuple[Any, ...]]:
    """Rows with the sealed first and last name (at `first`, `first + 1`) opened with the
    candidate's data key read in the same row (the last column, dropped)."""
    out = []
    for r in rows:
        *values, wrapped = r
        for i in (first, first + 1):
            values[i] = sealing.open_column(s, (Candidate.first_name, Candidate.last_name)[i - first], values[i], wrapped)
        out.append(tuple(values))
    return out


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or "—"


def _late(rows, now: datetime) -> list[LateMilestone]:
    """One line per plan milestone, whatever the number of roles with a task for it."""
    seen: dict[tuple[int, str], LateMilestone] = {}
    today = local_today(now)
    for case_id, key, due_at, company, first, last in rows:
        milestone = key.split(":", 1)[0]
        kind = plan.KIND_BY_KEY.get(milestone)
        if kind is None or (case_id, milestone) in seen:
            continue
        due_on = ensure_utc(due_at).astimezone(plan.AMSTERDAM).date()
        seen[(case_id, milestone)] = LateMilestone(case_id, _name(first, last), company or "—", kind.label, due_on,
                                                   (today - due_on).days)
    return list(seen.values())


def _hours_row(r, rules) -> HoursRow:
    case_id, contract_hours, company, first, last, minutes = r
    cap = (rules.uwv_share(1) * Decimal(str(contract_hours or 0)) * rules.working_weeks_per_year).quantize(
        coaching.CENT)
    used = coaching.minutes_to_hours(int(minutes or 0))
    budget = coaching.Budget("Jaar 1", date.min, date.max, used, cap, rules.warn_share)
    return HoursRow(case_id, _name(first, last), company or "—", used, cap, budget.status)


def _placements(rows) -> list[Placement]:
    by_company: dict[int, dict] = {}
    for org_id, name, employees, state, n in rows:
        p = by_company.setdefault(org_id, {"company": name, "employees": employees, "states": {}})
        p["states"][state] = p["states"].get(state, 0) + int(n)
    out = []
    for org_id, p in by_company.items():
        st = p["states"]
        out.append(Placement(
            company_id=org_id, company=p["company"], employees=p["employees"], hired=sum(st.values()),
            running=sum(v for k, v in st.items() if k in plan.ACTIVE), finished=st.get("afgerond", 0),
            no_contract=st.get("geen_contract", 0), stopped=st.get("gestopt", 0),
        ))
    out.sort(key=lambda p: (-p.hired, p.company))
    return out
