"""JoB's dashboard and the settings page (JoB and administrators only; for anyone else the
pages do not exist)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from engine.errors import InvalidPayload
from webui.auth import current_actor, roles_required
from webui.extensions import services
from workflows.domain import coaching
from workflows.domain.roles import ADMIN, JOB
from workflows.usecases.dashboard import Dashboard
from workflows.usecases.money_services import MoneyServices

bp = Blueprint("dashboard", __name__)


@bp.route("/dashboard")
@roles_required(JOB, ADMIN)
def index():
    actor = current_actor()
    return render_template("dashboard.html", d=Dashboard(services()).build(actor),
                           board=MoneyServices(services()).board(actor), hours_statuses=coaching.STATUS_LABELS)


class SettingForm(FlaskForm):
    """One figure with its source and the date it holds from (the service checks each)."""

    key = HiddenField()
    value = StringField("Waarde", validators=[Length(max=32)], render_kw={"inputmode": "decimal"})
    source = TextAreaField("Bron", validators=[Length(max=500)])
    valid_from = StringField("Geldig vanaf", validators=[Length(max=10)], render_kw={"type": "date"})
    reason = TextAreaField("Waarom", validators=[Length(max=500)])


@bp.route("/instellingen", methods=["GET", "POST"])
@roles_required(JOB, ADMIN)
def settings():
    """Every number a rule is stated in, with its source, valid-from date and history; an
    administrator adds a value from a date on (one at a time, with the reason)."""
    actor = current_actor()
    money = MoneyServices(services())
    form, failed, status = SettingForm(), None, 200
    if form.is_submitted():
        if actor.role != ADMIN:
            abort(403)  # JoB reads the settings; only an administrator changes them
        if form.validate():
            try:
                money.change_setting(actor, form.key.data or "", form.value.data, form.source.data,
                                     form.valid_from.data, form.reason.data)
            except InvalidPayload as exc:
                for key, message in exc.errors.items():
                    getattr(form, key, form.value).errors = [message]
                failed, status = form.key.data, 422
            else:
                flash("De instelling is gewijzigd.")
                return redirect(url_for("dashboard.settings", _anchor=f"s-{form.key.data}"))
        else:
            failed, status = form.key.data, 422
    return render_template("settings.html", lines=money.settings(), form=form, failed=failed,
                           may_change=actor.role == ADMIN), status
