"""The list of candidate plans behind a figure of the dashboard or the management view.

Only for JoB (and administrators), like the figures themselves. Each query-string filter is
one condition from `workflows.usecases.list_filters`, the same the figures count with; a
filter on instruments lists one line per instrument, "te laat" one line per late milestone,
so that the number of lines is the figure that linked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from engine.clock import ensure_utc
from engine.errors import InvalidPayload, NotPermitted
from engine.inbox import local_today
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, Organisation
from engine.store.personal_data import DataKey
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, instruments
from workflows.domain.roles import ADMIN, JOB, ORG_EMPLOYER, ORG_WSP
from workflows.domain.rules import add_months
from workflows.storage.models import Candidate
from workflows.storage.money_models import PlacementInstrument
from workflows.usecases import list_filters as lf
from workflows.usecases.dashboard import _name, _opened
from workflows.usecases.plan_records import rules_of

MONTHS = {str(m): ("nog niet gestart" if m == 0 else f"maand {m}") for m in range(0, 13)}
YES = {"ja": "ja"}
THIS_MONTH = {"deze_maand": "deze maand"}


@dataclass(frozen=True)
class PlanRow:
    case_id: int
    candidate: str
    company: str
    state_label: str
    start_on: date | None
    detail: str = ""  # the instrument or the late milestone this line is about
    detail_on: date | None = None


@dataclass(frozen=True)
class PlanList:
    rows: list[PlanRow]
    filters: list[str]  # what the list is filtered on, in Dutch
    args: dict[str, str]  # the valid filters, to keep in links


def _iso(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class PlanLists:
    def __init__(self, services: Services) -> None:
        self.services = services

    def plans(self, actor: Actor, args: lf.Args) -> PlanList:
        """The plans the filters select; InvalidPayload (Dutch, per parameter) for an unknown value."""
        if actor.role not in (JOB, ADMIN):
            raise NotPermitted("Deze lijst is er alleen voor JoB.")
        now = self.services.clock.now()
        today = local_today(now)
        where = [Case.workflow == plan.NAME, self.services.policy.case_filter(actor)]
        said: list[str] = []
        kept: dict[str, str] = {}

        def keep(key: str, text: str) -> None:
            kept[key] = args[key].strip()
            said.append(text)

        if (m := lf.choice_arg(args, "maand", MONTHS, "planmaand")) is not None:
            where += [Case.state.in_(plan.ACTIVE), lf.plan_month_expr(today) == int(m)]
            keep("maand", f"lopend, {MONTHS[m]}")
        if (st := lf.choice_arg(args, "status", lf.PLAN_STATUSES, "status")) is not None:
            where.append(lf.plan_status(st))
            keep("status", lf.PLAN_STATUSES[st].lower())
        org = lf.id_arg(args, "werkgever", "werkgever")
        region = lf.id_arg(args, "regio", "WSP-regio")
        names = self._names({i for i in (org, region) if i is not None})
        if org is not None:
            if names.get(org, (None, ""))[1] != ORG_EMPLOYER:
                raise InvalidPayload({"werkgever": f"Er is geen werkgever met nummer {org}."})
            where.append(Case.organisation_id == org)
            keep("werkgever", f"werkgever {names[org][0]}")
        if region is not None:
            if names.get(region, (None, ""))[1] != ORG_WSP:
                raise InvalidPayload({"regio": f"Er is geen WSP-regio met nummer {region}."})
            where.append(lf.in_region(region))
            keep("regio", names[region][0])
        if (p := lf.period_arg(args, "gestart")) is not None:
            where.append(lf.started_in(p))
            keep("gestart", f"gestart in {p.label}")
        if (p := lf.period_arg(args, "beeindigd")) is not None:
            where.append(lf.closed_in(p, lf.ENDED_EARLY))
            keep("beeindigd", f"voortijdig beëindigd in {p.label}")
        if (p := lf.period_arg(args, "afgerond")) is not None:
            where.append(lf.closed_in(p, (plan.AFGEROND,)))
            keep("afgerond", f"na 12 maanden afgerond (aan het werk) in {p.label}")
        hours = lf.choice_arg(args, "uren", coaching.STATUS_LABELS, "stand van de uren")
        instrument = lf.choice_arg(args, "instrument", lf.PENDING_INSTRUMENTS, "instrumentstatus")
        due = lf.choice_arg(args, "termijn", THIS_MONTH, "termijn")
        decided = lf.period_arg(args, "besluit")
        late = lf.choice_arg(args, "te_laat", YES, "keuze voor te laat")
        if (due or decided) and instrument is None:
            raise InvalidPayload({"instrument": "Kies bij een termijn of besluitperiode ook een instrumentstatus."})

        candidate = Candidate.id == Case.data["candidate_id"].as_integer()
        cols = [Case.id, Case.state, Case.data["start_date"].as_string(), Organisation.name,
                Candidate.first_name, Candidate.last_name]
        P = PlacementInstrument
        stmt = None
        if instrument is not None:
            before = add_months(today.replace(day=1), 1) if due else None
            stmt = select(*cols, P.kind, P.apply_by, P.decided_on, DataKey.wrapped).join(
                P, P.plan_case_id == Case.id).where(lf.instrument_condition(instrument, due_before=before,
                                                                            decided=decided))
            keep("instrument", f"instrument {lf.PENDING_INSTRUMENTS[instrument].lower()}")
            if due:
                keep("termijn", "aanvragen uiterlijk deze maand (of te laat)")
            if decided:
                keep("besluit", f"besluit in {decided.label}")
        elif late is not None:
            lt = lf.late_tasks(now).subquery()
            stmt = select(*cols, lt.c.key, lt.c.due_at, DataKey.wrapped).join(lt, lt.c.case_id == Case.id)
            keep("te_laat", "met een te late evaluatie")
        else:
            stmt = select(*cols, DataKey.wrapped)
        if hours is not None:
            rules = self._rules()
            minutes = lf.used_minutes()
            stmt = stmt.outerjoin(minutes, minutes.c.case_id == Case.id)
            where += [Case.state.in_(plan.ACTIVE), lf.hours_status_expr(rules, minutes) == hours]
            keep("uren", f"lopend, uren: {coaching.STATUS_LABELS[hours].lower()}")
        stmt = (stmt.outerjoin(Organisation, Organisation.id == Case.organisation_id)
                .outerjoin(Candidate, candidate).outerjoin(DataKey, DataKey.subject_id == Candidate.id)
                .where(*where))
        spec = self.services.registry.latest(plan.NAME).spec
        with self.services.db.read() as s:
            raw = _opened(s, s.execute(stmt).all(), 4)
        rows = self._rows(raw, spec, instrument is not None, late is not None)
        rows.sort(key=lambda r: (r.company, r.candidate.lower(), r.case_id, r.detail))
        return PlanList(rows, said, kept)

    def _names(self, ids: set[int]) -> dict[int, tuple[str, str]]:
        """Organisation id -> (name, kind), for the filters that name one."""
        if not ids:
            return {}
        with self.services.db.read() as s:
            rows = s.execute(select(Organisation.id, Organisation.name, Organisation.kind)
                             .where(Organisation.id.in_(ids))).all()
        return {i: (n, k) for i, n, k in rows}

    def _rules(self):
        """The settings valid today: the hours filter matches the dashboard's figure, which uses them."""
        with self.services.db.read() as s:
            return rules_of(s, local_today(self.services.clock.now()))

    @staticmethod
    def _rows(raw, spec, by_instrument: bool, by_milestone: bool) -> list[PlanRow]:
        out: list[PlanRow] = []
        seen: set[tuple[int, str]] = set()
        for r in raw:
            case_id, state, start, company, first, last, *extra = r
            base = dict(case_id=case_id, candidate=_name(first, last), company=company or "—",
                        state_label=spec.state_label(state), start_on=_iso(start))
            if by_instrument:
                kind, apply_by, decided_on = extra
                out.append(PlanRow(**base, detail=instruments.KIND_LABELS.get(kind, kind),
                                   detail_on=decided_on or apply_by))
            elif by_milestone:
                key, due_at = extra
                milestone = key.split(":", 1)[0]
                kind = plan.KIND_BY_KEY.get(milestone)
                if kind is None or (case_id, milestone) in seen:
                    continue  # one line per milestone, whatever the number of roles with a task
                seen.add((case_id, milestone))
                out.append(PlanRow(**base, detail=kind.label,
                                   detail_on=ensure_utc(due_at).astimezone(plan.AMSTERDAM).date()))
            else:
                out.append(PlanRow(**base))
        return out
