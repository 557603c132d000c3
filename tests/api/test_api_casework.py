"""Notes and documents on a case over the API: the case page's rules (visibility, versions,
uploads checked by content, size and name) with JSON answers; refused input and another
organisation's case write nothing and log no read."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engine.store.models import ReadAccess
from tests import casework_files as files
from tests.api.conftest import assert_error
from tests.integration.test_casework import rows

COMPANY_CASE, PLAN_CASE = 1, 2  # demo: Korenaar's trajectory and Daan's plan (Korenaar, WSP Nijmegen)
OTHER_CASE = 4  # Tuincentrum De Bongerd (WSP Midden-Gelderland)
SANNE, LISA, MARIEKE = "sanne@job.example", "lisa@wsp-nijmegen.example", "marieke@korenaar.example"
INGRID, TOM = "ingrid@debongerd.example", "tom@wsp-gelderland.example"


def reads(svc) -> int:
    with svc.db.read() as s:
        return s.scalar(select(func.count()).select_from(ReadAccess))


def _note(client, headers, case_id, text, visibility="all"):
    return client.post(f"/api/v1/cases/{case_id}/notes", headers=headers, json={"text": text, "visibility": visibility})


def _upload(client, headers, case_id, content, name="verslag.pdf", visibility="all", path=None):
    data = {"file": (io.BytesIO(content), name)}
    if visibility is not None:
        data["visibility"] = visibility
    return client.post(path or f"/api/v1/cases/{case_id}/documents", headers=headers, data=data,
                       content_type="multipart/form-data")


def test_a_note_is_written_edited_with_its_versions_kept_and_read_by_whom_it_is_for(client, bearer):
    job, boss = bearer(SANNE), bearer(MARIEKE)
    r = _note(client, job, PLAN_CASE, "Gesprek over de werktijden.")
    assert r.status_code == 201, r.get_json()
    note = r.get_json()
    assert (note["text"], note["version"], note["author"], note["mine"]) == (
        "Gesprek over de werktijden.", 1, "Sanne de Vries", True)
    secret = _note(client, job, PLAN_CASE, "Alleen voor JoB.", "job").get_json()

    r = client.patch(f"/api/v1/cases/{PLAN_CASE}/notes/{note['id']}", headers=job,
                     json={"text": "Gesprek over de werktijden: vanaf maandag om 8 uur."})
    assert r.status_code == 200, r.get_json()
    assert [(v["version"], v["text"]) for v in r.get_json()["versions"]] == [
        (2, "Gesprek over de werktijden: vanaf maandag om 8 uur."), (1, "Gesprek over de werktijden.")]

    seen_by_job = client.get(f"/api/v1/cases/{PLAN_CASE}/notes", headers=job).get_json()["items"]
    assert [n["id"] for n in seen_by_job] == [secret["id"], note["id"]]
    seen_by_boss = client.get(f"/api/v1/cases/{PLAN_CASE}/notes", headers=boss).get_json()["items"]
    assert [(n["id"], n["mine"]) for n in seen_by_boss] == [(note["id"], False)]
    # the employer neither edits Sanne's note nor finds the JoB-only one
    error = assert_error(client.patch(f"/api/v1/cases/{PLAN_CASE}/notes/{note['id']}", headers=boss,
                                      json={"text": "Anders"}), 422, "invalid_payload")
    assert "schrijver" in error["details"]["errors"]["text"]
    assert_error(client.patch(f"/api/v1/cases/{PLAN_CASE}/notes/{secret['id']}", headers=boss,
                              json={"text": "Anders"}), 404)


def test_bad_notes_are_refused_with_the_pages_messages_and_nothing_is_written(client, bearer, svc):
    job, boss = bearer(SANNE), bearer(MARIEKE)
    before = rows(svc)
    error = assert_error(_note(client, job, PLAN_CASE, "   "), 422, "invalid_payload")
    assert error["details"]["errors"]["text"].startswith("Schrijf een notitie")
    error = assert_error(_note(client, boss, PLAN_CASE, "Hallo", "job"), 422, "invalid_payload")
    assert set(error["details"]["errors"]) == {"visibility"}
    error = assert_error(client.post(f"/api/v1/cases/{PLAN_CASE}/notes", headers=job, json={"text": "x", "kleur": 1}),
                         400, "invalid_request")
    assert error["details"]["errors"] == {"kleur": "Onbekend veld.", "visibility": "Dit veld is verplicht."}
    assert_error(client.patch(f"/api/v1/cases/{PLAN_CASE}/notes/99999999", headers=job, json={"text": "x"}), 404)
    assert_error(client.patch(f"/api/v1/cases/{PLAN_CASE}/notes/99999999999999999999", headers=job,
                              json={"text": "x"}), 404)
    assert rows(svc) == before


def test_another_organisations_case_is_404_for_notes_and_documents_and_nothing_is_written(client, bearer, svc):
    job = bearer(SANNE)
    note = _note(client, job, OTHER_CASE, "Bij De Bongerd.").get_json()
    doc = _upload(client, job, OTHER_CASE, files.PDF).get_json()
    before, logged = rows(svc), reads(svc)
    for outsider in (bearer(LISA), bearer(MARIEKE)):  # WSP Nijmegen, and Korenaar's employer
        assert_error(client.get(f"/api/v1/cases/{OTHER_CASE}/notes", headers=outsider), 404, "not_found")
        assert_error(_note(client, outsider, OTHER_CASE, "Ik schrijf mee."), 404, "not_found")
        assert_error(client.patch(f"/api/v1/cases/{OTHER_CASE}/notes/{note['id']}", headers=outsider,
                                  json={"text": "Anders"}), 404)
        assert_error(client.get(f"/api/v1/cases/{OTHER_CASE}/documents", headers=outsider), 404)
        assert_error(_upload(client, outsider, OTHER_CASE, files.PDF), 404)
        assert_error(_upload(client, outsider, OTHER_CASE, files.PDF, visibility=None,
                             path=f"/api/v1/cases/{OTHER_CASE}/documents/{doc['id']}/versions"), 404)
        assert_error(client.get(f"/api/v1/cases/{OTHER_CASE}/documents/{doc['id']}/versions/1", headers=outsider), 404)
        # nor through a case of their own: the document belongs to another case
        assert_error(client.get(f"/api/v1/cases/{PLAN_CASE}/documents/{doc['id']}/versions/1", headers=outsider), 404)
    assert (rows(svc), reads(svc)) == (before, logged)
    for case_id in (99999999, 2**63):
        assert_error(client.get(f"/api/v1/cases/{case_id}/notes", headers=job), 404)


def test_a_document_is_uploaded_downloaded_as_an_attachment_and_gets_a_new_version(client, bearer, svc):
    job, boss = bearer(SANNE), bearer(MARIEKE)
    r = _upload(client, boss, PLAN_CASE, files.PDF, name="contract.pdf")
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()
    assert doc["version"] == 1 and doc["visibility"] == "all"
    first = doc["versions"][0]
    assert (first["filename"], first["content_type"], first["size"]) == ("contract.pdf", "application/pdf",
                                                                           len(files.PDF))
    logged = reads(svc)
    got = client.get(first["download"], headers=job)
    assert got.status_code == 200 and got.data == files.PDF and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].startswith('attachment; filename="contract.pdf"')
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert reads(svc) == logged + 1  # a plan's document is personal data: the read is logged

    r = _upload(client, job, PLAN_CASE, files.png(), name="foto.png", visibility=None,
                path=f"/api/v1/cases/{PLAN_CASE}/documents/{doc['id']}/versions")
    assert r.status_code == 201, r.get_json()
    assert [(v["version"], v["content_type"]) for v in r.get_json()["versions"]] == [
        (2, "image/png"), (1, "application/pdf")]
    assert client.get(f"/api/v1/cases/{PLAN_CASE}/documents/{doc['id']}/versions/1", headers=boss).data == files.PDF
    assert_error(client.get(f"/api/v1/cases/{PLAN_CASE}/documents/{doc['id']}/versions/3", headers=boss), 404)

    hidden = _upload(client, job, PLAN_CASE, files.docx(), name="intern.docx", visibility="job").get_json()
    listed = client.get(f"/api/v1/cases/{PLAN_CASE}/documents", headers=boss).get_json()["items"]
    assert [d["id"] for d in listed] == [doc["id"]]
    assert_error(client.get(hidden["versions"][0]["download"], headers=boss), 404)


def test_bad_uploads_get_a_clear_message_and_store_nothing(client, bearer, svc):
    job = bearer(SANNE)
    before = rows(svc)
    cases = {
        "wrong type": (files.HTML, "verslag.pdf", "Dit soort bestand"),
        "program": (files.EXE, "setup.pdf", "Dit soort bestand"),
        "empty": (b"", "leeg.pdf", "is leeg"),
        "path in the name": (files.PDF, "../../etc/passwd.pdf", "pad"),
        "too large": (files.PDF + b"0" * (10 * 1024 * 1024), "groot.pdf", "te groot"),
    }
    for what, (content, name, words) in cases.items():
        error = assert_error(_upload(client, job, PLAN_CASE, content, name=name), 422, "invalid_payload")
        assert words in error["details"]["errors"]["file"], (what, error)
    assert rows(svc) == before


def test_an_upload_far_above_the_limit_or_not_multipart_or_without_a_file_is_refused(app, client, bearer, svc):
    job = bearer(SANNE)
    before = rows(svc)
    app.config["DOCUMENT_MAX_BYTES"] = 1024
    error = assert_error(_upload(client, job, PLAN_CASE, files.PDF + b"0" * (2 * 1024 * 1024)), 413,
                         "payload_too_large")
    assert error["message"] == "Het bestand is niet opgeslagen: het is te groot (hoogstens 1 KiB)."
    app.config["DOCUMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert_error(client.post(f"/api/v1/cases/{PLAN_CASE}/documents", headers=job, json={"file": "x"}), 415,
                 "unsupported_media_type")
    error = assert_error(client.post(f"/api/v1/cases/{PLAN_CASE}/documents", headers=job,
                                     data={"visibility": "all", "extra": "1"}, content_type="multipart/form-data"),
                         400, "invalid_request")
    assert error["details"]["errors"] == {"extra": "Onbekend veld.", "file": "Dit veld is verplicht."}
    error = assert_error(_upload(client, job, PLAN_CASE, files.PDF, visibility=None), 400)
    assert error["details"]["errors"] == {"visibility": "Dit veld is verplicht."}
    assert_error(_upload(client, job, PLAN_CASE, files.PDF, visibility="iedereen"), 422, "invalid_payload")
    assert_error(_upload(client, job, PLAN_CASE, files.PDF, visibility=None,
                         path=f"/api/v1/cases/{PLAN_CASE}/documents/99999999/versions"), 404)
    assert rows(svc) == before


def test_reading_a_plans_notes_or_documents_is_logged_as_the_case_page_is(client, bearer, svc):
    before = reads(svc)
    assert client.get(f"/api/v1/cases/{PLAN_CASE}/notes", headers=bearer(MARIEKE)).status_code == 200
    assert client.get(f"/api/v1/cases/{PLAN_CASE}/documents", headers=bearer(SANNE)).status_code == 200
    assert reads(svc) == before + 2
    with svc.db.read() as s:
        last = s.scalars(select(ReadAccess).order_by(ReadAccess.id.desc())).first()
    assert (last.case_id, last.subject_id, last.what) == (PLAN_CASE, 1, "zaak")
    assert client.get(f"/api/v1/cases/{COMPANY_CASE}/notes", headers=bearer(SANNE)).status_code == 200
    assert reads(svc) == before + 2  # a company trajectory is about no one person
