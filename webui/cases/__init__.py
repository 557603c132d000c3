"""Case pages: phase, recorded data, the actions possible now, tasks, diagram and audit trail.

A company trajectory gets its own page (`company_case.html`) with one small form per
action (`webui.cases.forms`); any other workflow gets the generic page (`case.html`). Both
use the shared includes `_diagram.html` and `_audit.html`; `case_extras()` builds what they need.

Each form posts to its action's own page (`webui.actions`: `Services.perform`, the error
summary, the confirmation of what cannot be undone); this module only shows the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from engine.clock import ensure_utc
from engine.errors import InvalidPayload
from engine.services import CaseSnapshot
from engine.spec import Actor, Workflow
from webui.auth import current_actor, login_required
from webui.cases.audit import audit_lines, referenced_ids
from webui.cases.forms import ActionForm, Choices, form_class
from webui.casework.panel import Entry, casework, casework_context
from webui.diagram import layout, mermaid, phase_list, render_svg
from webui.extensions import services
from webui.filters import nl_date
from workflows.domain import invra
from workflows.domain.company_records import (
    CANDIDATE_STATUSES,
    MEETING_PARTIES,
    REJECTION_REASONS,
    STOP_REASONS,
    SUPPORT_LEVELS,
    known_departments,
)
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.usecases.company_services import CompanyServices
from workflows.usecases.directory import Directory
from workflows.usecases.plan_services import PlanServices

bp = Blueprint("cases", __name__, url_prefix="/zaken")

NOT_POSSIBLE = "Deze actie is in deze fase niet mogelijk."


class TriggerForm(FlaskForm):
    """Generic action form for workflows without their own page."""

    expected_version = HiddenField()
    reason = TextAreaField("Reden", validators=[Optional(), Length(max=2000)])


@bp.app_template_filter("nl_iso")
def nl_iso(value: Any) -> str:
    """A YYYY-MM-DD string from case data as `ma 23 nov 2026`."""
    if not value or not isinstance(value, str):
        return "—"
    try:
        return nl_date(date.fromisoformat(value))
    except ValueError:
        return value


@bp.app_template_filter("nl_number")
def nl_number(value: Any) -> str:
    """24.0 -> '24', 7.5 -> '7,5'."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value in (None, "") else str(value)
    return f"{value:g}".replace(".", ",")


def _directory() -> Directory:
    return Directory(services())


def _spec(case: CaseSnapshot) -> Workflow:
    return services().registry.get(case.workflow, case.workflow_version).spec


def case_extras(actor: Actor, case: CaseSnapshot) -> dict[str, Any]:
    """What `_audit.html` and `_diagram.html` need, for any workflow's case page."""
    svc = services()
    spec = _spec(case)
    trail = svc.audit_trail(actor, case.id)
    user_ids, candidate_ids = referenced_ids(trail)
    directory = _directory()
    users = directory.user_names(user_ids)
    candidates = directory.candidate_names(candidate_ids) if candidate_ids else {}
    visited = _visited(case, trail)
    audit = audit_lines(spec, trail, users, candidates)
    return {
        **casework_context(actor, case, audit),
        "progress": _progress(spec, case, visited),
        "audit": audit,
        "diagram": render_svg(spec, case.state, visited, title=f"Werkproces {spec.label}: fasen en overgangen"),
        "phases": phase_list(spec, case.state, visited),
        "user_names": users,
    }


def overview_extras(actor: Actor, case: CaseSnapshot, user_ids: set[int] | None = None) -> dict[str, Any]:
    """What an overview page shows of the history (`_dossier_summary.html`, the progress line):
    the same figures as `case_extras` without the whole trail as sentences, the diagram, the
    notes' texts or the casework forms, which only the dossier page shows. `user_ids`: other
    people the page names (one query with the newest line's actor)."""
    spec = _spec(case)
    summary = casework().summary(actor, case.id)
    # The newest line as the full timeline sorts it: latest time, on a tie the higher sequence number.
    newest = max(summary.trail, key=lambda e: (ensure_utc(e.at), e.seq), default=None)
    wanted, candidate_ids = referenced_ids([newest] if newest is not None else [])
    directory = _directory()
    users = directory.user_names(wanted | (user_ids or set()))
    candidates = directory.candidate_names(candidate_ids) if candidate_ids else {}
    entries = []  # on a tie in time: audit before note before document, as in the full timeline
    if newest is not None:
        line = audit_lines(spec, [newest], users, candidates)[0]
        entries.append(Entry(ensure_utc(line.at), "audit", line))
    if summary.latest_note is not None:
        entries.append(Entry(summary.latest_note[0], "note", summary.latest_note[1]))
    if summary.latest_document is not None:
        entries.append(Entry(summary.latest_document[0], "document", summary.latest_document[1]))
    return {
        "progress": _progress(spec, case, _visited(case, summary.trail)),
        "dossier": DossierCounts(summary.notes, summary.documents, max(entries, key=lambda e: e.at, default=None)),
        "user_names": users,
    }


