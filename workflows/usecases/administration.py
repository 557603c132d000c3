"""Administration: organisations and accounts, each change one transaction with a history row.

Who may do what (the web pages only hide what a role cannot use; these checks decide):
- an administrator (role `admin`) and the command line (the system actor) do everything;
- a JoB coordinator (role `job` with `is_coordinator`) may create and edit WSP regions and
  employers (JoB registers employers already), but not JoB's own organisation, accounts
  or the history: giving someone access stays with the administrators.
Every change writes an `admin_audit` row with who, when, what changed and the reason, in
the same transaction as the change. A new account gets no password: it is invited
(engine/identity/invitations.py) or, on the command line, given one by the administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from engine.errors import InvalidPayload, NotFound
from engine.identity.invitations import end_invitations, queue_invitation
from engine.identity.passwords import hash_password, password_problem
from engine.jobs.sealing import Sealer
from engine.services import Services
from engine.spec import Actor
from engine.store.admin_models import AdminAuditEntry
from engine.store.models import (
    ApiToken,
    CalendarToken,
    Organisation,
    RecoveryCode,
    User,
    UserSession,
)
from workflows.domain.payload_form import Form
from workflows.domain.roles import (
    ADMIN,
    JOB,
    ORG_EMPLOYER,
    ORG_JOB,
    ORG_KINDS,
    ORG_WSP,
    ROLES,
    ROLES_BY_ORG_KIND,
)
from workflows.storage.models import Company
from workflows.usecases.company_services import EMAIL

NOT_FOUND = "Deze pagina bestaat niet of u heeft er geen toegang toe."
USER_ROLES = {r: ROLES[r] for rs in ROLES_BY_ORG_KIND.values() for r in rs}
ACTION_LABELS = {
    "organisation_created": "Organisatie aangemaakt", "organisation_changed": "Organisatie gewijzigd",
    "user_invited": "Gebruiker uitgenodigd", "user_created": "Gebruiker aangemaakt",
    "user_changed": "Gebruiker gewijzigd", "invitation_sent": "Uitnodiging opnieuw verstuurd",
    "user_deactivated": "Gebruiker gedeactiveerd", "user_activated": "Gebruiker weer actief",
    "second_step_reset": "Tweede stap gereset", "change_setting": "Instelling gewijzigd (geldig vanaf een datum)",
    "candidate_registered": "Kandidaat geregistreerd", "candidate_changed": "Kandidaatgegevens gewijzigd",
}


@dataclass(frozen=True)
class OrganisationLine:
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    region: str | None
    employees: int | None
    users: int


@dataclass(frozen=True)
class UserLine:
    id: int
    email: str
    name: str
    role: str
    role_label: str
    organisation_id: int
    organisation: str
    is_coordinator: bool
    active: bool
    has_password: bool
    second_step: bool


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str
    action: str
    subject_kind: str
    subject_id: int
    subject: str
    changes: dict[str, Any]
    reason: str


class Administration:
    """Use cases of the administration pages and the `jobtraject organisation` commands."""

    def __init__(self, services: Services, sealer: Sealer | None = None) -> None:
        self.services = services
        self.sealer = sealer  # seals invitation links in queued mail

    # -- who may -----------------------------------------------------------------------
    @staticmethod
    def is_admin(actor: Actor) -> bool:
        return actor.is_system or actor.role == ADMIN

    def may_manage_organisations(self, actor: Actor) -> bool:
        if self.is_admin(actor):
            return True
        if actor.role != JOB or actor.user_id is None:
            return False
        with self.services.db.read() as s:
            return bool(s.scalar(select(User.is_coordinator).where(User.id == actor.user_id, User.active.is_(True))))

    def _require_admin(self, actor: Actor) -> None:
        if not self.is_admin(actor):
            raise NotFound(NOT_FOUND)

    def _require_org_manager(self, actor: Actor, kind: str | None = None) -> None:
        if not self.may_manage_organisations(actor) or (kind == ORG_JOB and not self.is_admin(actor)):
            raise NotFound(NOT_FOUND)

    # -- history -----------------------------------------------------------------------
    def _audit(self, s: Session, actor: Actor, action: str, kind: str, subject_id: int,
               changes: dict[str, Any], reason: str) -> None:
        s.add(AdminAuditEntry.record(actor, self.services.clock.now(), action, kind, subject_id, changes, reason))

    def history(self, actor: Actor, limit: int = 200) -> list[HistoryLine]:
        self._require_admin(actor)
        with self.services.db.read() as s:
            rows = s.scalars(select(AdminAuditEntry).order_by(AdminAuditEntry.id.desc()).limit(limit)).all()
            orgs = dict(s.execute(select(Organisation.id, Organisation.name)).all())
            users = dict(s.execute(select(User.id, User.email)).all())
        names = {"organisation": orgs, "user": users}
        return [HistoryLine(r.at, r.actor_label, ACTION_LABELS.get(r.action, r.action), r.subject_kind, r.subject_id,
                            names.get(r.subject_kind, {}).get(r.subject_id, f"#{r.subject_id}"), r.changes or {},
                            r.reason) for r in rows]

    # -- organisations -----------------------------------------------------------------
    def organisations(self, actor: Actor) -> list[OrganisationLine]:
        self._require_org_manager(actor)
        region = Organisation.__table__.alias("region")
        counts = select(User.organisation_id, func.count().label("n")).group_by(User.organisation_id).subquery()
        stmt = (select(Organisation.id, Organisation.name, Organisation.kind, Organisation.parent_id, region.c.name,
                       Company.employees, counts.c.n)
                .outerjoin(region, region.c.id == Organisation.parent_id)
                .outerjoin(Company, Company.organisation_id == Organisation.id)
                .outerjoin(counts, counts.c.organisation_id == Organisation.id)
                .order_by(Organisation.name, Organisation.id))
        order = list(ORG_KINDS)  # JoB, WSP regions, employers
        with self.services.db.read() as s:
            lines = [OrganisationLine(i, n, k, ORG_KINDS.get(k, k), p, r, e, c or 0)
                     for i, n, k, p, r, e, c in s.execute(stmt)]
        return sorted(lines, key=lambda o: order.index(o.kind) if o.kind in order else len(order))

    def organisation(self, actor: Actor, organisation_id: int) -> OrganisationLine:
        found = next((o for o in self.organisations(actor) if o.id == organisation_id), None)
        if found is None:
            raise NotFound(NOT_FOUND)
        return found

    def _clean_organisation(self, s: Session, data: dict[str, Any], kind: str, own_id: int | None) -> dict[str, Any]:
        f = Form(data, ("name", "wsp_organisation_id", "employees", "reason"))
        name = f.text("name", required=True)
        region = f.integer("wsp_organisation_id", required=kind == ORG_EMPLOYER)
        employees = f.integer("employees")
        f.text("reason", required=True, max_len=500)
        if kind != ORG_EMPLOYER and region is not None:
            f.errors["wsp_organisation_id"] = "Alleen een werkgever hoort bij een WSP-regio."
        if kind != ORG_EMPLOYER and employees is not None:
            f.errors["employees"] = "Het aantal medewerkers hoort alleen bij een werkgever."
        if name and s.scalar(select(func.count()).select_from(Organisation).where(
                func.lower(Organisation.name) == name.lower(), Organisation.id != (own_id or 0))):
            f.errors["name"] = "Er bestaat al een organisatie met deze naam."
        if region is not None:
            wsp = s.get(Organisation, region)
            if wsp is None or wsp.kind != ORG_WSP:
                f.errors["wsp_organisation_id"] = "Kies een bestaande WSP-regio."
        return f.done()

    def create_organisation(self, actor: Actor, *, name: str | None, kind: str | None,
                            wsp_organisation_id: int | None = None, employees: int | None = None,
                            reason: str | None = None) -> int:
        """A new JoB organisation, WSP region or employer (with its company row); returns its id."""
        if kind not in ORG_KINDS:
            self._require_org_manager(actor)
            raise InvalidPayload({"kind": "Kies een van de mogelijkheden: " + ", ".join(ORG_KINDS.values()) + "."})
        self._require_org_manager(actor, kind)
        payload = {"name": name, "wsp_organisation_id": wsp_organisation_id, "employees": employees,
                   "reason": reason}
        with self.services.db.write() as s:
            clean = self._clean_organisation(s, payload, kind, None)
            org = Organisation(name=clean["name"], kind=kind, parent_id=clean.get("wsp_organisation_id"),
                               created_at=self.services.clock.now())
            s.add(org)
            s.flush()
            if kind == ORG_EMPLOYER:
                s.add(Company(organisation_id=org.id, employees=clean.get("employees")))
            changes = {"naam": [None, org.name], "soort": [None, ORG_KINDS[kind]]}
            if org.parent_id:
                changes["wsp_regio"] = [None, s.get(Organisation, org.parent_id).name]
            if clean.get("employees") is not None:
                changes["medewerkers"] = [None, clean["employees"]]
            self._audit(s, actor, "organisation_created", "organisation", org.id, changes, clean["reason"])
            return org.id

    def update_organisation(self, actor: Actor, organisation_id: int, *, name: str | None,
                            wsp_organisation_id: int | None = None, employees: int | None = None,
                            reason: str | None = None) -> None:
        """Name, WSP region and number of employees; the kind stays (the users' roles depend on it)."""
        self._require_org_manager(actor)
        with self.services.db.write() as s:
            org = s.get(Organisation, organisation_id) if isinstance(organisation_id, int) else None
            if org is None:
                raise NotFound(NOT_FOUND)
            self._require_org_manager(actor, org.kind)
            payload = {"name": name, "wsp_organisation_id": wsp_organisation_id, "employees": employees,
                       "reason": reason}
            clean = self._clean_organisation(s, payload, org.kind, org.id)
            company = s.get(Company, org.id) if org.kind == ORG_EMPLOYER else None
            changes: dict[str, Any] = {}
            if clean["name"] != org.name:
                changes["naam"] = [org.name, clean["name"]]
                org.name = clean["name"]
            new_parent = clean.get("wsp_organisation_id")
            if new_parent != org.parent_id:
                names = dict(s.execute(select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_([i for i in (org.parent_id, new_parent) if i]))).all())
                changes["wsp_regio"] = [names.get(org.parent_id), names.get(new_parent)]
                org.parent_id = new_parent
            if org.kind == ORG_EMPLOYER:
                if company is None:
                    company = Company(organisation_id=org.id)
                    s.add(company)
                if clean.get("employees") != company.employees:
                    changes["medewerkers"] = [company.employees, clean.get("employees")]
                    company.employees = clean.get("employees")
            if not changes:
                raise InvalidPayload({"name": "Er is niets gewijzigd."})
            self._audit(s, actor, "organisation_changed", "organisation", org.id, changes, clean["reason"])

    def find_organisation(self, name: str) -> Organisation | None:
        with self.services.db.read() as s:
            org = s.scalars(select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())).first()
            if org is not None:
                s.expunge(org)
            return org

    # -- users -------------------------------------------------------------------------
    def users(self, actor: Actor) -> list[UserLine]:
        self._require_admin(actor)
        stmt = (select(User.id, User.email, User.name, User.role, User.organisation_id, Organisation.name,
                       User.is_coordinator, User.active, User.password_hash.is_not(None),
                       User.totp_enabled_at.is_not(None))
                .join(Organisation, Organisation.id == User.organisation_id).order_by(Organisation.name, User.name))
        with self.services.db.read() as s:
            return [UserLine(i, e, n, r, ROLES.get(r, r), o, on, bool(c), bool(a), bool(p), bool(t))
                    for i, e, n, r, o, on, c, a, p, t in s.execute(stmt)]

    def user(self, actor: Actor, user_id: int) -> UserLine:
        found = next((u for u in self.users(actor) if u.id == user_id), None)
        if found is None:
            raise NotFound(NOT_FOUND)
        return found

    @staticmethod
    def _clean_user(s: Session, data: dict[str, Any], *, own_id: int | None, with_email: bool) -> dict[str, Any]:
        f = Form(data, ("email", "name", "role", "organisation_id", "is_coordinator", "reason"))
        if with_email:
            email = f.text("email", required=True, max_len=254)
            if email is not None and not EMAIL.match(email):
                f.errors["email"] = "Vul een geldig e-mailadres in."
            elif email and s.scalar(select(func.count()).select_from(User).where(
                    func.lower(User.email) == email.lower())):
                f.errors["email"] = "Er bestaat al een gebruiker met dit e-mailadres."
        f.text("name", required=True)
        role = f.choice("role", USER_ROLES, required=True)
        org_id = f.integer("organisation_id", required=True)
        coordinator = f.boolean("is_coordinator")
        f.text("reason", required=True, max_len=500)
        org = s.get(Organisation, org_id) if org_id is not None else None
        if org_id is not None and org is None:
            f.errors["organisation_id"] = "Kies een bestaande organisatie."
        if org is not None and role is not None and role not in ROLES_BY_ORG_KIND.get(org.kind, ()):
            fits = ", ".join(ROLES[r] for r in ROLES_BY_ORG_KIND.get(org.kind, ()))
            f.errors["role"] = f"Deze rol past niet bij {org.name} ({ORG_KINDS.get(org.kind, org.kind)}): kies {fits}."
        if coordinator and role is not None and role != JOB:
            f.errors["is_coordinator"] = "Alleen een JoB-medewerker kan coördinator zijn."
        clean = f.done()
        if "email" in clean:
            clean["email"] = clean["email"].lower()
        clean["is_coordinator"] = bool(coordinator)
        return clean

    def invite_user(self, actor: Actor, *, link_for: Callable[[str], str], **data: Any) -> int:
        """A new account without a password, and a mailed one-time link to choose one."""
        self._require_admin(actor)
        if self.sealer is None:
            raise RuntimeError("Administration needs a sealer (SECRET_KEY) to mail invitations")
        now = self.services.clock.now()
        with self.services.db.write() as s:
            clean = self._clean_user(s, data, own_id=None, with_email=True)
            user = self._new_user(s, clean, password_hash=None)
            queue_invitation(s, self.sealer, now=now, user=user, link_for=link_for)
            self._audit(s, actor, "user_invited", "user", user.id, self._user_changes(s, None, clean), clean["reason"])
            return user.id

    def create_user(self, actor: Actor, *, password: str, **data: Any) -> int:
        """An account with a password chosen by the administrator (the command line's first admin)."""
        self._require_admin(actor)
        with self.services.db.write() as s:
            clean = self._clean_user(s, data, own_id=None, with_email=True)
            problem = password_problem(password, context=(clean["email"], clean["email"].split("@")[0],
                                                          *clean["name"].split()))
            if problem:
                raise InvalidPayload({"password": problem})
            user = self._new_user(s, clean, password_hash=hash_password(password))
            self._audit(s, actor, "user_created", "user", user.id, self._user_changes(s, None, clean), clean["reason"])
            return user.id

    def _new_user(self, s: Session, clean: dict[str, Any], *, password_hash: str | None) -> User:
        user = User(email=clean["email"], name=clean["name"], role=clean["role"],
                    organisation_id=clean["organisation_id"], password_hash=password_hash, active=True,
                    is_coordinator=clean["is_coordinator"], notify="digest", session_epoch=0,
                    created_at=self.services.clock.now())
        s.add(user)
        s.flush()
        return user

    @staticmethod
    def _user_changes(s: Session, user: User | None, clean: dict[str, Any]) -> dict[str, Any]:
        def org_name(i: int | None) -> str | None:
            return s.scalar(select(Organisation.name).where(Organisation.id == i)) if i else None

        before = ({"naam": user.name, "rol": ROLES.get(user.role), "organisatie": org_name(user.organisation_id),
                   "coordinator": bool(user.is_coordinator)} if user is not None else {})
        after = {"naam": clean["name"], "rol": ROLES.get(clean["role"]),
                 "organisatie": org_name(clean["organisation_id"]), "coordinator": clean["is_coordinator"]}
        if "email" in clean:
            after["e-mail"] = clean["email"]
        return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}

    def _load_user(self, s: Session, actor: Actor, user_id: int) -> User:
        self._require_admin(actor)
        user = s.get(User, user_id) if isinstance(user_id, int) else None
        if user is None:
            raise NotFound(NOT_FOUND)
        return user

    def update_user(self, actor: Actor, user_id: int, **data: Any) -> None:
        """Name, role, organisation and coordinator; an administrator cannot demote themselves."""
        with self.services.db.write() as s:
            user = self._load_user(s, actor, user_id)
            clean = self._clean_user(s, data, own_id=user.id, with_email=False)
            if user.id == actor.user_id and clean["role"] != user.role:
                raise InvalidPayload({"role": "U kunt uw eigen rol niet wijzigen; vraag een andere beheerder."})
            changes = self._user_changes(s, user, clean)
            if not changes:
                raise InvalidPayload({"name": "Er is niets gewijzigd."})
            user.name, user.role = clean["name"], clean["role"]
            user.organisation_id, user.is_coordinator = clean["organisation_id"], clean["is_coordinator"]
            self._audit(s, actor, "user_changed", "user", user.id, changes, clean["reason"])

    def _reason(self, reason: str | None) -> str:
        f = Form({"reason": reason}, ("reason",))
        f.text("reason", required=True, max_len=500)
        return f.done()["reason"]

    def set_active(self, actor: Actor, user_id: int, active: bool, reason: str | None) -> None:
        """Deactivation ends at once every session, API token, calendar link and invitation."""
        now = self.services.clock.now()
        with self.services.db.write() as s:
            user = self._load_user(s, actor, user_id)
            why = self._reason(reason)
            if user.id == actor.user_id:
                raise InvalidPayload({"reason": "U kunt uw eigen account niet deactiveren."})
            if user.active == active:
                raise InvalidPayload({"reason": "Dit account is al " + ("actief." if active else "gedeactiveerd.")})
            user.active = active
            if not active:
                user.session_epoch = (user.session_epoch or 0) + 1
                s.execute(delete(UserSession).where(UserSession.user_id == user.id))
                for table in (ApiToken, CalendarToken):
                    s.execute(update(table).where(table.user_id == user.id, table.revoked_at.is_(None))
                              .values(revoked_at=now))
                end_invitations(s, user.id, now)
            self._audit(s, actor, "user_activated" if active else "user_deactivated", "user", user.id,
                        {"actief": [not active, active]}, why)

    def reset_second_factor(self, actor: Actor, user_id: int, reason: str | None) -> None:
        """For someone who lost phone and recovery codes: enrolment again at the next login."""
        with self.services.db.write() as s:
            user = self._load_user(s, actor, user_id)
            why = self._reason(reason)
            if user.totp_enabled_at is None and user.totp_secret is None:
                raise InvalidPayload({"reason": "Deze gebruiker heeft geen tweede stap ingesteld."})
            user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
            s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
            s.execute(delete(UserSession).where(UserSession.user_id == user.id))
            self._audit(s, actor, "second_step_reset", "user", user.id, {"tweede_stap": ["aan", "uit"]}, why)

    def resend_invitation(self, actor: Actor, user_id: int, reason: str | None,
                          link_for: Callable[[str], str]) -> None:
        """A new link for an active account that has no password yet (earlier links end)."""
        if self.sealer is None:
            raise RuntimeError("Administration needs a sealer (SECRET_KEY) to mail invitations")
        with self.services.db.write() as s:
            user = self._load_user(s, actor, user_id)
            why = self._reason(reason)
            if not user.active or user.password_hash is not None:
                raise InvalidPayload({"reason": "Alleen een actief account zonder wachtwoord krijgt een uitnodiging."})
            queue_invitation(s, self.sealer, now=self.services.clock.now(), user=user, link_for=link_for)
            self._audit(s, actor, "invitation_sent", "user", user.id, {}, why)
