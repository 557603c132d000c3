"""Notes and documents on a case: write, edit (a new version), list, download.

Every use case first loads the case through the access policy (an invisible case is a 404,
as elsewhere), then checks the item's visibility (JoB only, or all parties). Input is
checked completely before anything is written; one transaction per use case. A file's type
is found in its content by libmagic (python-magic), never from its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import magic
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from engine.clock import ensure_utc
from engine.errors import CaseNotFound, InvalidPayload, NotFound
from engine.runtime import load_case
from engine.services import Services
from engine.spec import Actor
from engine.store.blobs import BlobStore, DatabaseBlobStore, sha256
from engine.store.models import AuditEntry, Case, User
from engine.store.personal_data import open_column
from workflows.domain import casework as rules
from workflows.domain.candidate_plan import NAME as PLAN
from workflows.storage.casework_models import (
    CaseDocument,
    CaseDocumentVersion,
    CaseNote,
    CaseNoteVersion,
)


@dataclass(frozen=True)
class NoteVersionLine:
    version: int
    text: str | None  # None once the candidate's key is destroyed
    written_at: datetime
    written_by: str


@dataclass(frozen=True)
class NoteLine:
    id: int
    case_id: int
    author_id: int | None
    author: str
    visibility: str
    created_at: datetime
    updated_at: datetime
    version: int
    text: str | None
    earlier: tuple[NoteVersionLine, ...]  # newest first
    mine: bool


@dataclass(frozen=True)
class DocumentVersionLine:
    version: int
    filename: str | None
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str


@dataclass(frozen=True)
class DocumentLine:
    id: int
    case_id: int
    visibility: str
    created_at: datetime
    current: DocumentVersionLine
    earlier: tuple[DocumentVersionLine, ...]  # newest first


@dataclass(frozen=True)
class DossierSummary:
    """What an overview page shows of a case's dossier: the trail's rows (plain rows, for the
    phases visited and the newest line), how many notes and documents this person may read,
    and the newest of each (when, and who or which file). No note text is opened."""

    trail: tuple[Any, ...]  # audit rows, oldest first (the attributes `AuditEntry` has)
    notes: int
    documents: int
    latest_note: tuple[datetime, str] | None  # (written at, author)
    latest_document: tuple[datetime, str | None] | None  # (uploaded at, file name)


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes
    sha256: str


def sniff(content: bytes) -> str:
    """The MIME type libmagic finds in the bytes (the name plays no part)."""
    return magic.from_buffer(content, mime=True)


MAX_ID = 2**63 - 1  # what a BIGINT holds: a larger id in a URL is simply not found


def _id(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
    return value if ok else None


def _candidate_of(case: Case) -> int | None:
    cid = (case.data or {}).get("candidate_id") if case.workflow == PLAN else None
    return cid if isinstance(cid, int) and not isinstance(cid, bool) else None


def _names(s: Session, ids: set[int]) -> dict[int, str]:
    ids.discard(None)  # type: ignore[arg-type]
    if not ids:
        return {}
    return {i: n for i, n in s.execute(select(User.id, User.name).where(User.id.in_(ids)))}


# The overview's summary: statements built once per process.
_TRAIL = (select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor_user_id, AuditEntry.actor_role, AuditEntry.trigger,
                 AuditEntry.from_state, AuditEntry.to_state, AuditEntry.payload, AuditEntry.reason,
                 AuditEntry.request_id)
          .where(AuditEntry.case_id == bindparam("case_id")).order_by(AuditEntry.seq))
_NOTES = (select(CaseNote.id, CaseNote.created_at, CaseNote.visibility, User.name.label("author"))
          .outerjoin(User, User.id == CaseNote.author_id).where(CaseNote.case_id == bindparam("case_id")))
_DOCUMENTS = (select(CaseDocument.id, CaseDocument.visibility, CaseDocumentVersion.version,
                     CaseDocumentVersion.uploaded_at, CaseDocumentVersion.filename)
              .join(CaseDocumentVersion, CaseDocumentVersion.document_id == CaseDocument.id)
              .where(CaseDocument.case_id == bindparam("case_id")))


class CaseworkServices:
    def __init__(self, services: Services, store: BlobStore | None = None,
                 max_bytes: int = rules.DEFAULT_MAX_BYTES) -> None:
        self.services = services
        self.store = store or DatabaseBlobStore()
        self.max_bytes = max_bytes

    @property
    def db(self):
        return self.services.db

    def _case(self, s: Session, actor: Actor, case_id: Any) -> Case:
        if _id(case_id) is None:
            raise CaseNotFound(case_id)
        case = load_case(s, case_id)  # in a page's read scope: the case the page already loaded
        if case is None or not self.services.policy.can_see(actor, case):
            raise CaseNotFound(case_id)
        return case

    # -- notes -----------------------------------------------------------------------------
    def add_note(self, actor: Actor, case_id: int, text: Any, visibility: Any) -> int:
        clean, text_error = rules.clean_note_text(text)
        seen_by, vis_error = rules.clean_visibility(actor.role, visibility)
        errors = {k: v for k, v in (("text", text_error), ("visibility", vis_error)) if v}
        now = self.services.clock.now()
        with self.db.write() as s:
            case = self._case(s, actor, case_id)
            if errors:
                raise InvalidPayload(errors)
            note = CaseNote(case_id=case.id, candidate_id=_candidate_of(case), author_id=actor.user_id,
                            visibility=seen_by, version=1, created_at=now, updated_at=now)
            s.add(note)
            s.flush()  # the version's text is sealed with the note's candidate
            s.add(CaseNoteVersion(note_id=note.id, version=1, text=clean, written_at=now,
                                  written_by_id=actor.user_id))
            return note.id

    def edit_note(self, actor: Actor, case_id: int, note_id: Any, text: Any) -> int:
        """Only the author edits; the earlier text stays as an earlier version."""
        clean, error = rules.clean_note_text(text)
        now = self.services.clock.now()
        with self.db.write() as s:
            self._case(s, actor, case_id)
            note = s.get(CaseNote, note_id) if _id(note_id) is not None else None
            if note is None or note.case_id != case_id or not rules.may_read(actor.role, note.visibility):
                raise NotFound("Deze notitie bestaat niet of u heeft er geen toegang toe.")
            if note.author_id is None or note.author_id != actor.user_id:
                raise InvalidPayload({"text": "Alleen de schrijver van een notitie kan haar wijzigen."})
            if error:
                raise InvalidPayload({"text": error})
            note.version += 1
            note.updated_at = now
            s.add(CaseNoteVersion(note_id=note.id, version=note.version, text=clean, written_at=now,
                                  written_by_id=actor.user_id))
            return note.version

    def notes(self, actor: Actor, case_id: int) -> list[NoteLine]:
        """The notes this person may read, newest first."""
        with self.db.read() as s:
            self._case(s, actor, case_id)
            return self._note_lines(s, actor, [CaseNote.case_id == case_id])

    def _note_lines(self, s: Session, actor: Actor, where: list[Any]) -> list[NoteLine]:
        notes = [n for n in s.scalars(select(CaseNote).where(*where).order_by(CaseNote.id.desc()))
                 if rules.may_read(actor.role, n.visibility)]
        if not notes:
            return []
        versions: dict[int, list[CaseNoteVersion]] = {}
        for v in s.scalars(select(CaseNoteVersion).where(CaseNoteVersion.note_id.in_([n.id for n in notes]))
                           .order_by(CaseNoteVersion.version.desc())):
            versions.setdefault(v.note_id, []).append(v)
        names = _names(s, {n.author_id for n in notes} | {v.written_by_id for vs in versions.values() for v in vs})
        lines = []
        for n in notes:
            vs = [NoteVersionLine(v.version, v.text, ensure_utc(v.written_at), names.get(v.written_by_id, "Onbekend"))
                  for v in versions.get(n.id, [])]
            lines.append(NoteLine(n.id, n.case_id, n.author_id, names.get(n.author_id, "Onbekend"), n.visibility,
                                  ensure_utc(n.created_at), ensure_utc(n.updated_at), n.version,
                                  vs[0].text if vs else None, tuple(vs[1:]),
                                  n.author_id is not None and n.author_id == actor.user_id))
        return lines

    # -- the overview's summary -------------------------------------------------------------
    def summary(self, actor: Actor, case_id: int) -> DossierSummary:
        """The dossier as an overview shows it (`DossierSummary`), in three statements."""
        with self.db.read() as s:
            self._case(s, actor, case_id)
            trail = tuple(s.execute(_TRAIL, {"case_id": case_id}).all())
            notes = [r for r in s.execute(_NOTES, {"case_id": case_id}) if rules.may_read(actor.role, r.visibility)]
            current: dict[int, Any] = {}  # document id -> its newest version
            for r in s.execute(_DOCUMENTS, {"case_id": case_id}):
                if rules.may_read(actor.role, r.visibility) and (r.id not in current or r.version > current[r.id].version):
                    current[r.id] = r
            # The newest by time; on a tie the higher id (the order the full timeline gives).
            note = max(notes, key=lambda r: (ensure_utc(r.created_at), r.id), default=None)
            doc = max(current.values(), key=lambda r: (ensure_utc(r.uploaded_at), r.id), default=None)
            return DossierSummary(
                trail, len(notes), len(current),
                (ensure_utc(note.created_at), note.author or "Onbekend") if note is not None else None,
                (ensure_utc(doc.uploaded_at), open_column(s, CaseDocumentVersion.filename, doc.filename))
                if doc is not None else None)

    # -- documents -------------------------------------------------------------------------
    def add_document(self, actor: Actor, case_id: int, filename: Any, content: bytes, visibility: Any,
                     document_id: int | None = None) -> tuple[int, int]:
        """A new document, or a new version of `document_id`; returns (document id, version)."""
        errors: dict[str, str] = {}
        name, name_error = rules.clean_filename(filename)
        size_error = rules.clean_size(len(content), self.max_bytes) if not name_error else None
        detected = sniff(content) if not (name_error or size_error) else ""
        type_error = rules.clean_type(detected) if detected else None
        if name_error or size_error or type_error:
            errors["file"] = name_error or size_error or type_error  # type: ignore[assignment]
        seen_by = None
        if document_id is None:
            seen_by, vis_error = rules.clean_visibility(actor.role, visibility)
            if vis_error:
                errors["visibility"] = vis_error
        now = self.services.clock.now()
        with self.db.write() as s:
            case = self._case(s, actor, case_id)
            doc = None
            if document_id is not None:
                doc = s.get(CaseDocument, document_id) if _id(document_id) is not None else None
                if doc is None or doc.case_id != case.id or not rules.may_read(actor.role, doc.visibility):
                    raise NotFound("Dit document bestaat niet of u heeft er geen toegang toe.")
            if errors:
                raise InvalidPayload(errors)
            if doc is None:
                doc = CaseDocument(case_id=case.id, candidate_id=_candidate_of(case), visibility=seen_by,
                                   version=1, created_at=now, created_by_id=actor.user_id)
                s.add(doc)
            else:
                doc.version += 1
            s.flush()
            key = self.store.put(s, content)
            s.add(CaseDocumentVersion(document_id=doc.id, version=doc.version, filename=name, content_type=detected,
                                      size=len(content), sha256=sha256(content), blob_key=key, uploaded_at=now,
                                      uploaded_by_id=actor.user_id))
            return doc.id, doc.version

    def panel(self, actor: Actor, case_id: int) -> tuple[list[NoteLine], list[DocumentLine]]:
        """What a case page shows: the notes and documents this person may read, in one read."""
        with self.db.read() as s:
            self._case(s, actor, case_id)
            return (self._note_lines(s, actor, [CaseNote.case_id == case_id]),
                    self._document_lines(s, actor, [CaseDocument.case_id == case_id]))

    def documents(self, actor: Actor, case_id: int) -> list[DocumentLine]:
        with self.db.read() as s:
            self._case(s, actor, case_id)
            return self._document_lines(s, actor, [CaseDocument.case_id == case_id])

    def _document_lines(self, s: Session, actor: Actor, where: list[Any]) -> list[DocumentLine]:
        docs = [d for d in s.scalars(select(CaseDocument).where(*where).order_by(CaseDocument.id.desc()))
                if rules.may_read(actor.role, d.visibility)]
        if not docs:
            return []
        versions: dict[int, list[CaseDocumentVersion]] = {}
        for v in s.scalars(select(CaseDocumentVersion).where(
                CaseDocumentVersion.document_id.in_([d.id for d in docs])).order_by(CaseDocumentVersion.version.desc())):
            versions.setdefault(v.document_id, []).append(v)
        names = _names(s, {v.uploaded_by_id for vs in versions.values() for v in vs})
        lines = []
        for d in docs:
            vs = [DocumentVersionLine(v.version, v.filename, v.content_type, v.size, v.sha256,
                                      ensure_utc(v.uploaded_at), names.get(v.uploaded_by_id, "Onbekend"))
                  for v in versions.get(d.id, [])]
            if vs:
                lines.append(DocumentLine(d.id, d.case_id, d.visibility, ensure_utc(d.created_at), vs[0], tuple(vs[1:])))
        return lines

    def download(self, actor: Actor, case_id: int, document_id: int, version: int | None = None) -> Download:
        """The bytes of one version (the newest when `version` is None); a read of a plan is logged."""
        with self.db.read() as s:
            case = self._case(s, actor, case_id)
            doc = s.get(CaseDocument, document_id) if _id(document_id) is not None else None
            if doc is None or doc.case_id != case.id or not rules.may_read(actor.role, doc.visibility):
                raise NotFound("Dit document bestaat niet of u heeft er geen toegang toe.")
            wanted = version if version is not None else doc.version
            row = s.get(CaseDocumentVersion, (doc.id, wanted)) if 1 <= wanted <= 2**31 - 1 else None
            content = self.store.get(s, row.blob_key) if row is not None else None
            if row is None or content is None or row.filename is None:
                raise NotFound("Dit document bestaat niet of u heeft er geen toegang toe.")
            result = Download(row.filename, row.content_type, content, row.sha256)
            workflow, data = case.workflow, dict(case.data or {})
        self.services.log_read(actor, case_id, workflow, data, "document")
        return result

    # -- for the candidate page, the AVG export and erasure --------------------------------
    def candidate_notes(self, s: Session, actor: Actor, candidate_id: int) -> list[NoteLine]:
        return self._note_lines(s, actor, [CaseNote.candidate_id == candidate_id])

    def candidate_documents(self, s: Session, actor: Actor, candidate_id: int) -> list[DocumentLine]:
        return self._document_lines(s, actor, [CaseDocument.candidate_id == candidate_id])

    def erase_candidate(self, s: Session, candidate_id: int, erased_text: str) -> tuple[int, int]:
        """Notes keep who/when with the text replaced; documents and their bytes go. (notes, documents)."""
        note_ids = list(s.scalars(select(CaseNote.id).where(CaseNote.candidate_id == candidate_id)))
        if note_ids:  # a statement, not the ORM: a flush would seal with a new key for the candidate
            s.execute(update(CaseNoteVersion).where(CaseNoteVersion.note_id.in_(note_ids)).values(text=erased_text))
        doc_ids = list(s.scalars(select(CaseDocument.id).where(CaseDocument.candidate_id == candidate_id)))
        if doc_ids:
            keys = list(s.scalars(select(CaseDocumentVersion.blob_key)
                                  .where(CaseDocumentVersion.document_id.in_(doc_ids))))
            s.execute(CaseDocumentVersion.__table__.delete().where(CaseDocumentVersion.document_id.in_(doc_ids)))
            s.execute(CaseDocument.__table__.delete().where(CaseDocument.id.in_(doc_ids)))
            self.store.delete(s, keys)
        return len(note_ids), len(doc_ids)
