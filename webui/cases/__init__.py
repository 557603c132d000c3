"""Case pages: phase, data, available actions, tasks and the readable audit trail."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from engine.errors import EngineError, StaleCase
from engine.models import User
from webui.auth import current_actor, login_required
from webui.errors import raise_if_unavailable
from webui.extensions import services

bp = Blueprint("cases", __name__, url_prefix="/zaken")


class TriggerForm(FlaskForm):
    expected_version = HiddenField()
    reason = TextAreaField("Reden", validators=[Optional(), Length(max=2000)])


def _user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from sqlalchemy import select

    with services().db.read() as s:
        return dict(s.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _render_case(case_id: int, form: TriggerForm | None = None, status: int = 200, failed: str | None = None,
                 error: str | None = None):
    svc = services()
    actor = current_actor()
    case = svc.get_case(actor, case_id)
    wf = svc.registry.get(case.workflow, case.workflow_version).spec
    trail = svc.audit_trail(actor, case_id)
    names = _user_names({e.actor_user_id for e in trail if e.actor_user_id})
    return render_template(
        "case.html",
        case=case,
        wf=wf,
        options=svc.triggers_for(actor, case_id),
        tasks=svc.case_tasks(actor, case_id),
        trail=trail,
        names=names,
        form=form or TriggerForm(expected_version=case.version),
        failed=failed,
        error=error,
    ), status


@bp.route("/<int:case_id>")
@login_required
def show(case_id: int):
    return _render_case(case_id)


@bp.route("/<int:case_id>/acties/<trigger>", methods=["POST"])
@login_required
def fire(case_id: int, trigger: str):
    form = TriggerForm()
    if not form.validate_on_submit():
        return _render_case(case_id, form, 400, trigger, "Het formulier is niet goed ingevuld.")
    try:
        expected = int(form.expected_version.data) if form.expected_version.data else None
    except ValueError:
        return _render_case(case_id, form, 400, trigger, "Het formulier is niet goed ingevuld.")
    try:
        services().fire_trigger(
            current_actor(), case_id, trigger, {}, expected_version=expected,
            reason=form.reason.data, request_id=request.headers.get("X-Request-Id") or uuid.uuid4().hex,
        )
    except StaleCase as exc:
        return _render_case(case_id, form, 409, trigger, exc.message)
    except EngineError as exc:
        raise_if_unavailable(exc)
        if exc.code == "not_found":
            raise
        return _render_case(case_id, form, 422, trigger, exc.message)
    flash("De actie is uitgevoerd.")
    return redirect(url_for("cases.show", case_id=case_id))
