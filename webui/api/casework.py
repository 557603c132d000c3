"""Notes and documents on a case over the API: the same `CaseworkServices` as the case page.

A case the token's user may not see is a 404 before anything is read or written; a note or
document whose visibility is JoB only is a 404 for the other parties. Uploads are
`multipart/form-data` (a `file` part, and `visibility` for a new document); the type is found
in the content by libmagic, the size and the name are checked by the same rules as the page,
and refused input is a 422 naming the field with the page's Dutch message, nothing stored.
Downloads are always attachments, never rendered by a browser. Reading the notes or documents
of a plan is logged as the case page's read is; a download as the page's download is.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

from webui.api import bp
from webui.api.auth import api_actor, token_required
from webui.api.errors import UPLOAD_LIMITS, ApiError
from webui.api.schemas import ID, MAX_ID
from webui.api.validation import check
from webui.api.views import _args, _body, _case_id, _dt, _json
from webui.casework.panel import casework
from webui.casework.views import UPLOAD_OVERHEAD, attachment
from webui.extensions import services
from workflows.domain import casework as rules
from workflows.usecases.casework import DocumentLine, DocumentVersionLine, NoteLine

UPLOADS = ("api.upload_document", "api.upload_document_version")
NOT_FOUND_DOCUMENT = "Dit document bestaat niet of u heeft er geen toegang toe."
NOT_FOUND_NOTE = "Deze notitie bestaat niet of u heeft er geen toegang toe."
SCHEMA_ERROR = "Het verzoek klopt niet met het schema."
VISIBILITY = {"type": "string", "enum": list(rules.VISIBILITY),
              "description": "`job`: JoB only; `all`: every party that may see the case (the only choice for "
                             "other roles)."}

# -- schemas (requests are closed; the texts' own rules give 422 with the page's message) -----

NOTE_CREATE = {"type": "object", "additionalProperties": False, "required": ["text", "visibility"],
               "properties": {"text": {"type": "string", "maxLength": 20_000}, "visibility": VISIBILITY},
               "examples": [{"text": "Gesprek over de werktijden.", "visibility": "job"}]}
NOTE_EDIT = {"type": "object", "additionalProperties": False, "required": ["text"],
             "properties": {"text": {"type": "string", "maxLength": 20_000}}}
NOTE_VERSION = {"type": "object", "additionalProperties": False,
                "required": ["version", "text", "written_at", "written_by"],
                "properties": {"version": {"type": "integer"}, "text": {"type": ["string", "null"]},
                               "written_at": {"type": "string", "format": "date-time"},
                               "written_by": {"type": "string"}}}
NOTE = {"type": "object", "additionalProperties": False,
        "required": ["id", "case_id", "author_id", "author", "visibility", "created_at", "updated_at", "version",
                     "text", "mine", "versions"],
        "properties": {"id": ID, "case_id": ID, "author_id": {"type": ["integer", "null"]},
                       "author": {"type": "string"}, "visibility": VISIBILITY,
                       "created_at": {"type": "string", "format": "date-time"},
                       "updated_at": {"type": "string", "format": "date-time"},
                       "version": {"type": "integer"}, "text": {"type": ["string", "null"]},
                       "mine": {"type": "boolean", "description": "You wrote it (only the author edits)."},
                       "versions": {"type": "array", "items": {"$ref": "#/components/schemas/NoteVersion"},
                                    "description": "Every text, newest first (the first is the current one)."}}}
DOCUMENT_VERSION = {"type": "object", "additionalProperties": False,
                    "required": ["version", "filename", "content_type", "size", "sha256", "uploaded_at",
                                 "uploaded_by", "download"],
                    "properties": {"version": {"type": "integer"}, "filename": {"type": ["string", "null"]},
                                   "content_type": {"type": "string"}, "size": {"type": "integer"},
                                   "sha256": {"type": "string"},
                                   "uploaded_at": {"type": "string", "format": "date-time"},
                                   "uploaded_by": {"type": "string"},
                                   "download": {"type": "string", "description": "Path of this version's bytes."}}}
DOCUMENT = {"type": "object", "additionalProperties": False,
            "required": ["id", "case_id", "visibility", "created_at", "version", "versions"],
            "properties": {"id": ID, "case_id": ID, "visibility": VISIBILITY,
                           "created_at": {"type": "string", "format": "date-time"}, "version": {"type": "integer"},
                           "versions": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentVersion"},
                                        "description": "Newest first (the first is the current one)."}}}
UPLOAD_FORM = {"type": "object", "additionalProperties": False, "required": ["file", "visibility"],
               "properties": {"file": {"type": "string", "format": "binary",
                                       "description": f"{rules.TYPES_SENTENCE}; its name without any path."},
                              "visibility": VISIBILITY}}
VERSION_FORM = {"type": "object", "additionalProperties": False, "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}}
COMPONENTS = {"Note": NOTE, "NoteVersion": NOTE_VERSION, "Document": DOCUMENT, "DocumentVersion": DOCUMENT_VERSION,
              "NoteRequest": NOTE_CREATE, "NoteEdit": NOTE_EDIT}


def note_json(n: NoteLine) -> dict[str, Any]:
    current = {"version": n.version, "text": n.text, "written_at": _dt(n.updated_at), "written_by": n.author}
    return {"id": n.id, "case_id": n.case_id, "author_id": n.author_id, "author": n.author,
            "visibility": n.visibility, "created_at": _dt(n.created_at), "updated_at": _dt(n.updated_at),
            "version": n.version, "text": n.text, "mine": n.mine,
            "versions": [current, *({"version": v.version, "text": v.text, "written_at": _dt(v.written_at),
                                     "written_by": v.written_by} for v in n.earlier)]}


def _version_json(case_id: int, document_id: int, v: DocumentVersionLine) -> dict[str, Any]:
    return {"version": v.version, "filename": v.filename, "content_type": v.content_type, "size": v.size,
            "sha256": v.sha256, "uploaded_at": _dt(v.uploaded_at), "uploaded_by": v.uploaded_by,
            "download": url_for("api.download_document", case_id=case_id, document_id=document_id,
                                version=v.version)}


def document_json(d: DocumentLine) -> dict[str, Any]:
    return {"id": d.id, "case_id": d.case_id, "visibility": d.visibility, "created_at": _dt(d.created_at),
            "version": d.current.version,
            "versions": [_version_json(d.case_id, d.id, v) for v in (d.current, *d.earlier)]}


def _small_id(value: int, message: str) -> int:
    if not 1 <= value <= MAX_ID:
        raise ApiError(404, "not_found", message)
    return value


# -- notes -------------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/notes", methods=["GET"])
@token_required
def list_notes(case_id: int):
    _args()
    services().get_case(api_actor(), _case_id(case_id))  # 404, or the read is logged as the case page's
    notes = casework().notes(api_actor(), case_id)
    return _json({"case_id": case_id, "items": [note_json(n) for n in notes]})


def _note(case_id: int, note_id: int) -> dict[str, Any]:
    found = next((n for n in casework().notes(api_actor(), case_id) if n.id == note_id), None)
    if found is None:
        raise ApiError(404, "not_found", NOT_FOUND_NOTE)
    return note_json(found)


@bp.route("/cases/<int:case_id>/notes", methods=["POST"])
@token_required
def add_note(case_id: int):
    _args()
    work = casework()
    actor = api_actor()
    work.notes(actor, _case_id(case_id))  # an invisible case is 404 before the body is judged
    body = _body()
    check(NOTE_CREATE, body)
    note_id = work.add_note(actor, case_id, body["text"], body["visibility"])
    return _json(_note(case_id, note_id), 201,
                 {"Location": url_for("api.list_notes", case_id=case_id) + f"#note-{note_id}"})


@bp.route("/cases/<int:case_id>/notes/<int:note_id>", methods=["PATCH"])
@token_required
def edit_note(case_id: int, note_id: int):
    """A new version of the text; the earlier ones stay (`versions`)."""
    _args()
    work = casework()
    actor = api_actor()
    _note(_case_id(case_id), _small_id(note_id, NOT_FOUND_NOTE))  # an unknown or hidden note is 404 before the body
    body = _body()
    check(NOTE_EDIT, body)
    work.edit_note(actor, case_id, note_id, body["text"])
    return _json(_note(case_id, note_id))


# -- documents ---------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/documents", methods=["GET"])
@token_required
def list_documents(case_id: int):
    _args()
    services().get_case(api_actor(), _case_id(case_id))  # 404, or the read is logged as the case page's
    docs = casework().documents(api_actor(), case_id)
    return _json({"case_id": case_id, "items": [document_json(d) for d in docs]})


def upload_limit() -> None:
    """The upload endpoints take a file up to the setting (plus the form around it); a larger
    body is a 413 before it is read. Every other endpoint keeps the app's 1 MiB."""
    if request.endpoint in UPLOADS:
        request.max_content_length = int(current_app.config["DOCUMENT_MAX_BYTES"]) + UPLOAD_OVERHEAD


