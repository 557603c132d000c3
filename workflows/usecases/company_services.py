"""Use cases around company trajectories that touch domain rows, each one transaction.

The generic `engine.services.Services` fires any trigger; these use cases add what only the
domain knows: registering employers and candidates (personal data stays in its own tables)
and checking, in the same transaction as the transition, that the people a trigger names
exist: the candidate proposed or hired, the Harrie who must be a colleague at the employer.
Use `CompanyServices.fire` for every company-trajectory action that names a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import CaseNotFound, InvalidPayload, NotFound, NotPermitted
from engine.registry import Registry
from engine.runtime import Tx, create_case, load_case
from engine.services import CaseSnapshot, Services
from engine.spec import Actor
from engine.store.admin_models import AdminAuditEntry
from engine.store.db import Database
from engine.store.driver_sql import DriverStatement
from engine.store.models import Case, Organisation, User
from engine.store.unit import write_unit
from engine.workdays import AMSTERDAM
from workflows.domain.company_records import CANDIDATE_STATUSES, candidates
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.domain.payload_form import Form
from workflows.domain.roles import ADMIN, HARRIE, JOB, OPDRACHTGEVER, ORG_EMPLOYER, ORG_WSP, WSP
from workflows.storage.models import Candidate, Company

TARGET_GROUPS: dict[str, str] = {"wajong": "Wajong", "wsw": "WSW", "anders": "Anders"}

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+() -]{6,20}$")
KVK = re.compile(r"^[0-9]{8}$")

# Which ids in a trigger's payload refer to rows that must exist.
CANDIDATE_REFS = ("propose_candidate", "hire_candidate")
HARRIE_REFS = ("name_harrie",)
CANDIDATE_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone", "target_group",
                    "in_doelgroepregister", "register_checked_on", "contract_hours")


@dataclass(frozen=True)
class CandidateLine:
    """A candidate as the people on a trajectory see them: a name and where they stand."""

    candidate_id: int
    name: str
    status: str
    status_label: str
    plan: str | None


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _contact(f: Form, email_key: str, phone_key: str | None = None) -> None:
    email = f.text(email_key, max_len=254)
    if email is not None and not EMAIL.match(email):
        f.errors[email_key] = "Vul een geldig e-mailadres in."
    if phone_key:
        phone = f.text(phone_key, max_len=20)
        if phone is not None and not PHONE.match(phone):
            f.errors[phone_key] = "Vul een geldig telefoonnummer in."


class CompanyServices:
    """Domain use cases on top of the engine's services (same database, clock and policy)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        services.payload_checks.setdefault(COMPANY_TRAJECTORY, check_references)

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def registry(self) -> Registry:
        return self.services.registry

    # -- employers ---------------------------------------------------------------------
    def register_company(
        self,
        actor: Actor,
        *,
        name: str,
        wsp_organisation_id: int,
        kvk_number: str | None = None,
        employees: int | None = None,
        contact_name: str | None = None,
        contact_email: str | None = None,
        contact_phone: str | None = None,
        hr_name: str | None = None,
        hr_email: str | None = None,
    ) -> int:
        """A new employer in a WSP region; returns its organisation id."""
        if not (actor.role in (JOB, ADMIN) or (actor.role == WSP and actor.organisation_id == wsp_organisation_id)):
            raise NotPermitted("U mag geen werkgever registreren in deze WSP-regio.")
        f = Form(
            {"name": name, "kvk_number": kvk_number, "employees": employees, "contact_name": contact_name,
             "contact_email": contact_email, "contact_phone": contact_phone, "hr_name": hr_name,
             "hr_email": hr_email},
            ("name", "kvk_number", "employees", "contact_name", "contact_email", "contact_phone", "hr_name",
             "hr_email"),
        )
        f.text("name", required=True)
        kvk = f.text("kvk_number", max_len=8)
        if kvk is not None and not KVK.match(kvk):
            f.errors["kvk_number"] = "Een KvK-nummer heeft 8 cijfers."
        f.integer("employees")
        f.text("contact_name")
        _contact(f, "contact_email", "contact_phone")
        f.text("hr_name")
        _contact(f, "hr_email")
        clean = f.done()
        now = self.services.clock.now()
        try:
            with self.db.write() as s:
                wsp = s.get(Organisation, wsp_organisation_id)
                if wsp is None or wsp.kind != ORG_WSP:
                    raise InvalidPayload({"wsp_organisation_id": "Kies een bestaande WSP-regio."})
                if kvk and s.scalar(select(Company.organisation_id).where(Company.kvk_number == kvk)):
                    raise InvalidPayload({"kvk_number": "Er is al een werkgever met dit KvK-nummer."})
                org = Organisation(name=clean["name"], kind=ORG_EMPLOYER, parent_id=wsp.id, created_at=now)
                s.add(org)
                s.flush()
                s.add(Company(organisation_id=org.id, **{k: v for k, v in clean.items() if k != "name"}))
                s.flush()
                return org.id
        except IntegrityError as exc:  # a concurrent registration with the same KvK number
            raise InvalidPayload({"kvk_number": "Er is al een werkgever met dit KvK-nummer."}) from exc

    def update_company_contacts(
        self,
        actor: Actor,
        organisation_id: int,
        *,
        contact_name: str | None = None,
        contact_email: str | None = None,
        contact_phone: str | None = None,
        hr_name: str | None = None,
        hr_email: str | None = None,
    ) -> None:
        """The employer names its contact person and HR contact (or JoB/WSP do it for them)."""
        f = Form(
            {"contact_name": contact_name, "contact_email": contact_email, "contact_phone": contact_phone,
             "hr_name": hr_name, "hr_email": hr_email},
            ("contact_name", "contact_email", "contact_phone", "hr_name", "hr_email"),
        )
        f.text("contact_name")
        _contact(f, "contact_email", "contact_phone")
        f.text("hr_name")
        _contact(f, "hr_email")
        clean = f.done()
        with self.db.write() as s:
            company = s.get(Company, organisation_id)
            org = s.get(Organisation, organisation_id)
            if company is None or org is None or not self._may_manage(actor, org):
                raise NotFound("Deze werkgever bestaat niet of u heeft er geen toegang toe.")
            for key in ("contact_name", "contact_email", "contact_phone", "hr_name", "hr_email"):
                setattr(company, key, clean.get(key))

    @staticmethod
    def _may_manage(actor: Actor, org: Organisation) -> bool:
        if actor.role in (JOB, ADMIN):
            return True
        if actor.role == WSP:
            return org.parent_id == actor.organisation_id
        return actor.role == OPDRACHTGEVER and org.id == actor.organisation_id

    # -- candidates --------------------------------------------------------------------
    def register_candidate(
        self,
        actor: Actor,
        *,
        first_name: str,
        last_name: str,
        date_of_birth: date | str | None = None,
        email: str | None = None,
        phone: str | None = None,
        target_group: str | None = None,
        in_doelgroepregister: bool | None = None,
        register_checked_on: date | str | None = None,
        contract_hours: float | None = None,
    ) -> int:
        """A job seeker with a labour disability, found by JoB or WSP; returns the candidate id."""
        if actor.role not in (JOB, WSP):
            raise NotPermitted("Alleen JoB en WSP registreren kandidaten.")
        now = self.services.clock.now()
        clean = self._clean_candidate({
            "first_name": first_name, "last_name": last_name, "date_of_birth": date_of_birth, "email": email,
            "phone": phone, "target_group": target_group, "in_doelgroepregister": in_doelgroepregister,
            "register_checked_on": register_checked_on, "contract_hours": contract_hours})
        with self.db.write() as s:
            row = Candidate(created_at=now, **clean)
            s.add(row)
            s.flush()
            s.add(_candidate_history(actor, now, "candidate_registered", row.id, clean))
            return row.id

    def _clean_candidate(self, data: dict[str, Any]) -> dict[str, Any]:
        """The plausible-input checks of a candidate's details (registering and editing alike)."""
        f = Form({k: _iso(v) if k in ("date_of_birth", "register_checked_on") else v for k, v in data.items()},
                 CANDIDATE_FIELDS)
        f.text("first_name", required=True, max_len=100)
        f.text("last_name", required=True, max_len=100)
        born = f.date("date_of_birth")
        _contact(f, "email", "phone")
        f.choice("target_group", TARGET_GROUPS)
        in_register = f.boolean("in_doelgroepregister")
        checked = f.date("register_checked_on", required=in_register is not None)
        f.hours("contract_hours")
        day = self.services.clock.now().astimezone(AMSTERDAM).date()
        if born is not None and born >= day.isoformat():
            f.errors["date_of_birth"] = "De geboortedatum moet in het verleden liggen."
        if checked is not None and checked > day.isoformat():
            f.errors["register_checked_on"] = "De controledatum kan niet in de toekomst liggen."
        clean = f.done()
        for key in ("date_of_birth", "register_checked_on"):
            if key in clean:
                clean[key] = date.fromisoformat(clean[key])
        return clean

    @staticmethod
    def _editable(s: Session, actor: Actor, candidate_id: Any) -> Candidate:
        """Only JoB edits, and not an erased candidate; anyone else finds no candidate (404)."""
        row = None
        if actor.role == JOB and isinstance(candidate_id, int) and not isinstance(candidate_id, bool) \
                and 1 <= candidate_id <= 2**31 - 1:
            row = s.get(Candidate, candidate_id)
        if row is None or row.erased_at is not None:
            raise NotFound("Deze kandidaat bestaat niet of u heeft er geen toegang toe.")
        return row

    def check_editable(self, actor: Actor, candidate_id: Any) -> None:
        """`update_candidate`'s 404, asked before a client's input is judged."""
        with self.db.read() as s:
            self._editable(s, actor, candidate_id)

    def update_candidate(self, actor: Actor, candidate_id: Any, changes: dict[str, Any]) -> None:
        """JoB corrects a candidate's details: the fields given replace the stored ones (an empty
        value clears an optional one) and the whole record is checked again as at registration."""
        with self.db.write() as s:
            row = self._editable(s, actor, candidate_id)
            current = {k: getattr(row, k) for k in CANDIDATE_FIELDS}
            clean = self._clean_candidate({**current, **changes})
            changed = {key: clean.get(key) for key in CANDIDATE_FIELDS if getattr(row, key) != clean.get(key)}
            for key, value in changed.items():
                setattr(row, key, value)
            if changed:
                s.add(_candidate_history(actor, self.services.clock.now(), "candidate_changed", row.id, changed))

    def case_candidates(self, actor: Actor, case_id: int) -> list[CandidateLine]:
        """The candidates of one trajectory, with names, for whoever may see the trajectory."""
        with self.db.read() as s:
            case = self._load_case(s, actor, case_id)
            entries = candidates(case.data or {})
            ids = [e["candidate_id"] for e in entries]
            rows = {c.id: c for c in s.scalars(select(Candidate).where(Candidate.id.in_(ids)))} if ids else {}
        lines = []
        for e in entries:
            row = rows.get(e["candidate_id"])
            name = row.display_name if row is not None and row.erased_at is None else "Verwijderde kandidaat"
            lines.append(CandidateLine(e["candidate_id"], name, e["status"], CANDIDATE_STATUSES[e["status"]],
                                       e.get("plan")))
        return lines

    # -- trajectories ------------------------------------------------------------------
    def start_trajectory(self, actor: Actor, organisation_id: int, *, request_id: str | None = None) -> CaseSnapshot:
        """Start a company trajectory in *adviesgesprek*; one open trajectory per employer."""
        if not self.services.policy.can_start(actor, COMPANY_TRAJECTORY, organisation_id):
            raise NotPermitted("U mag voor deze werkgever geen traject starten.")
        with write_unit(self.db) as s:  # session-less, as `Services.perform` (engine/store/unit.py)
            conn = s
            # Two starts for one employer queue up on the employer's row (SQLite: BEGIN IMMEDIATE).
            employer = (_EMPLOYER if self.db.sqlite else _EMPLOYER_LOCKED).mappings(conn, {"b_org": organisation_id})
            if not employer or employer[0]["kind"] != ORG_EMPLOYER or employer[0]["company"] is None:
                raise NotFound("Deze werkgever bestaat niet.")
            running = _RUNNING_TRAJECTORY.mappings(conn, {"b_org": organisation_id})
            if running:
                raise InvalidPayload(
                    {"organisation_id": f"Voor deze werkgever loopt al een bedrijfstraject (#{running[0]['id']})."}
                )
            case = create_case(s, self.registry, COMPANY_TRAJECTORY, {}, actor=actor, now=self.services.clock.now(),
                               organisation_id=organisation_id, request_id=request_id)
            return CaseSnapshot.of(case)

    # -- helpers -----------------------------------------------------------------------
    def _load_case(self, s: Session, actor: Actor, case_id: int, *, for_update: bool = False) -> Case:
        if not isinstance(case_id, int) or isinstance(case_id, bool):
            raise CaseNotFound(case_id)
        case = load_case(s, case_id, lock=for_update and not self.db.sqlite)  # a page's read: once
        if case is None or not self.services.policy.can_see(actor, case):
            raise CaseNotFound(case_id)
        return case


