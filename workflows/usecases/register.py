"""The candidate page (JoB) and the one search box: read models, scoped to what the user may see.

Candidates' names are sealed, so SQL cannot filter on them: a name is found through the keyed
blind index (`engine.store.personal_data.lookup`), whole words only. Cases are found by number
through the access policy's own SQL filter; employers by a part of their name, within the
employers the user may see. Only JoB (and administrators) find or open candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.clock import ensure_utc
from engine.errors import NotFound
from engine.identity import access_log
from engine.services import Services
from engine.spec import Actor
from engine.store import personal_data as sealing
from engine.store.models import Case, Organisation
from workflows.domain.candidate_plan import NAME as PLAN
from workflows.domain.company_records import CANDIDATE_STATUSES, candidate_entry
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.domain.roles import ORG_EMPLOYER
from workflows.domain.security import READ_LOG_ROLES
from workflows.storage.models import Candidate
from workflows.storage.plan_models import InvraObservation
from workflows.usecases.casework import CaseworkServices, DocumentLine, NoteLine
from workflows.usecases.directory import Directory
from workflows.usecases.vacancy_search import VacancyHit, find_vacancies

MAX_HITS = 25
MAX_CANDIDATE_ID = 2**31 - 1  # candidate.id is an INTEGER
_CASE_NUMBER = re.compile(r"^(?:zaak\s*)?#?\s*(\d{1,12})$", re.IGNORECASE)
NOT_VISIBLE = "Deze kandidaat bestaat niet of u heeft er geen toegang toe."


@dataclass(frozen=True)
class CaseHit:
    id: int
    workflow_label: str
    state_label: str
    organisation: str
    closed: bool


@dataclass(frozen=True)
class CompanyHit:
    id: int
    name: str


@dataclass(frozen=True)
class CandidateHit:
    id: int
    name: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    cases: list[CaseHit]
    companies: list[CompanyHit]
    candidates: list[CandidateHit]
    candidates_searched: bool
    vacancies: list[VacancyHit] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.cases or self.companies or self.candidates or self.vacancies)


@dataclass(frozen=True)
class PlanLine:
    case_id: int
    state_label: str
    employer: str
    started: datetime
    closed: bool


@dataclass(frozen=True)
class TrajectoryLine:
    case_id: int
    employer: str
    status: str


@dataclass(frozen=True)
class InvraProfile:
    """One observation of a candidate's levels (INVRA-Arbeid), as the plan page records it."""

    id: int
    observed_on: date
    plan_case_id: int | None
    observer_id: int | None
    scores: dict[str, Any]
    notes: str | None


@dataclass(frozen=True)
class CandidatePage:
    id: int
    name: str
    erased: bool
    date_of_birth: date | None
    email: str | None
    phone: str | None
    target_group: str | None
    in_doelgroepregister: bool | None
    register_checked_on: date | None
    contract_hours: float | None
    created_at: datetime
    plans: list[PlanLine]
    trajectories: list[TrajectoryLine]
    notes: list[NoteLine]
    documents: list[DocumentLine]


