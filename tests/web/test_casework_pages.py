"""Notes, documents, the candidate page and the search box through the web UI (Flask client)."""

from __future__ import annotations

import io
import json
import re

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from engine.store.blobs import Blob
from tests import casework_files as files
from tests.conftest import demo_app
from webui.cli import main
from workflows.storage.casework_models import CaseDocument, CaseNote

COMPANY_CASE, PLAN_CASE, CANDIDATE, OTHER_COMPANY_CASE = 1, 2, 1, 4


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="(?:note-|doc-)?csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _count(app, model) -> int:
    with app.extensions["jobtraject"].db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def _note(client, case_id: int, text: str, visibility: str = "job", page: str | None = None):
    token = _csrf(client, page or f"/zaken/{case_id}")
    return client.post(f"/zaken/{case_id}/notities", data={"note-csrf_token": token, "note-text": text,
                                                           "note-visibility": visibility})


def _upload(client, case_id: int, name: str, content: bytes, visibility: str = "job", page: str | None = None):
    token = _csrf(client, page or f"/zaken/{case_id}")
    return client.post(f"/zaken/{case_id}/documenten", content_type="multipart/form-data",
                       data={"doc-csrf_token": token, "doc-visibility": visibility,
                             "doc-file": (io.BytesIO(content), name)})


def test_a_coach_adds_a_note_and_sees_it_in_the_notes_and_the_timeline(client, auth):
    auth.login("sanne@job.example")
    r = _note(client, COMPANY_CASE, "Marieke belt volgende week terug.")
    assert r.status_code == 302 and r.headers["Location"].endswith("/zaken/1/notities#notities")
    html = client.get("/zaken/1/notities").get_data(as_text=True)  # the case's dossier page
    assert "1 notitie" in client.get("/zaken/1").get_data(as_text=True)  # the overview counts it
    notes, timeline = html.split('id="notes-title"')[1], html.split('id="audit-title"')[1]
    assert "Marieke belt volgende week terug." in notes and "Alleen JoB" in notes
    assert "schreef een" in timeline and "Marieke belt volgende week terug." in timeline


def test_an_empty_note_is_refused_on_the_form_and_nothing_is_written(app, client, auth):
    auth.login("sanne@job.example")
    r = _note(client, COMPANY_CASE, "   ")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'class="error-summary"' in html and "een lege notitie wordt niet bewaard" in html
    assert _count(app, CaseNote) == 0


def test_an_upload_is_downloaded_only_as_an_attachment_that_the_browser_may_not_sniff(client, auth):
    auth.login("sanne@job.example")
    r = _upload(client, COMPANY_CASE, "Bedrijfsanalyse.pdf", files.PDF, "all")
    assert r.status_code == 302
    html = client.get("/zaken/1/notities").get_data(as_text=True)
    link = re.search(r'href="(/zaken/1/documenten/\d+/versies/1)"', html).group(1)
    got = client.get(link)
    assert got.status_code == 200 and got.data == files.PDF
    assert got.headers["Content-Disposition"].startswith('attachment; filename="Bedrijfsanalyse.pdf"')
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.mimetype == "application/pdf"


def test_a_program_named_pdf_is_refused_with_a_dutch_message_and_nothing_is_stored(app, client, auth):
    auth.login("sanne@job.example")
    r = _upload(client, COMPANY_CASE, "factuur.pdf", files.EXE)
    assert r.status_code == 422
    assert "Dit soort bestand kan niet worden opgeslagen" in r.get_data(as_text=True)
    assert (_count(app, CaseDocument), _count(app, Blob)) == (0, 0)


def test_files_too_large_are_refused_on_the_form_whether_a_little_or_far_too_large(tmp_path, demo_db_file):
    from tests.web.conftest import Auth

    app = demo_app(tmp_path, demo_db_file, DOCUMENT_MAX_BYTES=4096)
    try:
        client = app.test_client()
        Auth(client).login("sanne@job.example")
        a_little = _upload(client, COMPANY_CASE, "groot.pdf", files.PDF + b"x" * 4096)
        assert a_little.status_code == 422 and "te groot: hoogstens 4 KiB" in a_little.get_data(as_text=True)
        far = _upload(client, COMPANY_CASE, "enorm.pdf", files.PDF + b"x" * (2 * 1024 * 1024))
        assert far.status_code == 303 and far.headers["Location"].endswith("/zaken/1/notities#document-toevoegen")
        assert "te groot (hoogstens 4 KiB)" in client.get("/zaken/1/notities").get_data(as_text=True)
        assert _count(app, Blob) == 0
    finally:
        app.extensions["jobtraject"].db.dispose()


def test_an_employer_cannot_download_a_job_only_document_or_one_of_another_company(client, auth, app):
    auth.login("sanne@job.example")
    _upload(client, COMPANY_CASE, "intern.pdf", files.PDF, "job")
    _upload(client, OTHER_COMPANY_CASE, "bongerd.pdf", files.PDF, "all")
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    auth.login("marieke@korenaar.example")
    with app.extensions["jobtraject"].db.read() as s:
        internal, other = s.scalars(select(CaseDocument.id).order_by(CaseDocument.id)).all()
    assert client.get(f"/zaken/1/documenten/{internal}/versies/1").status_code == 404
    assert client.get(f"/zaken/4/documenten/{other}/versies/1").status_code == 404
    assert client.get(f"/zaken/1/documenten/{other}/versies/1").status_code == 404
    assert "intern.pdf" not in client.get("/zaken/1").get_data(as_text=True)


