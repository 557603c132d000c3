"""API-sleutels: a user creates, lists and revokes their personal API tokens.

A new token is shown once, in the response to the POST that made it (not stored in the
session cookie, not in a redirect URL) with `Cache-Control: no-store`; afterwards only its
first characters are shown. Reloading that page asks the browser to post again, which
makes another token; the page says so.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from engine.errors import EngineError, InvalidPayload
from engine.identity import tokens
from webui.auth import login_required
from webui.extensions import services

bp = Blueprint("tokens", __name__)


class NewTokenForm(FlaskForm):
    name = StringField("Naam van de sleutel", validators=[
        DataRequired("Geef de sleutel een naam, bijvoorbeeld waar u hem gebruikt."),
        Length(max=100, message="De naam mag hoogstens 100 tekens lang zijn."),
    ])


class RevokeForm(FlaskForm):
    """Only the CSRF token: the token id is in the URL."""


def _page(form: NewTokenForm, new_token: tokens.NewToken | None = None, status: int = 200):
    response = make_response(render_template(
        "api_tokens.html", form=form, revoke_form=RevokeForm(), new_token=new_token,
        items=tokens.list_tokens(services().db, g.user.id),
    ), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api-sleutels", methods=["GET"])
@login_required
def index():
    return _page(NewTokenForm())


@bp.route("/api-sleutels", methods=["POST"])
@login_required
def create():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    svc = services()
    try:
        new_token = tokens.create_token(svc.db, svc.clock, g.user.id, form.name.data)
    except InvalidPayload as exc:
        form.name.errors.append(next(iter(exc.errors.values())))
        return _page(form, status=400)
    return _page(NewTokenForm(formdata=None), new_token, 201)


@bp.route("/api-sleutels/<int:token_id>/intrekken", methods=["POST"])
@login_required
def revoke(token_id: int):
    if RevokeForm().validate_on_submit():
        svc = services()
        try:
            tokens.revoke_token(svc.db, svc.clock, g.user.id, token_id)
            flash("De sleutel is ingetrokken en werkt niet meer.")
        except EngineError as exc:
            flash(exc.message, "error")
    return redirect(url_for("tokens.index"))
