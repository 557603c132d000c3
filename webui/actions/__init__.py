"""A page per action: `GET/POST /zaken/<id>/acties/<action>`, its form generated from the action.

The inbox's task button and the case and plan pages link here. GET shows the empty form (the
URL is reloadable); POST to the same URL performs the action through `Services.perform` with the
version the form was read at. Refused: 422 (409 for a stale form) with the error summary at the
top, focus on it, every input kept and each Dutch message next to its input. An action the table
marks irreversible first shows one sentence about what will happen and a "Ja, ..." button that
posts the same fields again with `bevestigd=1`; only that performs. Success: redirect to the
case (post/redirect/get) with a flash.

Declared actions (the plan's) get a generated form (`webui.actions.fields`); a company step
derived from a transition keeps its own form class (`webui.cases.forms.ACTION_FORMS`).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from engine.actions import Action, clean_payload
from engine.errors import CaseNotFound, EngineError, GuardRejected, InvalidPayload, StaleCase
from engine.perform import ActionOption
from engine.services import CaseSnapshot
from webui.actions import fields as gen
from webui.actions.offers import offer_for, subject_of
from webui.auth import current_actor, login_required
from webui.cases import _attach_errors, _choices, reason_mode
from webui.cases.forms import ActionForm, form_class
from webui.extensions import services
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY

bp = Blueprint("actions", __name__, url_prefix="/zaken")

CONFIRMED = "bevestigd"


def _version(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _case_url(case: CaseSnapshot) -> str:
    if case.workflow == "candidate_plan":
        return url_for("plans.show", case_id=case.id)
    return url_for("cases.show", case_id=case.id)


def _load(case_id: int, name: str) -> tuple[CaseSnapshot, Action, ActionOption | None]:
    svc = services()
    actor = current_actor()
    case = svc.get_case(actor, case_id)  # unknown or invisible: 404
    table = svc.registry.get(case.workflow, case.workflow_version).actions
    action = table.get(name) if table is not None else None
    if action is None:
        abort(404)
    option = next((o for o in svc.actions_for(actor, case_id) if o.name == name), None)
    return case, action, option


@bp.route("/<int:case_id>/acties/<name>", methods=["GET", "POST"])
@login_required
def page(case_id: int, name: str):
    case, action, option = _load(case_id, name)
    if option is None:  # not this role's, or not in this phase: say so, no form
        status = 403 if current_actor().role not in action.roles else 422
        return _render(case, action, None, status=status,
                       problem="Uw rol kan deze actie niet uitvoeren." if status == 403
                       else "Deze actie is in deze fase niet mogelijk.")
    if not action.declared:
        return _derived(case, action, option)
    offer = offer_for(case, action, current_actor())
    if request.method == "GET":
        return _render(case, action, option, gen.build(action, offer))
    inputs = gen.build(action, offer, request.form)
    version = _version(request.form.get("expected_version"))
    body = gen.payload(action, inputs)
    errors = gen.row_errors(action, inputs)
    try:
        clean_payload(action, body)
    except InvalidPayload as exc:  # a rows field's own message ("Regel 1: ...") is said per row already
        rows = {g.name for g in inputs if isinstance(g, gen.Group) and g.kind == "rows"} if errors else set()
        errors = {**{k: v for k, v in exc.errors.items() if k not in rows}, **errors}
    if errors:
        return _refused(case, action, option, inputs, errors, version)
    if action.irreversible and request.form.get(CONFIRMED) != "1":
        why = _why_not(case.id, action.name, body)
        if why is not None:
            return _refused(case, action, option, inputs, {}, version, why)
        return _confirm(case, action, inputs, version)
    try:
        done = services().perform(current_actor(), case.id, action.name, body, expected_version=version,
                                  request_id=_request_id())
    except StaleCase as exc:
        return _refused(case, action, option, inputs, {}, None, exc.message, status=409)
    except InvalidPayload as exc:
        return _refused(case, action, option, inputs, exc.errors, version)
    except EngineError as exc:
        if isinstance(exc, CaseNotFound):
            raise
        return _refused(case, action, option, inputs, {}, version, _message(exc))
    if action.name == "log_hours" and done.result:
        for warning in done.result[2]:
            flash(warning, "warning")
    flash(f"Vastgelegd: {action.label}.")
    return redirect(_case_url(case))


def _why_not(case_id: int, name: str, body: dict[str, Any]) -> str | None:
    """The preconditions asked with this payload before the confirmation is shown."""
    option = next((o for o in services().actions_for(current_actor(), case_id, {name: body}) if o.name == name), None)
    return None if option is None else option.reason


def _message(exc: EngineError) -> str:
    return exc.reason if isinstance(exc, GuardRejected) else exc.message


def _request_id() -> str:
    return request.headers.get("X-Request-Id") or uuid.uuid4().hex


def _refused(case: CaseSnapshot, action: Action, option: ActionOption | None, inputs: Any,
             errors: dict[str, str], version: int | None, problem: str | None = None, status: int = 422):
    summary = gen.attach(inputs, errors) if not isinstance(inputs, ActionForm) else _form_summary(inputs, errors)
    if problem:
        summary = [("", problem), *[s for s in summary if s[1] != problem]]
    if status == 409 and isinstance(inputs, ActionForm):  # input kept; sending it again is on purpose
        inputs.expected_version.data = str(services().get_case(current_actor(), case.id).version)
    return _render(case, action, option, inputs, summary=summary, status=status,
                   version=version if status != 409 else None)


def _render(case: CaseSnapshot, action: Action, option: ActionOption | None, inputs: Any = None, *,
            summary: list[tuple[str, str]] | None = None, status: int = 200, problem: str | None = None,
            version: int | None = None, template: str = "action.html", sentence: str = ""):
    current = services().get_case(current_actor(), case.id)
    return render_template(
        template, case=case, action=action, option=option, inputs=inputs or [], summary=summary or [],
        problem=problem, version=current.version if version is None else version, case_url=_case_url(case),
        subject=subject_of(case), company_form=isinstance(inputs, ActionForm), sentence=sentence,
        hidden=_hidden_fields(inputs),
    ), status


def _hidden_fields(inputs: Any) -> list[tuple[str, str]]:
    """Everything typed, for the confirmation page to post again (its own CSRF token aside)."""
    if request.method != "POST":
        return []
    return [(k, v) for k, v in request.form.items(multi=True)
            if k not in (CONFIRMED, "expected_version") and not k.endswith("csrf_token")]


def _confirm(case: CaseSnapshot, action: Action, inputs: Any, version: int | None):
    subject = subject_of(case)
    sentence = (action.confirm.format(naam=subject) if action.confirm
                else f"U kiest '{action.label}' voor {subject}.")
    return _render(case, action, None, inputs, version=version, template="action_confirm.html",
                   sentence=f"{sentence} Dit kunt u niet terugdraaien.")


# -- a company step: its own form class -----------------------------------------------------------


def _company_form(case: CaseSnapshot, action: Action, bound: bool) -> ActionForm:
    spec = services().registry.get(case.workflow, case.workflow_version).spec
    cls = form_class(action.trigger)
    if bound:
        form = cls(prefix=action.trigger)
    else:
        form = cls(prefix=action.trigger, formdata=None, data=cls.initial(case.data))
        form.add_blank_rows()
    form.reason = reason_mode(spec, case.state, action.trigger, cls)
    if case.workflow == COMPANY_TRAJECTORY:
        form.setup(_choices(current_actor(), case, {action.trigger}))
    return form


def _form_summary(form: ActionForm, errors: dict[str, str]) -> list[tuple[str, str]]:
    if errors:
        _attach_errors(form, InvalidPayload(errors))
    out = []
    for key, message in form.field_errors.items():
        target = form.why if key == "why" else form._fields.get(key)
        if key == "levels":
            target = form._fields.get("c01")
        label = target.label.text if target is not None and hasattr(target, "label") else ""
        out.append((getattr(target, "id", ""), gen.named(label, message)))
    if form.error and form.error != "Controleer de gemarkeerde velden.":
        out.append(("", form.error))
    return out


def _derived(case: CaseSnapshot, action: Action, option: ActionOption):
    if request.method == "GET":
        return _render(case, action, option, _company_form(case, action, bound=False))
    form = _company_form(case, action, bound=True)
    version = _version(form.expected_version.data)
    if not form.validate():
        return _refused(case, action, option, form, {}, version, "Het formulier is niet goed ingevuld.")
    if action.irreversible and request.form.get(CONFIRMED) != "1":
        if option.reason:
            return _refused(case, action, option, form, {}, version, option.reason)
        return _confirm(case, action, form, version)
    try:
        services().perform(current_actor(), case.id, action.name, form.payload(), expected_version=version,
                           reason=form.why.data if form.reason else None, request_id=_request_id())
    except StaleCase as exc:
        return _refused(case, action, option, form, {}, None, exc.message, status=409)
    except InvalidPayload as exc:
        return _refused(case, action, option, form, exc.errors, version)
    except EngineError as exc:
        if isinstance(exc, CaseNotFound):
            raise
        return _refused(case, action, option, form, {}, version, _message(exc))
    flash(f"Vastgelegd: {action.label}.")
    return redirect(_case_url(case))