def _too_large_message() -> str:
    limit = rules.human_size(int(current_app.config["DOCUMENT_MAX_BYTES"]))
    return f"Het bestand is niet opgeslagen: het is te groot (hoogstens {limit})."


bp.before_request(upload_limit)
for _endpoint in UPLOADS:
    UPLOAD_LIMITS[_endpoint] = _too_large_message


def _upload(allowed: tuple[str, ...]) -> tuple[str, bytes, dict[str, str]]:
    """The multipart form: (file name, bytes, other fields); anything else is a 400 or 415."""
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "Stuur het bestand als multipart/form-data (deel `file`).")
    unknown = sorted((set(request.form) | set(request.files)) - set(allowed))
    errors = {name[:64]: "Onbekend veld." for name in unknown[:20]}
    upload = request.files.get("file")
    if upload is None:
        errors["file"] = "Dit veld is verplicht." if "file" not in request.form else "Stuur hier een bestand."
    fields = {k: request.form[k] for k in allowed if k != "file" and k in request.form}
    for key in allowed:
        if key != "file" and key not in fields:
            errors[key] = "Dit veld is verplicht."
    if errors:
        raise ApiError(400, "invalid_request", SCHEMA_ERROR, errors=errors)
    return upload.filename or "", upload.read(), fields  # type: ignore[union-attr]


