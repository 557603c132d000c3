"""Read use cases behind the company and candidate lists and the choices on case forms.

Every read takes an `Actor` and applies the same policy as the engine (`workflows.usecases.access`):
JoB and admins see every employer, WSP advisers the employers of their region, an
opdrachtgever or Harrie only their own company. Candidates' personal data is shown to
JoB (who runs the trajectories) and, as names to propose, to WSP (who recruits with JoB).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.services import Services
from engine.spec import Actor
from engine.store.db import scope_cached
from engine.store.models import Case, Organisation, User
from workflows.domain.company_records import CANDIDATE_STATUSES, OPEN_STATUSES, candidates
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.domain.roles import ADMIN, HARRIE, JOB, OPDRACHTGEVER, ORG_EMPLOYER, ORG_WSP, WSP
from workflows.storage.models import Candidate, Company

# Who may see the candidate register (names, contact, target group).
CANDIDATE_READERS = (JOB, ADMIN, WSP)


@dataclass(frozen=True)
class TrajectoryLine:
    case_id: int
    state: str
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class CompanyLine:
    organisation_id: int
    name: str
    region: str
    kvk_number: str | None
    employees: int | None
    trajectories: tuple[TrajectoryLine, ...]

    @property
    def open_trajectory(self) -> TrajectoryLine | None:
        return next((t for t in self.trajectories if t.closed_at is None), None)

    @property
    def latest(self) -> TrajectoryLine | None:
        return self.trajectories[0] if self.trajectories else None


@dataclass(frozen=True)
class CompanyDetail:
    line: CompanyLine
    region_id: int | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    hr_name: str | None
    hr_email: str | None


@dataclass(frozen=True)
class CandidateRow:
    id: int
    name: str
    date_of_birth: date | None
    target_group: str | None
    in_doelgroepregister: bool | None
    contract_hours: float | None
    created_at: datetime


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Placement:
    """A candidate on one trajectory (company detail page, for JoB)."""

    case_id: int
    candidate_id: int
    name: str
    status_label: str


class Directory:
    """Lists and choices for the web UI; never writes."""

    def __init__(self, services: Services) -> None:
        self.services = services

    # -- employers -----------------------------------------------------------------------
    def _company_filter(self, actor: Actor):
        if actor.role in (JOB, ADMIN):
            return None
        if actor.organisation_id is None:
            return Organisation.id == -1
        if actor.role == WSP:
            return Organisation.parent_id == actor.organisation_id
        if actor.role in (OPDRACHTGEVER, HARRIE):
            return Organisation.id == actor.organisation_id
        return Organisation.id == -1

    def _lines(self, s: Session, actor: Actor, organisation_id: int | None = None,
               extra: tuple = ()) -> list[CompanyLine]:
        region = Organisation.__table__.alias("region")
        stmt = (
            select(Organisation.id, Organisation.name, region.c.name, Company.kvk_number, Company.employees)
            .join(Company, Company.organisation_id == Organisation.id)
            .outerjoin(region, region.c.id == Organisation.parent_id)
            .where(Organisation.kind == ORG_EMPLOYER)
            .order_by(Organisation.name)
        )
        where = self._company_filter(actor)
        if where is not None:
            stmt = stmt.where(where)
        if organisation_id is not None:
            stmt = stmt.where(Organisation.id == organisation_id)
        if extra:
            stmt = stmt.where(*extra)
        rows = s.execute(stmt).all()
        ids = [r[0] for r in rows]
        cases: dict[int, list[TrajectoryLine]] = {i: [] for i in ids}
        if ids:
            for c in s.execute(
                select(Case.organisation_id, Case.id, Case.state, Case.created_at, Case.closed_at)
                .where(Case.workflow == COMPANY_TRAJECTORY, Case.organisation_id.in_(ids))
                .order_by(Case.created_at.desc(), Case.id.desc())
            ):
                cases[c[0]].append(TrajectoryLine(c[1], c[2], c[3], c[4]))
        return [CompanyLine(r[0], r[1], r[2] or "", r[3], r[4], tuple(cases[r[0]])) for r in rows]

    def companies(self, actor: Actor, extra: tuple = ()) -> list[CompanyLine]:
        """`extra`: conditions of a figure's link (`list_filters.company_filters`)."""
        with self.services.db.read() as s:
            return self._lines(s, actor, extra=extra)

    def company(self, actor: Actor, organisation_id: int) -> CompanyDetail:
        """The employer with its trajectories; read once per page (the page and its placements ask)."""
        def load() -> CompanyDetail:
            lines = self._lines(s, actor, organisation_id)
            if not lines:
                raise NotFound("Deze werkgever bestaat niet of u heeft er geen toegang toe.")
            row = s.get(Company, organisation_id)
            org = s.get(Organisation, organisation_id)
            return CompanyDetail(lines[0], org.parent_id if org else None, row.contact_name, row.contact_email,
                                 row.contact_phone, row.hr_name, row.hr_email)

        with self.services.db.read() as s:
            return scope_cached(s, ("company", actor.user_id, actor.role, organisation_id), load)

    def company_name(self, actor: Actor, organisation_id: int) -> str | None:
        """The employer's name, or None when it is gone or not the actor's to see (one SELECT:
        a case page names its employer without reading the employer's trajectories)."""
        stmt = select(Organisation.name).join(Company, Company.organisation_id == Organisation.id).where(
            Organisation.kind == ORG_EMPLOYER, Organisation.id == organisation_id)
        where = self._company_filter(actor)
        if where is not None:
            stmt = stmt.where(where)
        with self.services.db.read() as s:
            return s.scalar(stmt)

    def placements(self, actor: Actor, organisation_id: int) -> list[Placement]:
        """The candidates proposed on this employer's trajectories (JoB only: names are personal)."""
        if actor.role not in (JOB, ADMIN):
            return []
        self.company(actor, organisation_id)  # 404 when unknown
        with self.services.db.read() as s:
            data = s.execute(
                select(Case.id, Case.data).where(Case.workflow == COMPANY_TRAJECTORY,
                                                 Case.organisation_id == organisation_id)
                .order_by(Case.id.desc())
            ).all()
            entries = [(cid, e) for cid, d in data for e in candidates(d or {})]
            names = self._names(s, {e["candidate_id"] for _, e in entries})
        return [Placement(cid, e["candidate_id"], names.get(e["candidate_id"], "Verwijderde kandidaat"),
                          CANDIDATE_STATUSES.get(e["status"], e["status"])) for cid, e in entries]

    def wsp_regions(self, actor: Actor) -> list[Option]:
        """The regions the actor may register an employer in."""
        with self.services.db.read() as s:
            stmt = select(Organisation.id, Organisation.name).where(Organisation.kind == ORG_WSP)
            if actor.role == WSP:
                stmt = stmt.where(Organisation.id == actor.organisation_id)
            elif actor.role not in (JOB, ADMIN):
                return []
            return [Option(i, n) for i, n in s.execute(stmt.order_by(Organisation.name))]

    # -- candidates ----------------------------------------------------------------------
    @staticmethod
    def _names(s: Session, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = s.scalars(select(Candidate).where(Candidate.id.in_(ids), Candidate.erased_at.is_(None)))
        return {c.id: c.display_name for c in rows}  # loaded as rows: the names are sealed

    def organisations(self, actor: Actor) -> list[Organisation]:
        """The organisations the actor may see: all for JoB, its region's employers for a WSP, else its own."""
        stmt = select(Organisation).order_by(Organisation.id)
        if actor.role not in (JOB, ADMIN):
            own = Organisation.id == (actor.organisation_id if actor.organisation_id is not None else -1)
            stmt = stmt.where(own | Organisation.parent_id.in_([actor.organisation_id]) if actor.role == WSP
                              else own)
        with self.services.db.read() as s:
            rows = s.scalars(stmt).all()
            s.expunge_all()
            return list(rows)

    def me(self, actor: Actor) -> User:
        with self.services.db.read() as s:
            user = s.get(User, actor.user_id) if actor.user_id is not None else None
            if user is None:
                raise NotFound("Onbekende gebruiker.")
            s.expunge(user)
            return user

    def candidates(self, actor: Actor) -> list[CandidateRow]:
        if actor.role not in CANDIDATE_READERS:
            raise NotFound("Deze pagina bestaat niet of u heeft er geen toegang toe.")
        with self.services.db.read() as s:
            rows = sorted(s.scalars(select(Candidate).where(Candidate.erased_at.is_(None))).all(),
                          key=lambda c: ((c.last_name or "").lower(), (c.first_name or "").lower(), c.id))
            return [CandidateRow(c.id, c.display_name, c.date_of_birth, c.target_group, c.in_doelgroepregister,
                                 c.contract_hours, c.created_at) for c in rows]

    def candidate_options(self, actor: Actor, case_id: int) -> list[Option]:
        """Candidates the actor may propose on this trajectory: everyone not yet on it."""
        if actor.role not in CANDIDATE_READERS:
            return []
        case = self.services.get_case(actor, case_id)  # 404 when invisible
        taken = {e["candidate_id"] for e in candidates(case.data)}
        return [Option(c.id, c.name) for c in self.candidates(actor) if c.id not in taken]

    def open_candidates(self, actor: Actor, case_id: int) -> list[Option]:
        """Candidates on this trajectory still waiting for an outcome, for whoever sees the case."""
        case = self.services.get_case(actor, case_id)
        waiting = [e["candidate_id"] for e in candidates(case.data) if e["status"] in OPEN_STATUSES]
        with self.services.db.read() as s:
            names = self._names(s, set(waiting))
        return [Option(i, names.get(i, "Verwijderde kandidaat")) for i in waiting]

    def harrie_options(self, actor: Actor, case_id: int) -> list[Option]:
        """Active Harrie accounts at the trajectory's employer."""
        case = self.services.get_case(actor, case_id)
        with self.services.db.read() as s:
            rows = s.execute(select(User.id, User.name).where(
                User.role == HARRIE, User.active.is_(True), User.organisation_id == case.organisation_id,
            ).order_by(User.name))
            return [Option(i, n) for i, n in rows]

    def user_names(self, ids: set[int]) -> dict[int, str]:
        """Names of the actors in an audit trail, in one query (ids come from a visible case)."""
        if not ids:
            return {}
        with self.services.db.read() as s:
            return dict(s.execute(select(User.id, User.name).where(User.id.in_(ids))).all())

    def candidate_names(self, ids: set[int]) -> dict[int, str]:
        """Names of candidates named on a visible case, in one query."""
        with self.services.db.read() as s:
            return self._names(s, ids)

    def child_plans(self, actor: Actor, case_id: int) -> dict[int, int]:
        """candidate id -> id of the candidate's plan case, for the plans the actor may see."""
        self.services.get_case(actor, case_id)  # 404 when the trajectory is invisible
        with self.services.db.read() as s:
            rows = s.scalars(select(Case).where(Case.parent_id == case_id).order_by(Case.id)).all()
            return {int(r.data["candidate_id"]): r.id for r in rows
                    if isinstance((r.data or {}).get("candidate_id"), int) and self.services.policy.can_see(actor, r)}
