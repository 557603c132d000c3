"""What the pages and the API ask of the plan's money: instruments, hours statements per
month, the settings with their sources, the dashboard's instrument lists and an employer's
quota estimate. Reads only (writes go through `Services.perform` and its recorders), each
through the access policy: a plan or employer the actor may not see does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from engine.errors import CaseNotFound, InvalidPayload, NotFound, NotPermitted
from engine.inbox import local_today
from engine.runtime import load_case
from engine.services import Services
from engine.spec import Actor
from engine.store.admin_models import AdminAuditEntry
from engine.store.models import Case, Organisation, User
from workflows.domain import candidate_plan as plan
from workflows.domain import hours_periods, instruments, quota
from workflows.domain.roles import ADMIN, JOB
from workflows.domain.rules import (
    SETTING_BY_KEY,
    SETTINGS,
    MoneySetting,
    Rules,
    add_months,
    clean_settings,
    statement_change_refused,
)
from workflows.storage.models import Candidate
from workflows.storage.money_models import HoursPeriod, PlacementInstrument
from workflows.storage.plan_models import PlanSettingVersion
from workflows.usecases import money_records
from workflows.usecases.directory import Directory
from workflows.usecases.plan_records import history_of, rules_of


@dataclass(frozen=True)
class SettingVersionLine:
    """One version of a setting as the page lists it (the default has no author)."""

    value: Decimal
    source: str
    valid_from: date
    reason: str | None = None
    changed_at: datetime | None = None
    changed_by: str | None = None
    state: str = "geldt"  # "geldt" (valid today), "vervallen" (replaced), "toekomst" (from a later date)


@dataclass(frozen=True)
class SettingLine:
    setting: MoneySetting
    value: Decimal  # valid today
    source: str
    valid_from: date
    changed: bool  # an administrator gave a value (now or from a later date), not only the default
    history: tuple[SettingVersionLine, ...] = ()  # newest first, the default last

    @property
    def example(self) -> bool:
        return self.setting.example and not self.changed


@dataclass(frozen=True)
class DueInstrument:
    case_id: int
    company: str
    line: instruments.InstrumentLine
    due_on: date | None


@dataclass(frozen=True)
class InstrumentBoard:
    month_label: str
    due: list[DueInstrument]  # application deadlines and ends in this month (and late ones)
    refused: list[DueInstrument]


def _line(row: PlacementInstrument) -> instruments.InstrumentLine:
    return instruments.InstrumentLine(row.kind, row.status, row.apply_by, row.applied_on, row.decided_on,
                                      row.starts_on, row.ends_on, row.amount_eur)


class MoneyServices:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _plan(self, s: Any, actor: Actor, case_id: int) -> Case:
        case = load_case(s, case_id) if isinstance(case_id, int) else None  # a page's read: once
        if case is None or case.workflow != plan.NAME or not self.services.policy.can_see(actor, case):
            raise CaseNotFound(case_id)
        return case

    # the plan page ------------------------------------------------------------------------
    def instruments(self, actor: Actor, case_id: int) -> list[instruments.InstrumentLine]:
        with self.services.db.read() as s:
            case = self._plan(s, actor, case_id)
            rows = s.scalars(select(PlacementInstrument).where(PlacementInstrument.plan_case_id == case.id)).all()
            return instruments.lines_for({r.kind: _line(r) for r in rows})

    def statements(self, actor: Actor, case_id: int) -> list[hours_periods.Statement]:
        """Every month from the plan's start up to this month (or the plan's end), newest first."""
        today = local_today(self.services.clock.now())
        with self.services.db.read() as s:
            case = self._plan(s, actor, case_id)
            data, rules = dict(case.data), history_of(s)
            entries, corrections = money_records.statement_rows(s, case.id)
        last = min(today, plan.plan_end(data))
        last = max([last, *(e.on for e in entries), *(hours_periods.month_bounds(c.month)[0] for c in corrections)])
        months = hours_periods.months_of(plan.start_date(data), last)
        return [self._statement(data, case_id, m, rules, entries, corrections) for m in reversed(months)]

    def statement(self, actor: Actor, case_id: int, month: str) -> tuple[hours_periods.Statement, str, str]:
        """One month's statement with the candidate's and the employer's names (for the CSV)."""
        if hours_periods.parse_month(month) != month:
            raise NotFound("Onbekende periode.")
        with self.services.db.read() as s:
            case = self._plan(s, actor, case_id)
            data = dict(case.data)
            st = money_records.statement_for(s, data, case.id, month, history_of(s))
            person = s.get(Candidate, data["candidate_id"])
            employer = s.get(Organisation, case.organisation_id) if case.organisation_id else None
            names = (person.display_name if person else "", employer.name if employer else "")
        self.services.log_read(actor, case_id, plan.NAME, data, "urenverantwoording")
        return st, *names

    @staticmethod
    def _statement(data: Mapping[str, Any], case_id: int, month: str, rules: Rules,
                   entries: list[hours_periods.Entry],
                   corrections: list[hours_periods.Correction]) -> hours_periods.Statement:
        return hours_periods.statement(
            month, entries, start=plan.start_date(data), contract_hours=Decimal(str(data["contract_hours"])),
            proefplaatsing_months=plan.schedule_value(data, "proefplaatsing_months"), rules=rules,
            closed=month in (data.get("closed_periods") or []), corrections=corrections)

    # settings -----------------------------------------------------------------------------
    def settings(self) -> list[SettingLine]:
        """Every setting with the version valid today and all its versions."""
        today = local_today(self.services.clock.now())
        V = PlanSettingVersion
        with self.services.db.read() as s:
            rows = s.execute(select(V, User.name).outerjoin(User, User.id == V.changed_by_id)
                             .order_by(V.valid_from, V.id)).all()
        out = []
        for st in SETTINGS:
            versions = [SettingVersionLine(st.default, st.source, st.valid_from),
                        *(SettingVersionLine(Decimal(r.value), r.source, r.valid_from, r.reason, r.changed_at, name)
                          for r, name in rows if r.key == st.key)]
            current = max((i for i, v in enumerate(versions) if v.valid_from <= today), default=0)
            lines = tuple(replace(v, state="geldt" if i == current else "vervallen" if i < current else "toekomst")
                          for i, v in enumerate(versions))
            now = versions[current]
            out.append(SettingLine(st, now.value, now.source, now.valid_from, len(versions) > 1,
                                   tuple(reversed(lines))))
        return out

    def change_setting(self, actor: Actor, key: str, value: Any, source: Any, valid_from: Any,
                       reason: Any = None) -> int:
        """An administrator adds a value of one figure from a date on (today, later, or earlier
        when no closed statement reads it), naming its source and why; audited."""
        if actor.role != ADMIN:
            raise NotPermitted("Alleen een beheerder kan de instellingen wijzigen.")
        errors: dict[str, str] = {}
        clean: dict[str, Decimal] = {}
        try:
            clean = clean_settings({key: value})
        except InvalidPayload as exc:
            errors["value"] = next(iter(exc.errors.values()))
        text = source.strip() if isinstance(source, str) else ""
        if not 3 <= len(text) <= 500:
            errors["source"] = "Noem de bron van dit getal (3 tot 500 tekens)."
        why = reason.strip() if isinstance(reason, str) else ""
        if not 3 <= len(why) <= 500:
            errors["reason"] = "Schrijf waarom het getal verandert (3 tot 500 tekens)."
        since: date | None = None
        try:
            since = date.fromisoformat(str(valid_from).strip())
        except ValueError:
            errors["valid_from"] = "Vul de datum in vanaf wanneer het getal geldt (jjjj-mm-dd)."
        now = self.services.clock.now()
        with self.services.db.write() as s:
            if since is not None and key in SETTING_BY_KEY:
                last = s.scalar(select(func.max(HoursPeriod.month)))
                refused = statement_change_refused(
                    SETTING_BY_KEY[key], since, hours_periods.month_bounds(last)[1] - timedelta(days=1) if last else None)
                if refused:
                    errors["valid_from"] = refused
            if errors:
                raise InvalidPayload(errors)
            assert since is not None
            before = history_of(s).value(key, since)
            row = PlanSettingVersion(key=key, value=str(clean[key]), source=text, valid_from=since, reason=why,
                                     changed_at=now, changed_by_id=actor.user_id)
            s.add(row)
            s.flush()
            s.add(AdminAuditEntry.record(actor, now, "change_setting", "setting", row.id, {
                "key": key, "value": [str(before), row.value], "valid_from": since.isoformat(), "source": text}, why))
            return row.id

    # the dashboard ------------------------------------------------------------------------
    def board(self, actor: Actor) -> InstrumentBoard:
        """JoB: the instruments due this month (deadline or end; late ones too) and those refused."""
        if actor.role not in (JOB, ADMIN):
            raise NotPermitted("Alleen JoB ziet de instrumenten van alle plaatsingen.")
        today = local_today(self.services.clock.now())
        first = today.replace(day=1)
        after = add_months(first, 1)
        visible = self.services.policy.case_filter(actor)
        P = PlacementInstrument
        with self.services.db.read() as s:
            rows = s.execute(
                select(P, Organisation.name).join(Case, Case.id == P.plan_case_id)
                .outerjoin(Organisation, Organisation.id == Case.organisation_id)
                .where(visible, or_(
                    P.status == instruments.REFUSED,
                    and_(P.status == instruments.TO_APPLY, P.apply_by < after),
                    and_(P.status == instruments.GRANTED, P.ends_on >= first, P.ends_on < after)))
                .order_by(P.apply_by, P.ends_on, P.id)).all()
        due, refused = [], []
        for row, company in rows:
            line = _line(row)
            item = DueInstrument(row.plan_case_id, company or "", line, line.apply_by or line.ends_on)
            (refused if row.status == instruments.REFUSED else due).append(item)
        return InstrumentBoard(f"{hours_periods.month_label(hours_periods.month_key(today))}", due, refused)

    # the company page ---------------------------------------------------------------------
    def quota(self, actor: Actor, organisation_id: int) -> quota.QuotaEstimate:
        """Placements that count: plans of this employer that have not stopped."""
        if actor.role not in (JOB, ADMIN) and actor.organisation_id != organisation_id:
            raise NotFound("Onbekende werkgever.")
        try:  # the employer as the company page read it (once per page); NotFound when not visible
            employees = Directory(self.services).company(actor, organisation_id).line.employees
        except NotFound:
            raise NotFound("Onbekende werkgever.") from None
        with self.services.db.read() as s:
            counted = s.scalar(select(func.count()).select_from(Case).where(
                Case.workflow == plan.NAME, Case.organisation_id == organisation_id,
                Case.state.not_in((plan.GESTOPT, plan.GEEN_CONTRACT)))) or 0
            rules = rules_of(s, local_today(self.services.clock.now()))
        return quota.estimate(employees, int(counted), rules)
