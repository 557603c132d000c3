"""Candidate privacy pages: the read-access log, the AVG export, and erasure on request.

- `/kandidaten/<id>/inzage`: who read this candidate's data and when (JoB, administrators);
- `/kandidaten/<id>/gegevens.json`: everything stored about the candidate (JoB, administrators);
- `/kandidaten/<id>/wissen` (POST): replace the personal data by a pseudonym (administrators).
Anyone else gets a 404, as for a page that does not exist.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from engine.errors import InvalidPayload
from webui.auth import current_actor, roles_required
from webui.extensions import services
from workflows.domain.roles import ADMIN, JOB
from workflows.usecases.privacy import PrivacyServices

bp = Blueprint("privacy", __name__, url_prefix="/kandidaten")
CONFIRM = "WISSEN"


class EraseForm(FlaskForm):
    confirm = StringField(f"Typ {CONFIRM} om te bevestigen", validators=[DataRequired(), Length(max=20)])


def _privacy() -> PrivacyServices:
    return PrivacyServices(services())


def _page(candidate_id: int, form: EraseForm | None = None, status: int = 200):
    p = _privacy()
    actor = current_actor()
    lines = p.read_log(actor, candidate_id)
    return render_template("privacy/read_log.html", candidate_id=candidate_id,
                           name=p.candidate_name(actor, candidate_id), lines=lines,
                           form=form or EraseForm(), may_erase=g.user.role == ADMIN, confirm=CONFIRM), status


@bp.route("/<int:candidate_id>/inzage")
@roles_required(JOB, ADMIN)
def read_log(candidate_id: int):
    return _page(candidate_id)


@bp.route("/<int:candidate_id>/gegevens.json")
@roles_required(JOB, ADMIN)
def export(candidate_id: int):
    data = _privacy().export(current_actor(), candidate_id)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="kandidaat-{candidate_id}.json"'
    return response


@bp.route("/<int:candidate_id>/wissen", methods=["POST"])
@roles_required(ADMIN)
def erase(candidate_id: int):
    form = EraseForm()
    if not form.validate_on_submit() or form.confirm.data.strip().upper() != CONFIRM:
        form.confirm.errors = [f"Typ {CONFIRM} om te bevestigen dat de gegevens gewist worden."]
        return _page(candidate_id, form, 400)
    try:
        result = _privacy().erase(current_actor(), candidate_id)
    except InvalidPayload as exc:
        form.confirm.errors = list(exc.errors.values())
        return _page(candidate_id, form, 409)
    flash(f"De persoonsgegevens zijn gewist; de kandidaat heet nu '{result.pseudonym}'.")
    return redirect(url_for("privacy.read_log", candidate_id=candidate_id))
