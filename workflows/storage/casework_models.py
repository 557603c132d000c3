"""Notes and documents on a case, with every version kept.

A note's text and a document's file name on a candidate's plan are about that person: they
are sealed with the candidate's data key (`engine.store.personal_data`), so erasure (which
destroys the key) makes every copy unreadable. `candidate_id` is set for a plan's rows only;
rows of a company trajectory have none and are stored as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

import engine.store.blobs  # noqa: F401 - the blob table, which document versions name
from engine.store.db import Base
from engine.store.models import BigId, UtcDateTime
from engine.store.personal_data import sealed


class CaseNote(Base):
    """A note on a case by its author; the text is in its versions (the newest is current)."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the plan's candidate, if any
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    visibility: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


def _note_subject(row: Any, session: Session) -> int | None:
    note = session.get(CaseNote, row.note_id) if row.note_id is not None else None
    return note.candidate_id if note is not None else None


@sealed(subject=_note_subject, text=str)
class CaseNoteVersion(Base):
    """One text of a note; an edit adds a version and keeps the earlier ones."""

    __tablename__ = "case_note_version"

    note_id: Mapped[int] = mapped_column(ForeignKey("case_note.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UtcDateTime)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class CaseDocument(Base):
    """A document on a case; its files are its versions (the newest is current)."""

    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(Integer, index=True)
    visibility: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


def _document_subject(row: Any, session: Session) -> int | None:
    doc = session.get(CaseDocument, row.document_id) if row.document_id is not None else None
    return doc.candidate_id if doc is not None else None


@sealed(subject=_document_subject, filename=str)
class CaseDocumentVersion(Base):
    """One uploaded file: its name, the type found in its content, size, SHA-256 and blob key."""

    __tablename__ = "case_document_version"

    document_id: Mapped[int] = mapped_column(ForeignKey("case_document.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (Index("ix_case_document_version_sha256", "sha256"),)