_EMPLOYER_QUERY = (
    select(Organisation.kind, Company.organisation_id.label("company"))
    .select_from(Organisation).outerjoin(Company, Company.organisation_id == Organisation.id)
    .where(Organisation.id == bindparam("b_org"))
)
_EMPLOYER = DriverStatement(_EMPLOYER_QUERY)
_EMPLOYER_LOCKED = DriverStatement(_EMPLOYER_QUERY.with_for_update(of=Organisation))
_RUNNING_TRAJECTORY = DriverStatement(
    select(Case.id).where(Case.workflow == COMPANY_TRAJECTORY, Case.organisation_id == bindparam("b_org"),
                          Case.closed_at.is_(None)).limit(1)
)

# The rows a payload names, read (and for a hire: updated) on the driver cursor inside the
# transition's transaction: through the ORM these lookups cost a third of such a transition.
_CANDIDATE = DriverStatement(select(Candidate.erased_at).where(Candidate.id == bindparam("b_id")))
_SET_CONTRACT_HOURS = DriverStatement(
    update(Candidate.__table__).where(Candidate.__table__.c.id == bindparam("b_id"))
    .values(contract_hours=bindparam("b_hours"))
)
_HARRIE = DriverStatement(select(User.active, User.role, User.organisation_id).where(User.id == bindparam("b_id")))