@dataclass(frozen=True)
class DossierCounts:
    """`_dossier_summary.html`'s figures: the newest entry's item is an `AuditLine`, the
    note's author or the document's file name."""

    notes: int
    documents: int
    latest: Entry | None


def _visited(case: CaseSnapshot, trail: Any) -> set[str]:
    visited = {e.to_state for e in trail} | {e.from_state for e in trail if e.from_state}
    visited.discard(case.state)
    return visited


def _progress(spec: Workflow, case: CaseSnapshot, visited: set[str]) -> list[tuple[str, str]]:
    shown = [n for n in layout(spec).chain if not spec.state(n).final or n == case.state]
    if case.state not in shown:
        shown.append(case.state)
    return [(spec.state_label(n), "current" if n == case.state else "done" if n in visited else "todo")
            for n in shown]


def overview_crumb(actor: Actor, case: CaseSnapshot) -> tuple[str, str]:
    """The breadcrumb back to a case's overview page, for its sub-pages (one style everywhere)."""
    if case.workflow == "candidate_plan":
        return f"Trajectplan #{case.id}", url_for("plans.show", case_id=case.id)
    return f"{_spec(case).label} #{case.id}", url_for("cases.show", case_id=case.id)


def reason_mode(spec: Workflow, state: str, trigger: str, form: type[ActionForm]) -> str | None:
    """'required' where the transition demands a reason, 'optional' for phase changes, else None."""
    branches = spec.transitions_for(state, trigger)
    if any(b.reason_required for b in branches):
        return "required"
    if any(b.dest is not None for b in branches) and "reason" not in form.payload_fields:
        return "optional"
    return None


@dataclass
class Action:
    trigger: str
    label: str
    allowed: bool
    why_not: str | None
    form: ActionForm | None
    moves: bool
    open: bool = False


def _choices(actor: Actor, case: CaseSnapshot, triggers: set[str]) -> Choices:
    d = _directory()
    ch = Choices()
    if "propose_candidate" in triggers:
        ch.candidates_to_propose = [(o.value, o.label) for o in d.candidate_options(actor, case.id)]
    if triggers & {"record_interview", "hire_candidate", "reject_candidate"}:
        ch.open_candidates = [(o.value, o.label) for o in d.open_candidates(actor, case.id)]
    if "name_harrie" in triggers:
        ch.harries = [(o.value, o.label) for o in d.harrie_options(actor, case.id)]
    ch.analysis_tasks = [(t["nr"], t["title"]) for t in (case.data.get("analysis") or {}).get("tasks", [])]
    ch.departments = known_departments(case.data)
    return ch


def _render_company(case_id: int, failed: ActionForm | None = None, failed_trigger: str | None = None,
                    status: int = 200, page_error: str | None = None, template: str = "company_case.html"):
    """The overview (`company_case.html`: the actions with their forms, the records' summary,
    the dossier's summary) or the records sub-page (`company_records.html`: no forms)."""
    svc = services()
    actor = current_actor()
    case = svc.get_case(actor, case_id)
    spec = _spec(case)
    overview = template == "company_case.html"
    actions = _company_actions(actor, case, spec, failed, failed_trigger) if overview else []
    if failed is not None and failed_trigger not in {a.trigger for a in actions if a.allowed}:
        page_error = page_error or failed.error or NOT_POSSIBLE
    harrie_id = case.data.get("harrie_user_id")
    if overview:
        extras = overview_extras(actor, case, {harrie_id} if harrie_id else None)
        names = extras["user_names"]
    else:
        extras, names = {}, _directory().user_names({harrie_id}) if harrie_id else {}
    # A trajectory whose employer row is gone still shows.
    org_name = (_directory().company_name(actor, case.organisation_id) if case.organisation_id else None) or ""
    return render_template(
        template,
        case=case, wf=spec, company_name=org_name, actions=actions,
        record_actions=[a for a in actions if not a.moves], move_actions=[a for a in actions if a.moves],
        tasks=[t for t in svc.case_tasks(actor, case_id) if t.status == "open"] if overview else [],
        candidates=CompanyServices(svc).case_candidates(actor, case_id),
        plans=_directory().child_plans(actor, case_id),
        harrie_name=names.get(harrie_id) if harrie_id else None,
        page_error=page_error,
        labels=LABELS,
        invra_groups=[(c.label, [f"{n:02d}" for n in range(c.first, c.last + 1)]) for c in invra.CATEGORIES],
        # The organisation's labels are read only when the page shows INVRA (a workplace profile).
        invra_labels=(labels := PlanServices(svc).invra_labels() if _shows_invra(case, actions) else invra.labels()),
        invra_loaded=any(labels[c.code] != c.placeholder_label for c in invra.COMPETENCES),
        **extras,
    ), status


