"""JoB's management view: per WSP region and per period (year or quarter) how many placements
started, ended early and were still working after the plan year; how far company trajectories
got (the phase funnel); coaching hours against the UWV maximum; instruments pending and refused.

For JoB coordinators and administrators. Every figure is one aggregate query grouped by region
(five in all, plus the settings and the regions' names), counted with the same conditions as
the list it links to (`workflows.usecases.list_filters`), so a figure and its list agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import distinct, func, select

from engine.errors import NotPermitted
from engine.inbox import local_today
from engine.services import Services
from engine.spec import Actor
from engine.store.models import AuditEntry, Case, Organisation, User
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, instruments
from workflows.domain import company_trajectory as trajectory
from workflows.domain.roles import ADMIN, JOB, ORG_WSP
from workflows.domain.rules import add_months
from workflows.storage.money_models import PlacementInstrument
from workflows.usecases import list_filters as lf
from workflows.usecases.plan_records import rules_of

NO_REGION = 0  # employers without a WSP region (should not exist; counted, not hidden)


@dataclass(frozen=True)
class Figure:
    """A number and the list behind it: `list` is 'plannen' or 'bedrijven', `args` its filters."""

    value: int
    list: str
    args: tuple[tuple[str, str], ...]


@dataclass
class RegionFigures:
    region_id: int
    region: str
    started: int = 0
    ended: int = 0
    working_12: int = 0
    funnel: dict[str, int] = field(default_factory=dict)
    hours_status: dict[str, int] = field(default_factory=dict)
    hours_used: Decimal = Decimal("0")
    hours_cap: Decimal = Decimal("0")
    to_apply: int = 0
    due_this_month: int = 0
    applied: int = 0
    refused: int = 0

    @property
    def hours_used_text(self) -> str:
        return coaching.fmt_hours(self.hours_used)

    @property
    def hours_cap_text(self) -> str:
        return coaching.fmt_hours(self.hours_cap)


@dataclass(frozen=True)
class ManagementData:
    period: lf.Period
    periods: list[lf.Period]
    today: date
    phases: dict[str, str]  # open phases of the company trajectory, in order
    regions: list[RegionFigures]  # one per WSP region (and "no region" only when it has figures)
    total: RegionFigures

    def figure(self, r: RegionFigures, what: str, key: str = "") -> Figure:
        """The figure `what` of a region (or the total) with the filters of its list."""
        region = () if r is self.total else (("regio", str(r.region_id)),)
        p = self.period.key
        plans, companies = "plannen", "bedrijven"
        simple = {
            "started": (r.started, plans, (("gestart", p),)),
            "ended": (r.ended, plans, (("beeindigd", p),)),
            "working_12": (r.working_12, plans, (("afgerond", p),)),
            "to_apply": (r.to_apply, plans, (("instrument", instruments.TO_APPLY),)),
            "due_this_month": (r.due_this_month, plans, (("instrument", instruments.TO_APPLY),
                                                          ("termijn", "deze_maand"))),
            "applied": (r.applied, plans, (("instrument", instruments.APPLIED),)),
            "refused": (r.refused, plans, (("instrument", instruments.REFUSED), ("besluit", p))),
        }
        if what in simple:
            value, kind, args = simple[what]
        elif what == "funnel":
            value, kind, args = r.funnel.get(key, 0), companies, (("bereikt", key), ("gestart", p))
        elif what == "hours":
            value, kind, args = r.hours_status.get(key, 0), plans, (("uren", key),)
        else:
            raise KeyError(what)
        return Figure(value, kind, args + region)


class Management:
    def __init__(self, services: Services) -> None:
        self.services = services

    def allowed(self, actor: Actor) -> bool:
        if actor.role == ADMIN:
            return True
        if actor.role != JOB or actor.user_id is None:
            return False
        with self.services.db.read() as s:
            return bool(s.scalar(select(User.is_coordinator).where(User.id == actor.user_id)))

    def build(self, actor: Actor, period_key: str | None = None) -> ManagementData:
        """The figures for the period ('2026', '2026-K2'; default: this year). An unknown period is
        an InvalidPayload with a Dutch message."""
        if not self.allowed(actor):
            raise NotPermitted("Het managementoverzicht is er alleen voor coördinatoren van JoB en beheerders.")
        now = self.services.clock.now()
        today = local_today(now)
        period = lf.period_arg({"periode": period_key or str(today.year)}, "periode")
        assert period is not None
        visible = self.services.policy.case_filter(actor)
        phases = lf.trajectory_phases(self.services.registry.latest(trajectory.NAME).spec)
        region_of = Organisation.parent_id
        plans_in = (Case.workflow == plan.NAME, visible)
        org_join = (Organisation, Organisation.id == Case.organisation_id)
        P = PlacementInstrument
        next_month = add_months(today.replace(day=1), 1)

        with self.services.db.read() as s:
            regions = dict(s.execute(select(Organisation.id, Organisation.name)
                                     .where(Organisation.kind == ORG_WSP)).all())
            rules = rules_of(s, today)  # the settings valid today, as the dashboard's hours figure
            placements = s.execute(
                select(region_of,
                       func.count().filter(lf.started_in(period)),
                       func.count().filter(lf.closed_in(period, lf.ENDED_EARLY)),
                       func.count().filter(lf.closed_in(period, (plan.AFGEROND,))))
                .join(*org_join).where(*plans_in).group_by(region_of)).all()
            funnel = s.execute(self._funnel(period, visible, phases)).all()
            minutes = lf.used_minutes()
            status = lf.hours_status_expr(rules, minutes).label("status")
            used = func.coalesce(minutes.c.m, 0)
            hours = s.execute(
                select(region_of, status, func.count(), func.sum(used), func.sum(lf.year1_cap_expr(rules)))
                .join(*org_join).outerjoin(minutes, minutes.c.case_id == Case.id)
                .where(*plans_in, Case.state.in_(plan.ACTIVE)).group_by(region_of, status)).all()
            pending = s.execute(
                select(region_of,
                       func.count().filter(lf.instrument_condition(instruments.TO_APPLY)),
                       func.count().filter(lf.instrument_condition(instruments.TO_APPLY, due_before=next_month)),
                       func.count().filter(lf.instrument_condition(instruments.APPLIED)),
                       func.count().filter(lf.instrument_condition(instruments.REFUSED, decided=period)))
                .select_from(P).join(Case, Case.id == P.plan_case_id).join(*org_join)
                .where(*plans_in).group_by(region_of)).all()

        out: dict[int, RegionFigures] = {rid: RegionFigures(rid, name) for rid, name in regions.items()}

        def of(region_id: int | None) -> RegionFigures:
            rid = region_id or NO_REGION
            if rid not in out:
                out[rid] = RegionFigures(rid, "Zonder WSP-regio")
            return out[rid]

        for rid, started, ended, working in placements:
            r = of(rid)
            r.started, r.ended, r.working_12 = int(started or 0), int(ended or 0), int(working or 0)
        for rid, state, n in funnel:
            of(rid).funnel[state] = int(n)
        for rid, st, n, mins, cap in hours:
            r = of(rid)
            r.hours_status[st] = int(n)
            r.hours_used += coaching.minutes_to_hours(int(mins or 0))
            r.hours_cap += Decimal(str(cap or 0)).quantize(coaching.CENT)
        for rid, to_apply, due, applied, refused in pending:
            r = of(rid)
            r.to_apply, r.due_this_month, r.applied, r.refused = (int(to_apply or 0), int(due or 0),
                                                                  int(applied or 0), int(refused or 0))
        rows = sorted(out.values(), key=lambda r: (r.region_id == NO_REGION, r.region))
        return ManagementData(period, lf.period_choices(today), today, phases, rows, _total(rows, phases))

    @staticmethod
    def _funnel(period: lf.Period, visible, phases: dict[str, str]):
        """Employers per region whose trajectory (started in the period) reached each phase."""
        region_of = Organisation.parent_id
        return (select(region_of, AuditEntry.to_state, func.count(distinct(Case.organisation_id)))
                .select_from(Case).join(AuditEntry, AuditEntry.case_id == Case.id)
                .join(Organisation, Organisation.id == Case.organisation_id)
                .where(Case.workflow == trajectory.NAME, visible, AuditEntry.to_state.in_(list(phases)),
                       Case.created_at >= period.start_utc, Case.created_at < period.end_utc)
                .group_by(region_of, AuditEntry.to_state))


def _total(rows: list[RegionFigures], phases: dict[str, str]) -> RegionFigures:
    t = RegionFigures(-1, "Totaal")
    for r in rows:
        t.started += r.started
        t.ended += r.ended
        t.working_12 += r.working_12
        for k, v in r.funnel.items():
            t.funnel[k] = t.funnel.get(k, 0) + v
        for k, v in r.hours_status.items():
            t.hours_status[k] = t.hours_status.get(k, 0) + v
        t.hours_used += r.hours_used
        t.hours_cap += r.hours_cap
        t.to_apply += r.to_apply
        t.due_this_month += r.due_this_month
        t.applied += r.applied
        t.refused += r.refused
    return t