def _document(case_id: int, document_id: int) -> dict[str, Any]:
    found = next((d for d in casework().documents(api_actor(), case_id) if d.id == document_id), None)
    if found is None:
        raise ApiError(404, "not_found", NOT_FOUND_DOCUMENT)
    return document_json(found)


@bp.route("/cases/<int:case_id>/documents", methods=["POST"])
@token_required
def upload_document(case_id: int):
    _args()
    work = casework()
    actor = api_actor()
    work.documents(actor, _case_id(case_id))  # an invisible case is 404 before the file is read
    name, content, fields = _upload(("file", "visibility"))
    doc_id, _version = work.add_document(actor, case_id, name, content, fields["visibility"])
    return _json(_document(case_id, doc_id), 201,
                 {"Location": url_for("api.download_document", case_id=case_id, document_id=doc_id, version=1)})


@bp.route("/cases/<int:case_id>/documents/<int:document_id>/versions", methods=["POST"])
@token_required
def upload_document_version(case_id: int, document_id: int):
    _args()
    work = casework()
    actor = api_actor()
    _document(_case_id(case_id), _small_id(document_id, NOT_FOUND_DOCUMENT))  # 404 before the file is read
    name, content, _fields = _upload(("file",))
    doc_id, version = work.add_document(actor, case_id, name, content, None, document_id)
    return _json(_document(case_id, doc_id), 201,
                 {"Location": url_for("api.download_document", case_id=case_id, document_id=doc_id,
                                      version=version)})