def _company_actions(actor: Actor, case: CaseSnapshot, spec: Workflow, failed: ActionForm | None,
                     failed_trigger: str | None) -> list[Action]:
    """The overview's actions, a form for each one allowed now."""
    svc = services()
    options = svc.triggers_for(actor, case.id)
    choices = _choices(actor, case, {o.trigger for o in options if o.allowed})
    actions: list[Action] = []
    for o in options:
        cls = form_class(o.trigger)
        moves = any(b.dest is not None for b in spec.transitions_for(case.state, o.trigger))
        form = None
        if o.allowed:
            if failed is not None and o.trigger == failed_trigger:
                form = failed
                form.expected_version.data = str(case.version)  # after a 409 the user may try again
            else:
                form = cls(prefix=o.trigger, formdata=None, data=cls.initial(case.data))
                form.expected_version.data = str(case.version)
                form.add_blank_rows()
            form.reason = reason_mode(spec, case.state, o.trigger, cls)
            form.setup(choices)
        actions.append(Action(o.trigger, o.label, o.allowed, o.reason, form, moves, o.trigger == failed_trigger))
    return actions


LABELS = {
    "parties": MEETING_PARTIES,
    "support": SUPPORT_LEVELS,
    "stop": STOP_REASONS,
    "rejection": REJECTION_REASONS,
    "status": CANDIDATE_STATUSES,
}


def _render_generic(case_id: int, form: TriggerForm | None = None, status: int = 200, failed: str | None = None,
                    error: str | None = None):
    svc = services()
    actor = current_actor()
    case = svc.get_case(actor, case_id)
    return render_template(
        "case.html",
        case=case,
        wf=_spec(case),
        options=svc.triggers_for(actor, case_id),
        tasks=svc.case_tasks(actor, case_id),
        form=form or TriggerForm(expected_version=case.version),
        failed=failed,
        error=error,
        **case_extras(actor, case),
    ), status


def _shows_invra(case, actions: list) -> bool:
    """The page has a workplace profile to show or a form to record one."""
    data = case.data or {}
    return bool(data.get("workplace_profile")) or any(
        a.trigger == "record_workplace_profile" and a.allowed for a in actions)


@bp.route("/<int:case_id>")
@login_required
def show(case_id: int):
    case = services().get_case(current_actor(), case_id)
    if case.workflow == "candidate_plan":
        return redirect(url_for("plans.show", case_id=case_id))  # the plan has its own page
    if case.workflow == COMPANY_TRAJECTORY:
        return _render_company(case_id)
    return _render_generic(case_id)


@bp.route("/<int:case_id>/gegevens")
@login_required
def records(case_id: int):
    """A company trajectory's records (analysis, vacancy, profile, candidates): the overview's sub-page."""
    case = services().get_case(current_actor(), case_id)  # unknown or invisible: 404
    if case.workflow != COMPANY_TRAJECTORY:
        abort(404)
    return _render_company(case_id, template="company_records.html")


@bp.route("/<int:case_id>/diagram.mmd")
@login_required
def mermaid_text(case_id: int):
    """The workflow as Mermaid text (download), for people who print or edit diagrams elsewhere."""
    case = services().get_case(current_actor(), case_id)
    return Response(mermaid(_spec(case)), mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{case.workflow}.mmd"'})


def _attach_errors(form: ActionForm, exc: InvalidPayload) -> None:
    fields = set(form.payload_fields)
    rest = []
    for key, message in exc.errors.items():
        if key in fields:
            form.field_errors[key] = message
        elif key == "reason" and form.reason:
            form.field_errors["why"] = message
        else:
            rest.append(message)
    form.error = " ".join(rest) if rest else "Controleer de gemarkeerde velden."
