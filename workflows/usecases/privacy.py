"""AVG rights for candidates: who read their data, all their data as JSON, and erasure.

- `read_log`: the read-access log of one candidate (JoB and administrators only);
- `export` (right of access, AVG art. 15): every row about the candidate, as plain data;
- `erase` (art. 17) on request, and `erase_expired` after the retention period (default
  two years after the last plan ended): personal data is replaced by a pseudonym
  ("Kandidaat #12") everywhere it is stored — the candidate row, free text of the plans,
  free text in case data and in the audit trail (redacted with its digest kept, so the
  hash chain still verifies), task titles and mails not yet sent. Ids, dates and codes stay,
  so the trajectories, hours and audit trail remain whole.

On SQLite the database runs with `secure_delete` and is vacuumed after an erasure (WAL
checkpointed and truncated), so the old text is not left in free pages of the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, func, select, update
from sqlalchemy.orm import Session

from engine.audit import redact
from engine.clock import ensure_utc
from engine.errors import InvalidPayload, NotFound
from engine.identity import access_log
from engine.services import Services
from engine.spec import Actor
from engine.store import personal_data as sealing
from engine.store.models import AuditEntry, Case, Organisation, OutboxMessage, Task
from workflows.domain.candidate_plan import NAME as PLAN
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.domain.roles import ADMIN
from workflows.domain.security import READ_LOG_ROLES
from workflows.storage import casework_models, money_models, plan_models
from workflows.storage.models import Candidate, ErasureLog
from workflows.usecases.casework import CaseworkServices

ERASED = "[verwijderd]"
# Keys in case data and audit payloads that may hold words typed by a person.
FREE_TEXT_KEYS = {"reason", "explanation", "note", "notes", "discussed", "next_steps", "remark", "comment",
                  "interview_candidate", "interview_harrie", "description", "text"}
# Tables with a row per plan (plan_case_id) or per candidate (candidate_id).
PLAN_TABLES = [plan_models.PlanDocument, plan_models.PlanGoal, plan_models.PlanEvaluation,
               plan_models.PlanSignoff, plan_models.CoachingEntry, plan_models.InvraObservation,
               # the plan's money: instruments, closed periods, corrections of hours (its work level
               # and training routes are in the plan's own data, exported with the case)
               money_models.PlacementInstrument, money_models.HoursPeriod, money_models.HoursCorrection]


@dataclass(frozen=True)
class ErasureResult:
    candidate_id: int
    pseudonym: str
    plans: int
    audit_entries: int
    mails: int


def pseudonym(candidate_id: int) -> str:
    return f"Kandidaat #{candidate_id}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # amounts and hours exactly as stored ("8400.50")
    return value


def _row(obj: Any) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns}


def _scrub(value: Any, names: list[str], replacement: str) -> tuple[Any, bool]:
    """Free text under FREE_TEXT_KEYS becomes ERASED; names elsewhere become the pseudonym."""
    if isinstance(value, dict):
        changed = False
        out = {}
        for k, v in value.items():
            if k in FREE_TEXT_KEYS and isinstance(v, str) and v:
                out[k], changed = ERASED, True
            else:
                out[k], c = _scrub(v, names, replacement)
                changed = changed or c
        return out, changed
    if isinstance(value, list):
        items = [_scrub(v, names, replacement) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, str):
        new = _replace_names(value, names, replacement)
        return new, new != value
    return value, False


def _names_only(value: Any, names: list[str], replacement: str) -> tuple[Any, bool]:
    """Like `_scrub`, but free text stays; only the names in it are replaced."""
    if isinstance(value, dict):
        items = {k: _names_only(v, names, replacement) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(c for _, c in items.values())
    if isinstance(value, list):
        pairs = [_names_only(v, names, replacement) for v in value]
        return [v for v, _ in pairs], any(c for _, c in pairs)
    if isinstance(value, str):
        new = _replace_names(value, names, replacement)
        return new, new != value
    return value, False


def _replace_names(value: str, names: list[str], replacement: str) -> str:
    for name in names:
        if name and len(name) >= 2 and name.lower() in value.lower():
            lower = value.lower()
            i = lower.find(name.lower())
            while i >= 0:
                value = value[:i] + replacement + value[i + len(name):]
                lower = value.lower()
                i = lower.find(name.lower(), i + len(replacement))
    return value


def _casework_export(s: Session, candidate_id: int) -> dict[str, Any]:
    """Notes (every version) and documents (metadata and SHA-256, not the bytes) on the candidate's plans."""
    C = casework_models
    notes = s.scalars(select(C.CaseNote).where(C.CaseNote.candidate_id == candidate_id).order_by(C.CaseNote.id)).all()
    docs = s.scalars(select(C.CaseDocument).where(C.CaseDocument.candidate_id == candidate_id)
                     .order_by(C.CaseDocument.id)).all()
    note_versions: dict[int, list[dict[str, Any]]] = {}
    if notes:
        for v in s.scalars(select(C.CaseNoteVersion).where(C.CaseNoteVersion.note_id.in_([n.id for n in notes]))
                           .order_by(C.CaseNoteVersion.version)):
            note_versions.setdefault(v.note_id, []).append(_row(v))
    doc_versions: dict[int, list[dict[str, Any]]] = {}
    if docs:
        for v in s.scalars(select(C.CaseDocumentVersion).where(
                C.CaseDocumentVersion.document_id.in_([d.id for d in docs])).order_by(C.CaseDocumentVersion.version)):
            doc_versions.setdefault(v.document_id, []).append(
                {k: val for k, val in _row(v).items() if k != "blob_key"})
    return {
        "case_notes": [{**_row(n), "versions": note_versions.get(n.id, [])} for n in notes],
        "case_documents": [{**_row(d), "versions": doc_versions.get(d.id, [])} for d in docs],
    }