def check_references(s: Tx, registry: Registry, case: Case, trigger: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Clean the payload with the table's own cleaner, then check the rows it names (in the
    transition's transaction: an ORM session or a session-less unit, hence driver statements)."""
    if trigger not in (*CANDIDATE_REFS, *HARRIE_REFS):
        return payload
    compiled = registry.get(case.workflow, case.workflow_version)  # its index, not a scan of the spec
    cleaner = next((t.payload for t in compiled.branches(case.state, trigger) if t.payload), None)
    if cleaner is None:  # not possible in this phase: let the engine say so
        return payload
    clean = cleaner(dict(payload))
    conn = s
    if trigger in CANDIDATE_REFS:
        rows = _CANDIDATE.mappings(conn, {"b_id": clean["candidate_id"]})
        if not rows or rows[0]["erased_at"] is not None:
            raise InvalidPayload({"candidate_id": "Deze kandidaat bestaat niet."})
        if trigger == "hire_candidate":
            _SET_CONTRACT_HOURS.execute(conn, {"b_id": clean["candidate_id"], "b_hours": clean["contract_hours"]})
    if trigger in HARRIE_REFS:
        users = _HARRIE.mappings(conn, {"b_id": clean["harrie_user_id"]})
        user = users[0] if users else None
        if user is None or not user["active"] or user["role"] != HARRIE or (
            user["organisation_id"] != case.organisation_id
        ):
            raise InvalidPayload({"harrie_user_id": "Kies een Harrie met een account bij deze werkgever."})
    return clean


def _candidate_history(actor: Actor, at: datetime, action: str, candidate_id: int,
                       fields: dict[str, Any]) -> AdminAuditEntry:
    """Who registered or changed a candidate, when, and which fields: the names of the fields,
    never their values (the history outlives an erasure; the values are personal data)."""
    return AdminAuditEntry.record(actor, at, action, "candidate", candidate_id,
                                  {"fields": sorted(k for k, v in fields.items() if v is not None
                                                    or action == "candidate_changed")}, "")
