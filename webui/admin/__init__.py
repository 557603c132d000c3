"""Beheer: organisations, accounts (invitations, roles, deactivation, second step) and the history.

Who may use which page is decided by `workflows.usecases.administration` (admins everything;
JoB coordinators the organisations of WSP regions and employers); these views only turn its
NotFound into a 404 and hide buttons. Every form carries a CSRF token and a reason; a
refused form comes back with a summary at the top, the messages next to the fields and
the input kept (422, nothing written). The invitation link (`/uitnodiging/<token>`) is the
only public page here: the token is the secret, stored hashed and used once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from engine.errors import InvalidPayload, NotFound
from engine.identity.invitations import Invitations
from webui.auth import authn, current_actor, login_required, public, roles_required
from webui.cases.forms import Check, Choice, LongText, Number, RowChoice, Text, options
from webui.companies import DataForm
from webui.extensions import services
from workflows.domain.roles import ADMIN, ORG_EMPLOYER, ORG_JOB, ORG_KINDS
from workflows.usecases.administration import USER_ROLES, Administration

bp = Blueprint("admin", __name__)


def _admin() -> Administration:
    return Administration(services(), sealer=authn().sealer)


def organisation_managers(view: Callable[..., Any]) -> Callable[..., Any]:
    """Administrators and JoB coordinators (the use cases check again, per organisation kind)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not _admin().may_manage_organisations(current_actor()):
            abort(404)
        return view(*args, **kwargs)

    wrapped.access_rule = "roles:admin,job-coordinator"  # type: ignore[attr-defined]
    return login_required(wrapped)