class PrivacyServices:
    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def db(self):
        return self.services.db

    # -- reading -----------------------------------------------------------------------------
    def _require_reader(self, actor: Actor) -> None:
        if not (actor.is_system or actor.role in READ_LOG_ROLES):
            raise NotFound("Deze pagina bestaat niet of u heeft er geen toegang toe.")

    def _candidate(self, s: Session, candidate_id: Any) -> Candidate:
        if not isinstance(candidate_id, int) or isinstance(candidate_id, bool):
            raise NotFound("Deze kandidaat bestaat niet.")
        row = s.get(Candidate, candidate_id)
        if row is None:
            raise NotFound("Deze kandidaat bestaat niet.")
        return row

    def _plans(self, s: Session, candidate_id: int) -> list[Case]:
        plans = s.scalars(select(Case).where(Case.workflow == PLAN).order_by(Case.id)).all()
        return [c for c in plans if (c.data or {}).get("candidate_id") == candidate_id]

    def candidate_name(self, actor: Actor, candidate_id: int) -> str:
        self._require_reader(actor)
        with self.db.read() as s:
            row = self._candidate(s, candidate_id)
            return row.display_name if row.erased_at is None else pseudonym(row.id)

    def read_log(self, actor: Actor, candidate_id: int) -> list[access_log.AccessLine]:
        """Who read this candidate's record, newest first (JoB and administrators only)."""
        self._require_reader(actor)
        with self.db.read() as s:
            self._candidate(s, candidate_id)
            return access_log.lines_for(s, candidate_id)

    def export(self, actor: Actor, candidate_id: int) -> dict[str, Any]:
        """Everything stored about one candidate, as JSON-ready data (AVG art. 15)."""
        self._require_reader(actor)
        with self.db.read() as s:
            cand = self._candidate(s, candidate_id)
            plans = self._plans(s, candidate_id)
            plan_ids = [c.id for c in plans]
            out: dict[str, Any] = {
                "export_created_at": self.services.clock.now().isoformat(),
                "candidate": _row(cand),
                "plans": [],
                "company_trajectories": [],
            }
            for case in plans:
                item = {"case": _row(case)}
                for model in PLAN_TABLES:
                    rows = s.scalars(select(model).where(model.plan_case_id == case.id)).all()
                    item[model.__tablename__] = [_row(r) for r in rows]
                goal_ids = [g["id"] for g in item["plan_goal"]]
                if goal_ids:
                    item["plan_goal_review"] = [_row(r) for r in s.scalars(
                        select(plan_models.PlanGoalReview).where(plan_models.PlanGoalReview.goal_id.in_(goal_ids)))]
                item["audit_trail"] = [
                    {k: v for k, v in _row(e).items() if k not in ("prev_hash", "hash", "redacted")}
                    for e in s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id)
                                       .order_by(AuditEntry.seq))]
                item["tasks"] = [_row(t) for t in s.scalars(select(Task).where(Task.case_id == case.id))]
                out["plans"].append(item)
            observations = s.scalars(select(plan_models.InvraObservation).where(
                plan_models.InvraObservation.candidate_id == candidate_id)).all()
            out["invra_observations_outside_plans"] = [_row(o) for o in observations if o.plan_case_id not in plan_ids]
            for case in s.scalars(select(Case).where(Case.workflow == COMPANY_TRAJECTORY).order_by(Case.id)):
                entry = next((c for c in (case.data or {}).get("candidates", [])
                              if c.get("candidate_id") == candidate_id), None)
                if entry is not None:
                    org = s.get(Organisation, case.organisation_id) if case.organisation_id else None
                    out["company_trajectories"].append({"case_id": case.id, "employer": org.name if org else None,
                                                        "entry": entry})
            out.update(_casework_export(s, candidate_id))
            out["read_access_log"] = [
                {"at": line.at.isoformat(), "user_id": line.user_id, "role": line.role, "case_id": line.case_id,
                 "what": line.what} for line in access_log.lines_for(s, candidate_id, limit=100_000)]
        with self.db.write() as s:
            access_log.record(s, actor, candidate_id, None, "export", self.services.clock.now())
        json.dumps(out)  # fails loudly here rather than half-way through a download
        return out

    # -- erasure -----------------------------------------------------------------------------
    def erase(self, actor: Actor, candidate_id: int, *, allow_running: bool = False) -> ErasureResult:
        """Replace the candidate's personal data by a pseudonym everywhere (administrators)."""
        if not (actor.is_system or actor.role == ADMIN):
            raise NotFound("Deze pagina bestaat niet of u heeft er geen toegang toe.")
        now = self.services.clock.now()
        with self.db.write() as s:
            result = self._erase(s, candidate_id, now, allow_running=allow_running)
            s.add(ErasureLog(candidate_id=candidate_id, erased_at=now))
        self._compact()
        return result

    def reapply(self, s: Session, entries: list[dict[str, Any]]) -> None:
        """Erase again, in the restore's transaction, the candidates erased after a backup was
        made (`jobtraject restore`); a candidate the backup does not hold needs nothing."""
        now = self.services.clock.now()
        for entry in entries:
            if s.get(Candidate, entry["candidate_id"]) is not None:
                self._erase(s, entry["candidate_id"], now, allow_running=True)

    def _erase(self, s: Session, candidate_id: int, now: datetime, *, allow_running: bool) -> ErasureResult:
        """The erasure itself, inside the caller's transaction."""
        cand = self._candidate(s, candidate_id)
        plans = self._plans(s, candidate_id)
        if not allow_running and any(c.closed_at is None for c in plans):
            raise InvalidPayload({"candidate_id": "Deze kandidaat heeft een lopend trajectplan. "
                                                  "Stop of sluit het plan eerst."})
        names = sorted({n for n in (cand.display_name, cand.first_name, cand.last_name, cand.email, cand.phone)
                        if n and len(n) >= 2 and cand.erased_at is None}, key=len, reverse=True)
        alias = pseudonym(cand.id)
        # Crypto-shredding: without the data key, every copy of the sealed values (old pages,
        # WAL, backups) is noise; what stays readable below is the pseudonym.
        sealing.destroy(s, cand.id)
        cand.first_name, cand.last_name = "Kandidaat", f"#{cand.id}"
        for col in ("date_of_birth", "email", "phone", "target_group", "in_doelgroepregister",
                    "register_checked_on", "contract_hours", "notes"):
            setattr(cand, col, None)
        cand.erased_at = cand.erased_at or now
        plan_ids = [c.id for c in plans]
        audit_count = 0
        for case in plans:
            data, changed = _scrub(dict(case.data or {}), names, alias)
            if changed:
                case.data = data  # version_id_col moves on: a stale editor gets "changed by someone"
            for entry in s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id)):
                payload, p_changed = _scrub(dict(entry.payload or {}), names, alias)
                reason = ERASED if entry.reason else None
                if p_changed or entry.reason not in (None, ERASED):
                    redact(entry, payload, reason)
                    audit_count += 1
            for task in s.scalars(select(Task).where(Task.case_id == case.id)):
                new = _replace_names(task.title, names, alias)
                if new != task.title:
                    task.title = new
        # Company trajectories name the candidate by id only; a name typed into their
        # free text (about the company, so kept) becomes the pseudonym.
        for case in s.scalars(select(Case).where(Case.workflow == COMPANY_TRAJECTORY)):
            if any(c.get("candidate_id") == candidate_id for c in (case.data or {}).get("candidates", [])):
                data, changed = _names_only(case.data or {}, names, alias)
                if changed:
                    case.data = data
                C = casework_models  # notes about the company are kept; the candidate's name in them goes
                for version in s.scalars(select(C.CaseNoteVersion).join(
                        C.CaseNote, C.CaseNote.id == C.CaseNoteVersion.note_id).where(C.CaseNote.case_id == case.id)):
                    renamed = _replace_names(version.text, names, alias) if version.text else version.text
                    if renamed != version.text:
                        version.text = renamed
                for entry in s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id)):
                    payload, p_changed = _names_only(entry.payload or {}, names, alias)
                    reason = _replace_names(entry.reason, names, alias) if entry.reason else entry.reason
                    if p_changed or reason != entry.reason:
                        redact(entry, payload, reason)
                        audit_count += 1
        self._erase_plan_rows(s, plan_ids, candidate_id)
        CaseworkServices(self.services).erase_candidate(s, candidate_id, ERASED)
        mails = 0
        if names:
            for mail in s.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")):
                new = [_replace_names(v or "", names, alias) for v in (mail.subject, mail.body_text, mail.body_html)]
                if new != [mail.subject, mail.body_text, mail.body_html or ""]:
                    mail.subject, mail.body_text = new[0], new[1]
                    mail.body_html = new[2] or None
                    mails += 1
            # Sent mails are gone from our hands; their bodies need not stay here either.
            for mail in s.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")):
                body = f"{mail.subject}\n{mail.body_text}\n{mail.body_html or ''}"
                if any(n.lower() in body.lower() for n in names):
                    mail.subject = _replace_names(mail.subject, names, alias)
                    mail.body_text = _replace_names(mail.body_text, names, alias)
                    mail.body_html = _replace_names(mail.body_html, names, alias) if mail.body_html else None
                    mails += 1
        return ErasureResult(candidate_id, alias, len(plan_ids), audit_count, mails)

    def _erase_plan_rows(self, s: Session, plan_ids: list[int], candidate_id: int) -> None:
        """Free text of the plans goes; ids, dates, hours and codes stay (for the accounts)."""
        P = plan_models
        if plan_ids:
            s.execute(update(P.PlanDocument).where(P.PlanDocument.plan_case_id.in_(plan_ids)).values(
                function=None, coaching_need=None, onboarding_programme=None, hours_distribution=None))
            s.execute(update(P.PlanGoal).where(P.PlanGoal.plan_case_id.in_(plan_ids)).values(
                specific=ERASED, measure=ERASED))
            eval_ids = list(s.scalars(select(P.PlanEvaluation.id).where(P.PlanEvaluation.plan_case_id.in_(plan_ids))))
            s.execute(update(P.PlanEvaluation).where(P.PlanEvaluation.plan_case_id.in_(plan_ids)).values(
                discussed=ERASED, next_steps=None, interview_candidate=None, interview_harrie=None))
            if eval_ids:
                s.execute(update(P.PlanGoalReview).where(P.PlanGoalReview.evaluation_id.in_(eval_ids))
                          .values(note=None))
            s.execute(update(P.CoachingEntry).where(P.CoachingEntry.plan_case_id.in_(plan_ids)).values(note=None))
            M = money_models  # amounts, dates and hours stay for the accounts; the reason of a correction goes
            s.execute(update(M.HoursCorrection).where(M.HoursCorrection.plan_case_id.in_(plan_ids)).values(
                reason=ERASED))
        s.execute(update(P.InvraObservation).where(P.InvraObservation.candidate_id == candidate_id)
                  .values(notes=None, scores={}))
        # Tables other modules add later: any Text column of a row tied to these plans.
        known = {m.__tablename__ for m in PLAN_TABLES} | {"plan_goal_review"}
        from engine.store.db import Base

        for table in Base.metadata.sorted_tables:
            if table.name in known:
                continue
            link = table.c.get("plan_case_id") if plan_ids else None
            link_cand = table.c.get("candidate_id") if table.name != "candidate" else None
            texts = [c for c in table.c if isinstance(c.type, Text) and not c.primary_key]
            if not texts or (link is None and link_cand is None):
                continue
            cond = link.in_(plan_ids) if link is not None else link_cand == candidate_id
            s.execute(table.update().where(cond).values(
                {c.name: (None if c.nullable else ERASED) for c in texts}))

    def _compact(self) -> None:
        """SQLite: rewrite the file so erased text is not left in free pages or the WAL."""
        self.db.compact()

    def expired(self, now: datetime, retention: timedelta) -> list[int]:
        """Candidates whose last plan ended more than `retention` ago (or who never got a
        plan and were registered that long ago, outside any open trajectory)."""
        cutoff = now - retention
        with self.db.read() as s:
            cands = s.scalars(select(Candidate).where(Candidate.erased_at.is_(None))).all()
            plans: dict[int, list[Case]] = {}
            for case in s.scalars(select(Case).where(Case.workflow == PLAN)):
                cid = (case.data or {}).get("candidate_id")
                if cid is not None:
                    plans.setdefault(cid, []).append(case)
            in_open = set()
            for case in s.scalars(select(Case).where(Case.workflow == COMPANY_TRAJECTORY, Case.closed_at.is_(None))):
                in_open.update(c.get("candidate_id") for c in (case.data or {}).get("candidates", []))
        due = []
        for cand in cands:
            mine = plans.get(cand.id, [])
            if mine:
                if all(c.closed_at is not None and ensure_utc(c.closed_at) < cutoff for c in mine):
                    due.append(cand.id)
            elif cand.id not in in_open and ensure_utc(cand.created_at) < cutoff:
                due.append(cand.id)
        return due

    def erase_expired(self, actor: Actor, retention: timedelta) -> list[ErasureResult]:
        """The retention sweep: erase every candidate past the retention period; idempotent."""
        return [self.erase(actor, cid) for cid in self.expired(self.services.clock.now(), retention)]

    def count_erased(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(Candidate).where(Candidate.erased_at.is_not(None)))