def test_the_candidate_list_links_to_a_candidate_page_for_job_only(client, auth):
    auth.login("sanne@job.example")
    assert f'href="/kandidaten/{CANDIDATE}"' in client.get("/kandidaten").get_data(as_text=True)
    html = client.get(f"/kandidaten/{CANDIDATE}").get_data(as_text=True)
    assert "Daan Verhoeven" in html and f"Trajectplan #{PLAN_CASE}" in html and "Wajong" in html
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    auth.login("marieke@korenaar.example")
    assert client.get(f"/kandidaten/{CANDIDATE}").status_code == 404


def test_the_search_box_finds_cases_employers_and_candidates_the_user_may_see(client, auth):
    auth.login("sanne@job.example")
    html = client.get("/zoeken?q=korenaar").get_data(as_text=True)
    assert "Bakkerij De Korenaar" in html and 'href="/zaken/1"' in html
    html = client.get("/zoeken?q=verhoeven").get_data(as_text=True)
    assert f'href="/kandidaten/{CANDIDATE}"' in html and "Daan Verhoeven" in html
    assert "Daan Verhoeven" not in client.get("/zoeken?q=verhoe").get_data(as_text=True)  # whole words
    assert client.get("/zoeken?q=%234").headers["Location"].endswith("/zaken/4")


def test_searching_never_shows_another_organisations_case_or_any_candidate_to_an_employer(client, auth):
    auth.login("marieke@korenaar.example")
    for q in ("bongerd", "4", "%234", "zaak 4", "verhoeven", "Daan", "tuincentrum"):
        r = client.get(f"/zoeken?q={q}")
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and "Niets gevonden" in html, q
        assert 'href="/zaken/4"' not in html and "/kandidaten/" not in html.split("<main")[1], q
    html = client.get("/zoeken?q=korenaar").get_data(as_text=True)
    assert 'href="/zaken/1"' in html and 'href="/zaken/4"' not in html


def test_after_candidate_erase_a_plan_notes_text_is_gone_from_every_page_and_the_export(app, client, auth):
    secret_note, secret_file = "Daan sprak over zijn medicatie-QX7", "verklaring-QX7.pdf"
    auth.login("sanne@job.example")
    plan_page = f"/zaken/{PLAN_CASE}/notities"  # the plan's notes, documents and history
    assert _note(client, PLAN_CASE, secret_note, page=plan_page).status_code == 302
    assert _upload(client, PLAN_CASE, secret_file, files.PDF, page=plan_page).status_code == 302
    pages = [plan_page, f"/kandidaten/{CANDIDATE}", f"/kandidaten/{CANDIDATE}/gegevens.json"]
    before = [client.get(p).get_data(as_text=True) for p in pages]
    assert all(secret_note in b for b in before[:2]) and secret_file in before[0]
    assert secret_note in json.loads(before[2])["case_notes"][0]["versions"][0]["text"]
    erased = CliRunner().invoke(main, ["candidate", "erase", str(CANDIDATE), "--even-if-running"],
                                obj=ScriptInfo(create_app=lambda: app))
    assert erased.exit_code == 0, erased.output
    for path in [*pages, f"/plannen/{PLAN_CASE}", "/zaken/1", "/zaken/1/notities"]:
        body = client.get(path).get_data(as_text=True)
        assert "QX7" not in body, path
    export = json.loads(client.get(f"/kandidaten/{CANDIDATE}/gegevens.json").get_data(as_text=True))
    assert export["case_documents"] == [] and export["case_notes"][0]["versions"][0]["text"] == "[verwijderd]"


def test_the_overview_summarises_the_dossier_as_the_full_timeline_does_for_each_role(app, client, auth):
    """The overview pages read a summary (`overview_extras`), the dossier page the whole timeline
    (`case_extras`): counts and the newest entry agree, per role, on ties in time too."""
    from datetime import timedelta

    from engine.jobs.reminders import actor_of
    from engine.store.models import User
    from webui.cases import case_extras, overview_extras

    svc = app.extensions["jobtraject"]
    auth.login("sanne@job.example")
    _note(client, COMPANY_CASE, "Alleen voor JoB.", "job")  # the same moment as the upload: a tie
    _upload(client, COMPANY_CASE, "openbaar.pdf", files.PDF, "all")
    seen = []
    for step in ("start", "note", "public", "internal"):
        if step == "note":
            svc.clock.advance(timedelta(minutes=5))
            _note(client, COMPANY_CASE, "Iedereen mag dit lezen.", "all")
        elif step == "public":
            svc.clock.advance(timedelta(minutes=5))
            _upload(client, COMPANY_CASE, "openbaar.pdf", files.PDF, "all")  # a second document
        elif step == "internal":
            svc.clock.advance(timedelta(minutes=5))
            _upload(client, COMPANY_CASE, "intern.pdf", files.PDF, "job")
        for email in ("sanne@job.example", "marieke@korenaar.example"):
            with svc.db.read() as s:
                actor = actor_of(s.scalar(select(User).where(User.email == email)))
            with app.test_request_context():
                case = svc.get_case(actor, COMPANY_CASE)
                full, lean = case_extras(actor, case), overview_extras(actor, case)
            latest, summary = full["timeline"][0], lean["dossier"]
            item = {"audit": latest.item, "note": getattr(latest.item, "author", None),
                    "document": getattr(getattr(latest.item, "current", None), "filename", None)}[latest.kind]
            assert (summary.notes, summary.documents) == (len(full["notes"]), len(full["documents"]))
            assert (summary.latest.kind, summary.latest.at, summary.latest.item) == (latest.kind, latest.at, item)
            assert lean["progress"] == full["progress"]
            seen.append((email, summary.notes, summary.documents, summary.latest.kind))
    assert seen[-2:] == [("sanne@job.example", 2, 3, "document"),  # the JoB-only file is the newest for JoB
                         ("marieke@korenaar.example", 1, 2, "document")]  # ... and hidden from the employer
