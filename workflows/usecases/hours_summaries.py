"""JoB's quarterly hours summary of one employer (for UWV and the employer's invoice).

Every line is made of the same monthly statements the plan page, its CSV and its PDF show
(`MoneyServices._statement`), so the three never disagree. JoB only: the hourly rate and
UWV's money are not for the employer's side (`plan_actions.PLAN_FIGURES`).
"""

from __future__ import annotations

from sqlalchemy import select

from engine.errors import NotFound
from engine.inbox import local_today
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, Organisation
from workflows.domain import candidate_plan as plan
from workflows.domain import hours_summary as hs
from workflows.domain.roles import ADMIN, JOB, ORG_EMPLOYER
from workflows.domain.rules import CoachingRules
from workflows.storage.models import Candidate
from workflows.usecases import money_records
from workflows.usecases.money_services import MoneyServices
from workflows.usecases.plan_records import history_of


class HoursSummaries:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _check(self, actor: Actor) -> None:
        if actor.role not in (JOB, ADMIN):
            raise NotFound("Deze pagina bestaat niet of u heeft er geen toegang toe.")

    def quarters(self, actor: Actor, organisation_id: int) -> list[str]:
        """The quarters from the employer's first plan up to this one, newest first (none without plans)."""
        self._check(actor)
        with self.services.db.read() as s:
            starts = [plan.start_date(d) for d in s.scalars(select(Case.data).where(
                Case.workflow == plan.NAME, Case.organisation_id == organisation_id,
                self.services.policy.case_filter(actor)))]
        if not starts:
            return []
        return hs.quarters_between(min(starts), max(local_today(self.services.clock.now()), max(starts)))

    def summary(self, actor: Actor, organisation_id: int, quarter: str) -> tuple[hs.QuarterSummary, CoachingRules]:
        """Every plan of the employer that ran in the quarter, with its three months."""
        self._check(actor)
        if hs.parse_quarter(quarter) != quarter:
            raise NotFound("Onbekend kwartaal.")
        first, after = hs.quarter_bounds(quarter)
        months = hs.quarter_months(quarter)
        lines = []
        read: list[tuple[int, dict]] = []
        with self.services.db.read() as s:
            org = s.get(Organisation, organisation_id)
            if org is None or org.kind != ORG_EMPLOYER:
                raise NotFound("Onbekende werkgever.")
            history = history_of(s)
            rules = history.rules_on(first)  # the explanation's shares; each month's figures use their own day's
            cases = s.scalars(select(Case).where(
                Case.workflow == plan.NAME, Case.organisation_id == organisation_id,
                self.services.policy.case_filter(actor)).order_by(Case.id)).all()
            for case in cases:
                data = dict(case.data)
                if plan.start_date(data) >= after or plan.plan_end(data) <= first:
                    continue  # not running in this quarter (hours are only written within the plan year)
                entries, corrections = money_records.statement_rows(s, case.id)
                person = s.get(Candidate, data["candidate_id"])
                lines.append(hs.CandidateQuarter(case.id, person.display_name if person else "", tuple(
                    MoneyServices._statement(data, case.id, m, history, entries, corrections) for m in months)))
                read.append((case.id, data))
            employer = org.name
        for case_id, data in read:  # names and hours of each candidate were read
            self.services.log_read(actor, case_id, plan.NAME, data, "urenverantwoording")
        return hs.QuarterSummary(employer, quarter, tuple(lines)), rules
