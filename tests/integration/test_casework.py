"""Notes and documents on a case, on SQLite and PostgreSQL: versions kept, visibility and the
organisation check, uploads checked by content, bad input writing nothing, and a candidate's
notes and documents in the AVG export and gone after erasure."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from engine.clock import FixedClock
from engine.errors import CaseNotFound, InvalidPayload, NotFound
from engine.spec import SYSTEM_ACTOR, Actor
from engine.store import crypto
from engine.store.blobs import Blob
from engine.store.models import User
from tests import casework_files as files
from tests.helpers import T0
from webui import create_app
from workflows.domain.casework import ALL_PARTIES, JOB_ONLY
from workflows.storage.casework_models import (
    CaseDocument,
    CaseDocumentVersion,
    CaseNote,
    CaseNoteVersion,
)
from workflows.usecases.casework import CaseworkServices
from workflows.usecases.privacy import ERASED, PrivacyServices

COMPANY_CASE, PLAN_CASE, CANDIDATE = 1, 2, 1  # demo: Korenaar's trajectory and Daan's plan
OTHER_COMPANY_CASE = 4  # Tuincentrum De Bongerd (WSP Midden-Gelderland)


@pytest.fixture
def svc(demo_db_url):
    app = create_app({"DATABASE_URL": demo_db_url, "SECRET_KEY": "t", "TESTING": True}, clock=FixedClock(T0))
    services = app.extensions["jobtraject"]
    yield services
    services.db.dispose()


def who(svc, email: str) -> Actor:
    with svc.db.read() as s:
        u = s.scalars(select(User).where(User.email == email)).one()
    return Actor(u.id, u.role, u.organisation_id, u.name)


def rows(svc) -> tuple[int, ...]:
    with svc.db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (CaseNote, CaseNoteVersion, CaseDocument, CaseDocumentVersion, Blob))


def test_an_edited_note_keeps_its_earlier_text_as_a_version(svc):
    work, sanne = CaseworkServices(svc), who(svc, "sanne@job.example")
    note_id = work.add_note(sanne, COMPANY_CASE, "  Eerste gesprek ging goed.  ", JOB_ONLY)
    assert work.edit_note(sanne, COMPANY_CASE, note_id, "Eerste gesprek ging heel goed.") == 2
    [note] = work.notes(sanne, COMPANY_CASE)
    assert (note.text, note.version, note.author, note.visibility) == (
        "Eerste gesprek ging heel goed.", 2, "Sanne de Vries", JOB_ONLY)
    assert [v.text for v in note.earlier] == ["Eerste gesprek ging goed."]
    assert note.created_at == T0


def test_a_job_only_note_is_hidden_from_the_employer_and_a_note_for_all_is_not(svc):
    work, sanne, marieke = CaseworkServices(svc), who(svc, "sanne@job.example"), who(svc, "marieke@korenaar.example")
    work.add_note(sanne, COMPANY_CASE, "Intern: let op de planning.", JOB_ONLY)
    work.add_note(sanne, COMPANY_CASE, "Voor iedereen: start op maandag.", ALL_PARTIES)
    assert [n.text for n in work.notes(marieke, COMPANY_CASE)] == ["Voor iedereen: start op maandag."]
    assert len(work.notes(who(svc, "beheer@job.example"), COMPANY_CASE)) == 2


def test_an_employer_may_not_write_a_job_only_note_and_only_the_author_edits(svc):
    work, sanne, marieke = CaseworkServices(svc), who(svc, "sanne@job.example"), who(svc, "marieke@korenaar.example")
    before = rows(svc)
    with pytest.raises(InvalidPayload) as refused:
        work.add_note(marieke, COMPANY_CASE, "Geheim", JOB_ONLY)
    assert "visibility" in refused.value.errors and rows(svc) == before
    note_id = work.add_note(marieke, COMPANY_CASE, "Harrie is er maandag niet.", ALL_PARTIES)
    with pytest.raises(InvalidPayload, match="De ingevoerde"):
        work.edit_note(sanne, COMPANY_CASE, note_id, "Overschreven")
    assert [n.text for n in work.notes(sanne, COMPANY_CASE)] == ["Harrie is er maandag niet."]


def test_empty_notes_and_notes_with_a_bsn_are_refused_and_write_nothing(svc):
    work, sanne = CaseworkServices(svc), who(svc, "sanne@job.example")
    before = rows(svc)
    for text in ("", "   ", "BSN 111222333 van de kandidaat"):
        with pytest.raises(InvalidPayload) as refused:
            work.add_note(sanne, COMPANY_CASE, text, JOB_ONLY)
        assert refused.value.errors["text"]
    assert rows(svc) == before


def test_nobody_writes_or_reads_notes_on_a_case_of_another_organisation(svc):
    work, marieke, tom = CaseworkServices(svc), who(svc, "marieke@korenaar.example"), who(svc, "tom@wsp-gelderland.example")
    with pytest.raises(CaseNotFound):
        work.add_note(marieke, OTHER_COMPANY_CASE, "Hallo", ALL_PARTIES)
    with pytest.raises(CaseNotFound):
        work.notes(tom, COMPANY_CASE)  # Korenaar is in WSP Rijk van Nijmegen's region


def test_a_note_on_a_plan_is_stored_sealed_with_the_candidates_key(svc):
    work, sanne = CaseworkServices(svc), who(svc, "sanne@job.example")
    note_id = work.add_note(sanne, PLAN_CASE, "Daan heeft rust nodig in de ochtend.", JOB_ONLY)
    with svc.db.read() as s:
        raw = s.execute(select(CaseNoteVersion.__table__.c.text).where(CaseNoteVersion.note_id == note_id)).scalar()
    assert crypto.is_sealed(raw) and crypto.subject_of(raw) == CANDIDATE and "rust" not in raw


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("plan.pdf", files.PDF, "application/pdf"),
    ("foto.png", files.png(), "image/png"),
    ("verslag.docx", files.docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("verslag.odt", files.odt(), "application/vnd.oasis.opendocument.text"),
    ("zonder-extensie", files.PDF, "application/pdf"),
])
def test_accepted_files_are_stored_with_their_type_from_the_content_and_their_sha256(svc, name, content, kind):
    work, sanne = CaseworkServices(svc), who(svc, "sanne@job.example")
    doc_id, version = work.add_document(sanne, COMPANY_CASE, name, content, JOB_ONLY)
    got = work.download(sanne, COMPANY_CASE, doc_id, version)
    assert (got.content, got.content_type, got.filename) == (content, kind, name)
    assert got.sha256 == hashlib.sha256(content).hexdigest()


def test_a_new_version_keeps_the_earlier_file(svc):
    work, sanne = CaseworkServices(svc), who(svc, "sanne@job.example")
    doc_id, _ = work.add_document(sanne, COMPANY_CASE, "v1.pdf", files.PDF, ALL_PARTIES)
    assert work.add_document(sanne, COMPANY_CASE, "v2.docx", files.docx(), None, document_id=doc_id) == (doc_id, 2)
    [doc] = work.documents(sanne, COMPANY_CASE)
    assert (doc.current.filename, [v.filename for v in doc.earlier]) == ("v2.docx", ["v1.pdf"])
    assert work.download(sanne, COMPANY_CASE, doc_id, 1).content == files.PDF


@pytest.mark.parametrize(("name", "content", "message"), [
    ("virus.pdf", files.EXE, "Dit soort bestand"),
    ("pagina.pdf", files.HTML, "Dit soort bestand"),
    ("leeg.pdf", b"", "leeg"),
    ("groot.pdf", files.PDF + b"x" * 2048, "te groot"),
    ("../../etc/passwd.pdf", files.PDF, "pad"),
    ("map\\plan.pdf", files.PDF, "pad"),
    ("", files.PDF, "Kies een bestand"),
])
def test_bad_uploads_get_a_dutch_message_and_write_nothing(svc, name, content, message):
    work = CaseworkServices(svc, max_bytes=2048)
    before = rows(svc)
    with pytest.raises(InvalidPayload) as refused:
        work.add_document(who(svc, "sanne@job.example"), COMPANY_CASE, name, content, JOB_ONLY)
    assert message in refused.value.errors["file"]
    assert rows(svc) == before


def test_documents_of_another_organisation_or_for_job_only_are_not_downloadable(svc):
    work, sanne = CaseworkServices(svc), who(svc, "sanne@job.example")
    internal, _ = work.add_document(sanne, COMPANY_CASE, "intern.pdf", files.PDF, JOB_ONLY)
    elsewhere, _ = work.add_document(sanne, OTHER_COMPANY_CASE, "bongerd.pdf", files.PDF, ALL_PARTIES)
    marieke = who(svc, "marieke@korenaar.example")
    with pytest.raises(NotFound):
        work.download(marieke, COMPANY_CASE, internal, 1)
    with pytest.raises(CaseNotFound):
        work.download(marieke, OTHER_COMPANY_CASE, elsewhere, 1)
    with pytest.raises(NotFound):  # the right case number does not open another case's document
        work.download(marieke, COMPANY_CASE, elsewhere, 1)
    assert work.documents(marieke, COMPANY_CASE) == []


def test_the_export_holds_the_notes_and_documents_and_erasure_takes_them(svc):
    work, sanne = CaseworkServices(svc), who(svc, "sanne@job.example")
    note_id = work.add_note(sanne, PLAN_CASE, "Daan vertelde over zijn thuissituatie.", JOB_ONLY)
    work.edit_note(sanne, PLAN_CASE, note_id, "Daan vertelde over thuis.")
    doc_id, _ = work.add_document(sanne, PLAN_CASE, "Daan-verklaring.pdf", files.PDF, JOB_ONLY)
    company_note = work.add_note(sanne, COMPANY_CASE, "Daan Verhoeven past goed bij de bakkerij.", JOB_ONLY)
    privacy = PrivacyServices(svc)
    export = privacy.export(sanne, CANDIDATE)
    [note] = export["case_notes"]
    assert [v["text"] for v in note["versions"]] == ["Daan vertelde over zijn thuissituatie.", "Daan vertelde over thuis."]
    [doc] = export["case_documents"]
    assert doc["versions"][0]["filename"] == "Daan-verklaring.pdf"
    assert doc["versions"][0]["sha256"] == hashlib.sha256(files.PDF).hexdigest()
    assert "blob_key" not in doc["versions"][0] and "content" not in doc["versions"][0]

    privacy.erase(SYSTEM_ACTOR, CANDIDATE, allow_running=True)
    export = privacy.export(sanne, CANDIDATE)
    assert [v["text"] for v in export["case_notes"][0]["versions"]] == [ERASED, ERASED]
    assert export["case_documents"] == []
    assert [n.text for n in work.notes(sanne, PLAN_CASE)] == [ERASED]
    with pytest.raises(NotFound):
        work.download(sanne, PLAN_CASE, doc_id, 1)
    with svc.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Blob)) == 0
    [kept] = work.notes(sanne, COMPANY_CASE)  # about the company: kept, the candidate's name replaced
    assert (kept.id, kept.text) == (company_note, "Kandidaat #1 past goed bij de bakkerij.")