def may_see_candidates(actor: Actor) -> bool:
    return actor.is_system or actor.role in READ_LOG_ROLES


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class CandidateRegister:
    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def db(self):
        return self.services.db

    def _hit(self, case: Case, orgs: dict[int, str]) -> CaseHit:
        spec = self.services.registry.get(case.workflow, case.workflow_version).spec
        return CaseHit(case.id, spec.label, spec.state_label(case.state), orgs.get(case.organisation_id, ""),
                       case.closed_at is not None)

    def _org_names(self, s: Session, ids: set[int | None]) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        return {i: n for i, n in s.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted)))}

    # -- the search box ----------------------------------------------------------------------
    def search(self, actor: Actor, query: str) -> SearchResults:
        q = (query or "").strip()[:200]
        searched = may_see_candidates(actor)
        if not q:
            return SearchResults(q, [], [], [], searched)
        policy = self.services.policy
        with self.db.read() as s:
            cases: list[Case] = []
            number = _CASE_NUMBER.match(q)
            if number:
                cases.extend(s.scalars(select(Case).where(Case.id == int(number.group(1)), policy.case_filter(actor))))
            company_filter = Directory(self.services)._company_filter(actor)
            stmt = (select(Organisation.id, Organisation.name)
                    .where(Organisation.kind == ORG_EMPLOYER, func.lower(Organisation.name).like(_like(q), escape="\\"))
                    .order_by(Organisation.name).limit(MAX_HITS))
            if company_filter is not None:
                stmt = stmt.where(company_filter)
            companies = [CompanyHit(i, n) for i, n in s.execute(stmt)]
            if companies:
                seen = {c.id for c in cases}
                cases.extend(c for c in s.scalars(
                    select(Case).where(Case.workflow == COMPANY_TRAJECTORY,
                                       Case.organisation_id.in_([c.id for c in companies]), policy.case_filter(actor))
                    .order_by(Case.id.desc()).limit(MAX_HITS)) if c.id not in seen)
            candidates: list[CandidateHit] = []
            if searched:
                ids = sealing.lookup(s, q) or set()
                if ids:
                    rows = s.scalars(select(Candidate).where(Candidate.id.in_(ids), Candidate.erased_at.is_(None))).all()
                    candidates = sorted((CandidateHit(c.id, c.display_name) for c in rows),
                                        key=lambda h: (h.name.lower(), h.id))[:MAX_HITS]
            orgs = self._org_names(s, {c.organisation_id for c in cases})
            hits = [self._hit(c, orgs) for c in cases[:MAX_HITS]]
            vacancies = find_vacancies(s, self.services, actor, q)
        return SearchResults(q, hits, companies, candidates, searched, vacancies)

    # -- the candidate page ------------------------------------------------------------------
    def page(self, actor: Actor, candidate_id: Any) -> CandidatePage:
        """Everything about one candidate JoB works with; the read is logged (AVG)."""
        if (not may_see_candidates(actor) or not isinstance(candidate_id, int) or isinstance(candidate_id, bool)
                or not 1 <= candidate_id <= MAX_CANDIDATE_ID):
            raise NotFound(NOT_VISIBLE)
        with self.db.read() as s:
            cand = s.get(Candidate, candidate_id)
            if cand is None:
                raise NotFound(NOT_VISIBLE)
            plan_cases = [c for c in s.scalars(select(Case).where(Case.workflow == PLAN).order_by(Case.id))
                          if (c.data or {}).get("candidate_id") == candidate_id]
            company_cases = [c for c in s.scalars(select(Case).where(Case.workflow == COMPANY_TRAJECTORY)
                                                  .order_by(Case.id))
                             if candidate_entry(c.data or {}, candidate_id) is not None]
            orgs = self._org_names(s, {c.organisation_id for c in plan_cases + company_cases})
            plans = [PlanLine(c.id, self._hit(c, orgs).state_label, orgs.get(c.organisation_id, ""),
                              ensure_utc(c.created_at), c.closed_at is not None) for c in plan_cases]
            trajectories = []
            for c in company_cases:
                status = candidate_entry(c.data or {}, candidate_id)["status"]  # type: ignore[index]
                trajectories.append(TrajectoryLine(c.id, orgs.get(c.organisation_id, ""),
                                                   CANDIDATE_STATUSES.get(status, status)))
            work = CaseworkServices(self.services)
            result = CandidatePage(
                cand.id, cand.display_name, cand.erased_at is not None, cand.date_of_birth, cand.email, cand.phone,
                cand.target_group, cand.in_doelgroepregister, cand.register_checked_on, cand.contract_hours,
                ensure_utc(cand.created_at), plans, trajectories,
                work.candidate_notes(s, actor, candidate_id), work.candidate_documents(s, actor, candidate_id))
        if not actor.is_system:
            with self.db.write() as s:
                access_log.record(s, actor, candidate_id, None, "kandidaat", self.services.clock.now())
        return result

    def invra_profiles(self, actor: Actor, candidate_id: Any) -> list[InvraProfile]:
        """The candidate's INVRA profiles over time, oldest first (JoB and administrators; logged)."""
        if (not may_see_candidates(actor) or not isinstance(candidate_id, int) or isinstance(candidate_id, bool)
                or not 1 <= candidate_id <= MAX_CANDIDATE_ID):
            raise NotFound(NOT_VISIBLE)
        with self.db.read() as s:
            if s.get(Candidate, candidate_id) is None:
                raise NotFound(NOT_VISIBLE)
            rows = s.scalars(select(InvraObservation).where(InvraObservation.candidate_id == candidate_id)
                             .order_by(InvraObservation.observed_on, InvraObservation.id)).all()
            result = [InvraProfile(o.id, o.observed_on, o.plan_case_id, o.observer_id, dict(o.scores or {}), o.notes)
                      for o in rows]
        if not actor.is_system:
            with self.db.write() as s:
                access_log.record(s, actor, candidate_id, None, "invra", self.services.clock.now())
        return result