@bp.route("/cases/<int:case_id>/documents/<int:document_id>/versions/<int:version>", methods=["GET"])
@token_required
def download_document(case_id: int, document_id: int, version: int):
    """The bytes, as an attachment with the type libmagic found; the read of a plan is logged."""
    _args()
    _small_id(document_id, NOT_FOUND_DOCUMENT)
    return attachment(casework().download(api_actor(), _case_id(case_id), document_id, version))


# -- the OpenAPI entries -----------------------------------------------------------------------


def paths(errors: dict[str, Any]) -> dict[str, Any]:
    def err(*codes: str) -> dict[str, Any]:
        return {c: errors[c] for c in codes}

    def case_param() -> dict[str, Any]:
        return {"name": "case_id", "in": "path", "required": True, "schema": {**ID, "examples": [2, 8]}}

    def id_param(name: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {**ID, "examples": [1]}}

    def items(ref: str, description: str) -> dict[str, Any]:
        schema = {"type": "object", "required": ["case_id", "items"], "additionalProperties": False,
                  "properties": {"case_id": ID, "items": {"type": "array", "items": {"$ref": ref}}}}
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    def one(ref: str, description: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}

    def json_body(ref: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": {"$ref": ref}}}}

    def multipart(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}

    upload_errors = {**err("400", "401", "404", "503"),
                     "413": {**errors["413"], "description": "The file is far above the upload limit "
                                                             "(10 MiB by default); nothing was stored."},
                     "415": {**errors["400"], "description": "Not multipart/form-data."},
                     "422": {**errors["422"], "description": "The file was refused (type by its content, size, "
                                                             "empty, a name with path parts) or the visibility: "
                                                             "`details.errors` names the field, nothing was stored."}}
    note_ref, doc_ref = "#/components/schemas/Note", "#/components/schemas/Document"
    return {
        "/api/v1/cases/{case_id}/notes": {
            "get": {"operationId": "listNotes", "summary": "Notes on a case you may read (JoB-only ones for JoB)",
                    "parameters": [case_param()],
                    "responses": {"200": items(note_ref, "Newest first, each with every version"),
                                  **err("400", "401", "404", "503")}},
            "post": {"operationId": "addNote", "summary": "Write a note (visibility `job` or `all`)",
                     "parameters": [case_param()], "requestBody": json_body("#/components/schemas/NoteRequest"),
                     "responses": {"201": one(note_ref, "The note"), **err("400", "401", "404", "413", "422", "503")}},
        },
        "/api/v1/cases/{case_id}/notes/{note_id}": {"patch": {
            "operationId": "editNote", "summary": "Change your own note; the earlier text stays as a version",
            "parameters": [case_param(), id_param("note_id")], "requestBody": json_body("#/components/schemas/NoteEdit"),
            "responses": {"200": one(note_ref, "The note with its versions"),
                          **err("400", "401", "404", "413", "422", "503")}}},
        "/api/v1/cases/{case_id}/documents": {
            "get": {"operationId": "listDocuments", "summary": "Documents on a case you may read, with versions",
                    "parameters": [case_param()],
                    "responses": {"200": items(doc_ref, "Newest first"), **err("400", "401", "404", "503")}},
            "post": {"operationId": "uploadDocument", "summary": "Upload a document (PDF, DOCX, ODT, image)",
                     "parameters": [case_param()], "requestBody": multipart(UPLOAD_FORM),
                     "responses": {"201": one(doc_ref, "The document"), **upload_errors}},
        },
        "/api/v1/cases/{case_id}/documents/{document_id}/versions": {"post": {
            "operationId": "uploadDocumentVersion", "summary": "A new version of a document",
            "parameters": [case_param(), id_param("document_id")], "requestBody": multipart(VERSION_FORM),
            "responses": {"201": one(doc_ref, "The document with its versions"), **upload_errors}}},
        "/api/v1/cases/{case_id}/documents/{document_id}/versions/{version}": {"get": {
            "operationId": "downloadDocument", "summary": "One version's bytes, as an attachment (the read is logged)",
            "parameters": [case_param(), id_param("document_id"), id_param("version")],
            "responses": {"200": {"description": "The file, with the type found in its content",
                                  "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
                          **err("400", "401", "404", "503")}}},
    }
