"""Routes: notes and documents on a case, the download, the candidate page and the search box.

Views stay thin: form -> `CaseworkServices` -> an `InvalidPayload` becomes the Dutch message on
the re-shown dossier page (422, input kept, nothing written) -> redirect. The dossier
(`/zaken/<id>/notities`) is the case overview's sub-page for notes, documents and history.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from engine.errors import InvalidPayload
from webui.auth import current_actor, login_required, roles_required
from webui.casework.panel import DocumentForm, EditNoteForm, NoteForm, casework
from webui.extensions import services
from webui.invra_chart import invra_over_time
from workflows.domain import casework as rules
from workflows.domain.roles import ADMIN, JOB
from workflows.usecases.casework import Download
from workflows.usecases.company_services import TARGET_GROUPS
from workflows.usecases.invra_history import InvraHistory
from workflows.usecases.register import CandidateRegister

bp = Blueprint("casework", __name__)

FORM_EXPIRED = "Het formulier is verlopen of ongeldig. Probeer het opnieuw."
UPLOAD_OVERHEAD = 1024 * 1024  # room for the form's other fields around the file


def upload_limit() -> None:
    """Before CSRF reads the form: the upload route may receive a file up to the setting (plus
    the form around it); every other route keeps the app's small MAX_CONTENT_LENGTH."""
    if request.endpoint == "casework.upload":
        request.max_content_length = int(current_app.config["DOCUMENT_MAX_BYTES"]) + UPLOAD_OVERHEAD


def _case_page(case_id: int, status: int, error: str | None, anchor: str = "") -> tuple[str, int]:
    """The case's dossier page (notes, documents, history), with a refused form from
    `g.casework_forms`; it is a sub-page of the case's overview, with the same access check."""
    from webui import cases  # the case pages import this package's panel

    actor = current_actor()
    case = services().get_case(actor, case_id)  # unknown or invisible: 404
    g.casework_error = error
    return render_template("case_dossier.html", case=case, parent=cases.overview_crumb(actor, case),
                           page_error=error, **cases.case_extras(actor, case)), status


@bp.route("/zaken/<int:case_id>/notities")
@login_required
def dossier(case_id: int):
    """Notes, documents, the workflow and the history of any case, linked from its overview."""
    return _case_page(case_id, 200, None)


def _refused(case_id: int, form: Any, key: str, errors: dict[str, str], status: int = 422):
    for field, message in errors.items():
        form.field_errors[field] = message
    form.error = "Controleer de gemarkeerde velden." if errors else FORM_EXPIRED
    g.casework_forms = {key: form}
    return _case_page(case_id, status, form.error, key)


@bp.route("/zaken/<int:case_id>/notities", methods=["POST"])
@login_required
def add_note(case_id: int):
    actor = current_actor()
    form = NoteForm(role=actor.role, prefix="note")
    if not form.validate_on_submit():
        return _refused(case_id, form, "note", {}, 400)
    try:
        casework().add_note(actor, case_id, form.text.data, form.visibility.data)
    except InvalidPayload as exc:
        return _refused(case_id, form, "note", exc.errors)
    flash("De notitie is opgeslagen.")
    return redirect(url_for("casework.dossier", case_id=case_id, _anchor="notities"))


@bp.route("/zaken/<int:case_id>/notities/<int:note_id>", methods=["POST"])
@login_required
def edit_note(case_id: int, note_id: int):
    actor = current_actor()
    form = EditNoteForm(prefix=f"edit-{note_id}")
    if not form.validate_on_submit():
        g.casework_forms = {"edit": {note_id: form}}
        form.error = FORM_EXPIRED
        return _case_page(case_id, 400, FORM_EXPIRED, "notities")
    try:
        version = casework().edit_note(actor, case_id, note_id, form.text.data)
    except InvalidPayload as exc:
        form.field_errors.update(exc.errors)
        form.error = next(iter(exc.errors.values()))
        g.casework_forms = {"edit": {note_id: form}}
        return _case_page(case_id, 422, form.error, "notities")
    flash(f"De notitie is gewijzigd (versie {version}); de eerdere tekst blijft bewaard.")
    return redirect(url_for("casework.dossier", case_id=case_id, _anchor="notities"))


@bp.route("/zaken/<int:case_id>/documenten", methods=["POST"])
@login_required
def upload(case_id: int):
    actor = current_actor()
    form = DocumentForm(role=actor.role, prefix="doc")
    if not form.validate_on_submit():
        return _refused(case_id, form, "document", {}, 400)
    upload = form.file.data
    name = getattr(upload, "filename", None) or ""
    content = upload.read() if upload is not None else b""
    raw_id = form.document_id.data
    document_id = int(raw_id) if raw_id and raw_id.isdigit() else None
    try:
        doc_id, version = casework().add_document(actor, case_id, name, content, form.visibility.data, document_id)
    except InvalidPayload as exc:
        return _refused(case_id, form, "document", exc.errors)
    flash(f"Het document is opgeslagen (versie {version}).")
    return redirect(url_for("casework.dossier", case_id=case_id, _anchor=f"document-{doc_id}"))


@bp.errorhandler(413)
def upload_too_large(_exc):
    """A file far above the limit is refused before the form is read (nor the user loaded): back
    to the case page's upload form with the same message; nothing was written."""
    case_id = (request.view_args or {}).get("case_id")
    if request.endpoint != "casework.upload" or case_id is None:
        return render_template("error.html", title="Te groot", message="De verzonden gegevens zijn te groot."), 413
    limit = rules.human_size(int(current_app.config["DOCUMENT_MAX_BYTES"]))
    flash(f"Het bestand is niet opgeslagen: het is te groot (hoogstens {limit}).", "error")
    return redirect(url_for("casework.dossier", case_id=case_id, _anchor="document-toevoegen"), 303)


@bp.route("/zaken/<int:case_id>/documenten/<int:document_id>/versies/<int:version>")
@login_required
def download(case_id: int, document_id: int, version: int):
    """Always as an attachment, with the type libmagic found and no sniffing by the browser."""
    return attachment(casework().download(current_actor(), case_id, document_id, version))


def attachment(item: Download) -> Response:
    """A stored file as a download (the page's and the API's): never shown inline, never sniffed."""
    ascii_name = item.filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    response = Response(item.content, mimetype=item.content_type)
    response.headers["Content-Disposition"] = (f'attachment; filename="{ascii_name}"; '
                                               f"filename*=UTF-8''{quote(item.filename)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/kandidaten/<int:candidate_id>")
@roles_required(JOB, ADMIN)
def candidate(candidate_id: int):
    page = CandidateRegister(services()).page(current_actor(), candidate_id)
    history = InvraHistory(services()).for_candidate(current_actor(), candidate_id)
    chart = invra_over_time(history.points, title=f"INVRA-profielen van {page.name} door de tijd: "
                                                  "gemiddeld niveau per categorie")
    return render_template("candidate.html", c=page, target_groups=TARGET_GROUPS,
                           visibility_labels=rules.VISIBILITY, invra=history, invra_chart=chart)


@bp.route("/zoeken")
@login_required
def search():
    query = request.args.get("q", "")
    results = CandidateRegister(services()).search(current_actor(), query)
    if len(results.cases) == 1 and not results.companies and not results.candidates and not results.vacancies:
        return redirect(url_for("cases.show", case_id=results.cases[0].id))
    return render_template("search.html", r=results)