def _link_for(token: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for("admin.accept_invitation", token=token)


class Reason(DataForm):
    reason = LongText("Reden (verplicht; komt in de beheergeschiedenis)", render_kw={"rows": 2})
    payload_fields = ("reason",)


class OrganisationForm(Reason):
    name = Text("Naam")
    kind = Choice("Soort", ORG_KINDS)
    wsp_organisation_id = RowChoice("WSP-regio (alleen voor een werkgever)", blank="— geen —")
    employees = Number("Aantal medewerkers (alleen voor een werkgever)")
    payload_fields = ("name", "kind", "wsp_organisation_id", "employees", "reason")


class UserForm(Reason):
    email = Text("E-mailadres", render_kw={"type": "email", "autocomplete": "off"})
    name = Text("Naam")
    role = Choice("Rol", USER_ROLES)
    organisation_id = RowChoice("Organisatie")
    is_coordinator = Check("Coördinator (alleen JoB)")
    payload_fields = ("email", "name", "role", "organisation_id", "is_coordinator", "reason")


class SetPasswordForm(FlaskForm):
    new = PasswordField("Kies een wachtwoord", validators=[DataRequired("Vul een wachtwoord in.")])
    repeat = PasswordField("Herhaal het wachtwoord",
                           validators=[EqualTo("new", "De twee wachtwoorden zijn niet gelijk.")])


def _regions(form: OrganisationForm) -> None:
    regions = [o for o in _admin().organisations(current_actor()) if o.kind == "wsp"]
    form.wsp_organisation_id.choices = options([("", "— geen —"), *((o.id, o.name) for o in regions)])


def _organisation_choices(form: UserForm) -> None:
    orgs = _admin().organisations(current_actor())
    form.organisation_id.choices = options([("", "— kies —"), *((o.id, f"{o.name} ({o.kind_label})") for o in orgs)])


def _refused(form: DataForm, exc: InvalidPayload, template: str, **context: Any):
    form.attach(exc)
    return render_template(template, form=form, **context), 422


# -- organisations ---------------------------------------------------------------------------
@bp.route("/beheer")
@organisation_managers
def index():
    return redirect(url_for("admin.organisations"))


@bp.route("/beheer/organisaties")
@organisation_managers
def organisations():
    actor = current_actor()
    a = _admin()
    return render_template("admin/organisations.html", rows=a.organisations(actor), is_admin=a.is_admin(actor))


@bp.route("/beheer/organisaties/nieuw", methods=["GET", "POST"])
@organisation_managers
def new_organisation():
    actor = current_actor()
    a = _admin()
    form = OrganisationForm()
    if not a.is_admin(actor):  # coordinators: WSP regions and employers only
        form.kind.choices = options([("", "— kies —"), *((k, v) for k, v in ORG_KINDS.items() if k != ORG_JOB)])
    _regions(form)
    if form.validate_on_submit():
        data = form.payload()
        try:
            org_id = a.create_organisation(actor, **data)
        except InvalidPayload as exc:
            return _refused(form, exc, "admin/organisation.html", org=None)
        except NotFound:
            form.field_errors["kind"] = "U mag deze soort organisatie niet aanmaken."
            form.error = "Controleer de gemarkeerde velden."
            return render_template("admin/organisation.html", form=form, org=None), 422
        flash("De organisatie is aangemaakt.")
        return redirect(url_for("admin.organisation", organisation_id=org_id))
    return render_template("admin/organisation.html", form=form, org=None), 400 if form.is_submitted() else 200


@bp.route("/beheer/organisaties/<int:organisation_id>", methods=["GET", "POST"])
@organisation_managers
def organisation(organisation_id: int):
    actor = current_actor()
    a = _admin()
    org = a.organisation(actor, organisation_id)  # 404 when unknown
    if org.kind == ORG_JOB and not a.is_admin(actor):
        abort(404)
    form = OrganisationForm() if form_posted() else OrganisationForm(
        data={"name": org.name, "wsp_organisation_id": str(org.parent_id or ""), "employees": org.employees})
    _regions(form)
    form.payload_fields = ("name", "wsp_organisation_id", "employees", "reason")
    if form.validate_on_submit():
        try:
            a.update_organisation(actor, organisation_id, **form.payload())
        except InvalidPayload as exc:
            return _refused(form, exc, "admin/organisation.html", org=org)
        flash("De organisatie is gewijzigd.")
        return redirect(url_for("admin.organisation", organisation_id=organisation_id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/organisation.html", form=form, org=org, employer=org.kind == ORG_EMPLOYER), status


def form_posted() -> bool:
    from flask import request

    return request.method == "POST"


# -- users ---------------------------------------------------------------------------------------
@bp.route("/beheer/gebruikers")
@roles_required(ADMIN)
def users():
    a = _admin()
    rows = a.users(current_actor())
    invited = Invitations(services().db, services().clock).pending([u.id for u in rows if not u.has_password])
    return render_template("admin/users.html", rows=rows, invited=invited)


@bp.route("/beheer/gebruikers/uitnodigen", methods=["GET", "POST"])
@roles_required(ADMIN)
def invite():
    form = UserForm()
    _organisation_choices(form)
    if form.validate_on_submit():
        try:
            user_id = _admin().invite_user(current_actor(), link_for=_link_for, **form.payload())
        except InvalidPayload as exc:
            return _refused(form, exc, "admin/invite.html")
        flash("De uitnodiging is verstuurd. De link is 3 dagen geldig.")
        return redirect(url_for("admin.user", user_id=user_id))
    return render_template("admin/invite.html", form=form), 400 if form.is_submitted() else 200


def _user_page(user_id: int, form: UserForm | None = None, reason: Reason | None = None,
               which: str | None = None, status: int = 200):
    a = _admin()
    u = a.user(current_actor(), user_id)  # 404 when unknown
    if form is None:
        form = UserForm(formdata=None, data={"name": u.name, "role": u.role, "organisation_id": str(u.organisation_id),
                                             "is_coordinator": u.is_coordinator})
    _organisation_choices(form)
    form.payload_fields = ("name", "role", "organisation_id", "is_coordinator", "reason")
    invited = Invitations(services().db, services().clock).pending([u.id])
    return render_template("admin/user.html", u=u, form=form, reason_form=reason or Reason(formdata=None, prefix="account"),
                           which=which, invited=bool(invited), is_self=u.id == current_actor().user_id), status


@bp.route("/beheer/gebruikers/<int:user_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
def user(user_id: int):
    if not form_posted():
        return _user_page(user_id)
    _admin().user(current_actor(), user_id)  # 404 before reading the form
    form = UserForm()
    form.payload_fields = ("name", "role", "organisation_id", "is_coordinator", "reason")
    if not form.validate_on_submit():
        return _user_page(user_id, form, status=400)
    try:
        _admin().update_user(current_actor(), user_id, **form.payload())
    except InvalidPayload as exc:
        form.attach(exc)
        return _user_page(user_id, form, status=422)
    flash("De gebruiker is gewijzigd.")
    return redirect(url_for("admin.user", user_id=user_id))


ACCOUNT_ACTIONS: dict[str, tuple[str, Callable[..., None]]] = {
    "deactiveren": ("Het account is gedeactiveerd; sessies, API-sleutels en agendalinks werken niet meer.",
                    lambda a, actor, uid, why: a.set_active(actor, uid, False, why)),
    "activeren": ("Het account is weer actief.", lambda a, actor, uid, why: a.set_active(actor, uid, True, why)),
    "tweede-stap-resetten": ("De tweede stap is verwijderd; bij de volgende login stelt de gebruiker hem opnieuw in.",
                             lambda a, actor, uid, why: a.reset_second_factor(actor, uid, why)),
    "uitnodiging": ("Er is een nieuwe uitnodiging verstuurd; eerdere links werken niet meer.",
                    lambda a, actor, uid, why: a.resend_invitation(actor, uid, why, _link_for)),
}


@bp.route("/beheer/gebruikers/<int:user_id>/<what>", methods=["POST"])
@roles_required(ADMIN)
def account_action(user_id: int, what: str):
    if what not in ACCOUNT_ACTIONS:
        abort(404)
    a = _admin()
    a.user(current_actor(), user_id)  # 404 before reading the form
    form = Reason(prefix="account")
    if not form.validate_on_submit():
        return _user_page(user_id, reason=form, which=what, status=400)
    done, run = ACCOUNT_ACTIONS[what]
    try:
        run(a, current_actor(), user_id, form.payload()["reason"])
    except InvalidPayload as exc:
        form.attach(exc)
        return _user_page(user_id, reason=form, which=what, status=422)
    flash(done)
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/beheer/geschiedenis")
@roles_required(ADMIN)
def history():
    return render_template("admin/history.html", rows=_admin().history(current_actor()))


# -- the invited person ---------------------------------------------------------------------
@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    inv = Invitations(services().db, services().clock)
    if not inv.valid(token):
        return render_template("error.html", title="Link verlopen",
                               message="Deze uitnodiging is verlopen of al gebruikt. Vraag de beheerder om een "
                                       "nieuwe."), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            inv.accept(token, form.new.data)
        except InvalidPayload as exc:
            for key, message in exc.errors.items():
                target = form.new if key == "new" else None
                if target is not None:
                    target.errors = [*target.errors, message]
                else:
                    form.form_errors.append(message)
        else:
            session.clear()
            flash("Uw wachtwoord is ingesteld. Log in met uw e-mailadres en dit wachtwoord.")
            return redirect(url_for("auth.login"))
    status = 200 if not form.is_submitted() else (400 if form.errors or form.form_errors else 200)
    return render_template("admin/accept.html", form=form), status
