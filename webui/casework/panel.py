"""What every case page shows of its notes and documents, and the one timeline.

`webui.cases.case_extras` calls `casework_context` for any workflow's page. A refused note or
upload re-renders the case page with the refused form (its input and errors) taken from
`flask.g.casework_forms`, set by the view before it renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, g
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import Optional

from engine.clock import ensure_utc
from engine.services import CaseSnapshot
from engine.spec import Actor
from webui.extensions import services
from workflows.domain import casework as rules
from workflows.usecases.casework import CaseworkServices


class NoteForm(FlaskForm):
    text = TextAreaField("Notitie")
    visibility = RadioField("Zichtbaar voor", validators=[Optional()], default=rules.JOB_ONLY)

    def __init__(self, *args: Any, role: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visibility.choices = rules.visibility_choices(role)
        if self.visibility.data not in dict(self.visibility.choices):
            self.visibility.data = self.visibility.choices[0][0]
        self.field_errors: dict[str, str] = {}
        self.error: str | None = None


class EditNoteForm(FlaskForm):
    text = TextAreaField("Nieuwe tekst")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_errors: dict[str, str] = {}
        self.error: str | None = None


class DocumentForm(FlaskForm):
    file = FileField("Bestand")
    visibility = RadioField("Zichtbaar voor", validators=[Optional()], default=rules.JOB_ONLY)
    document_id = HiddenField()

    def __init__(self, *args: Any, role: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visibility.choices = rules.visibility_choices(role)
        if self.visibility.data not in dict(self.visibility.choices):
            self.visibility.data = self.visibility.choices[0][0]
        self.field_errors: dict[str, str] = {}
        self.error: str | None = None


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: an audit row, a note or a document version."""

    at: datetime
    kind: str  # audit | note | document
    item: Any


def casework(svc: Any = None) -> CaseworkServices:
    return CaseworkServices(svc or services(), max_bytes=current_app.config["DOCUMENT_MAX_BYTES"])


def casework_context(actor: Actor, case: CaseSnapshot, audit: list[Any]) -> dict[str, Any]:
    work = casework()
    notes, documents = work.panel(actor, case.id)
    forms = getattr(g, "casework_forms", {})
    timeline = [Entry(ensure_utc(line.at), "audit", line) for line in audit]
    timeline += [Entry(n.created_at, "note", n) for n in notes]
    timeline += [Entry(d.current.uploaded_at, "document", d) for d in documents]
    timeline.sort(key=lambda e: e.at, reverse=True)
    return {
        "notes": notes,
        "documents": documents,
        "timeline": timeline,
        "note_form": forms.get("note") or NoteForm(role=actor.role, formdata=None, prefix="note"),
        "doc_form": forms.get("document") or DocumentForm(role=actor.role, formdata=None, prefix="doc"),
        "edit_forms": {n.id: forms.get("edit", {}).get(n.id) or EditNoteForm(
            formdata=None, prefix=f"edit-{n.id}", data={"text": n.text}) for n in notes if n.mine},
        "visibility_labels": rules.VISIBILITY,
        "max_upload": rules.human_size(work.max_bytes),
        "upload_types": rules.TYPES_SENTENCE,
    }
