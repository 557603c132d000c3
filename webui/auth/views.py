"""Pages of the login flow and the user's own security settings.

- `/login`: e-mail address and password (throttled; one message whatever went wrong);
- `/login/code`: the 6-digit code of the authenticator app, or a recovery code;
- `/login/instellen`: enrolment at first login for roles that must use a second factor;
- `/account`: change the password, turn the second factor on or off, new recovery codes;
- `/wachtwoord-vergeten`, `/wachtwoord-herstellen/<token>`: reset by a mailed link.
"""

from __future__ import annotations

import time

import segno
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from engine.errors import InvalidPayload
from engine.identity.passwords import MAX_LENGTH
from webui.auth import authn, bp, login_required, public
from webui.next_url import safe_next

PENDING_SECONDS = 300
LOGIN_FAILED = "Onbekende combinatie van e-mailadres en wachtwoord. Na te veel pogingen moet u een kwartier wachten."
CODE_FAILED = "Deze code klopt niet (of er waren te veel pogingen). Probeer het opnieuw."


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in."), Length(max=254)])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in."), Length(max=1000)])


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Vul de code in."), Length(max=20)])


class PasswordForm(FlaskForm):
    password = PasswordField("Huidig wachtwoord", validators=[DataRequired("Vul uw huidige wachtwoord in."),
                                                               Length(max=1000)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Huidig wachtwoord", validators=[DataRequired("Vul uw huidige wachtwoord in."),
                                                             Length(max=1000)])
    new = PasswordField("Nieuw wachtwoord", validators=[DataRequired("Vul een nieuw wachtwoord in."),
                                                        Length(max=MAX_LENGTH + 1)])
    repeat = PasswordField("Nieuw wachtwoord nog een keer",
                           validators=[EqualTo("new", "De twee nieuwe wachtwoorden zijn niet gelijk.")])


class ForgotForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in."), Length(max=254)])


class ResetForm(FlaskForm):
    new = PasswordField("Nieuw wachtwoord", validators=[DataRequired("Vul een nieuw wachtwoord in."),
                                                        Length(max=MAX_LENGTH + 1)])
    repeat = PasswordField("Nieuw wachtwoord nog een keer",
                           validators=[EqualTo("new", "De twee nieuwe wachtwoorden zijn niet gelijk.")])


class PostForm(FlaskForm):
    """Only the CSRF token."""


def _ip() -> str:
    return request.remote_addr or "onbekend"


def _safe_next(target: str | None) -> str:
    return safe_next(target) or url_for("inbox.index")


def _pending_uid() -> int | None:
    uid, at = session.get("pending_uid"), session.get("pending_at")
    if not isinstance(uid, int) or not isinstance(at, int | float) or time.time() - at > PENDING_SECONDS:
        return None
    return uid


def _finish_login(user_id: int) -> None:
    """Rotate: a new signed cookie with a new server-side session id."""
    nxt = session.get("pending_next")
    session.clear()
    session["sid"] = authn().start_session(user_id)
    session["next"] = nxt
    session.permanent = True


def _after_login():
    return redirect(_safe_next(session.pop("next", None)))


def _field_errors(form: FlaskForm, exc: InvalidPayload) -> None:
    for key, message in exc.errors.items():
        field = getattr(form, key, None)
        (field.errors if field is not None else form.form_errors).append(message)  # type: ignore[union-attr]


def _qr_svg(uri: str) -> Markup:
    # segno draws with presentation attributes only (no style=), so the CSP allows it.
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff"))  # noqa: S704


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        a = authn()
        email = form.email.data.strip().lower()
        user_id = a.check_password(email, form.password.data, _ip())
        if user_id is not None:
            nxt = request.args.get("next")
            session.clear()
            if a.needs_second_factor(user_id):
                session.update(pending_uid=user_id, pending_at=int(time.time()), pending_next=nxt)
                return redirect(url_for("auth.code" if a.is_enrolled(user_id) else "auth.enrol_at_login"))
            a.login_succeeded(email)
            _finish_login(user_id)
            session["next"] = nxt
            return _after_login()
        form.password.errors.append(LOGIN_FAILED)
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
@public
def code():
    uid = _pending_uid()
    if uid is None or not authn().is_enrolled(uid):
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if authn().check_code(uid, form.code.data, _ip()):
            _finish_login(uid)
            return _after_login()
        form.code.errors.append(CODE_FAILED)
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("auth/code.html", form=form), status


@bp.route("/login/instellen", methods=["GET", "POST"])
@public
def enrol_at_login():
    uid = _pending_uid()
    if uid is None or authn().is_enrolled(uid):
        return redirect(url_for("auth.login"))
    return _enrol(uid, at_login=True)


def _enrol(uid: int, *, at_login: bool):
    from engine.store.models import User
    from webui.extensions import services

    a = authn()
    secret = a.enrolment_secret(uid)
    with services().db.read() as s:
        email = s.get(User, uid).email
    uri = a.provisioning_uri(secret, email)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = a.confirm_enrolment(uid, form.code.data)
        except InvalidPayload as exc:
            _field_errors(form, exc)
        else:
            if at_login:
                _finish_login(uid)
            flash("De tweede stap staat aan.")
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=_safe_next(session.get("next")) if at_login else url_for("auth.account"))
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("auth/enrol.html", form=form, secret=secret, uri=uri, qr=_qr_svg(uri),
                           at_login=at_login), status


@bp.route("/account")
@login_required
def account():
    a = authn()
    user = g.user
    return render_template(
        "auth/account.html", enrolled=user.totp_enabled_at is not None,
        required=user.role in a.settings.second_factor_roles, codes_left=a.recovery_codes_left(user.id),
        form=PasswordForm(),
    )


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            authn().change_password(g.user.id, form.current.data, form.new.data, keep_token=session.get("sid"))
        except InvalidPayload as exc:
            _field_errors(form, exc)
        else:
            flash("Uw wachtwoord is gewijzigd. U bent op andere apparaten uitgelogd.")
            return redirect(url_for("auth.account"))
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/tweede-stap", methods=["GET", "POST"])
@login_required
def enrol():
    if g.user.totp_enabled_at is not None:
        return redirect(url_for("auth.account"))
    return _enrol(g.user.id, at_login=False)


@bp.route("/account/tweede-stap/uitzetten", methods=["POST"])
@login_required
def disable_second_factor():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            authn().disable_second_factor(g.user.id, form.password.data)
            flash("De tweede stap staat uit.")
        except InvalidPayload as exc:
            flash(next(iter(exc.errors.values())), "error")
    else:
        flash("Vul uw huidige wachtwoord in.", "error")
    return redirect(url_for("auth.account"))


@bp.route("/account/herstelcodes", methods=["POST"])
@login_required
def recovery_codes():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            codes = authn().new_recovery_codes(g.user.id, form.password.data)
        except InvalidPayload as exc:
            flash(next(iter(exc.errors.values())), "error")
        else:
            return render_template("auth/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))
    else:
        flash("Vul uw huidige wachtwoord in.", "error")
    return redirect(url_for("auth.account"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@public
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        base = current_app.config["BASE_URL"].rstrip("/")
        authn().request_reset(form.email.data, lambda token: base + url_for("auth.reset", token=token))
        # The same answer whether or not the account exists.
        flash("Als dit adres bij ons bekend is, krijgt u binnen enkele minuten een mail met een link. "
              "De link is 30 minuten geldig.")
        return redirect(url_for("auth.login"))
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("auth/forgot.html", form=form), status


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@public
def reset(token: str):
    a = authn()
    if not a.reset_token_valid(token):
        return render_template("error.html", title="Link verlopen",
                               message="Deze link is verlopen of al gebruikt. Vraag een nieuwe aan via "
                                       "'Wachtwoord vergeten'."), 404
    form = ResetForm()
    if form.validate_on_submit():
        try:
            a.reset_password(token, form.new.data)
        except InvalidPayload as exc:
            _field_errors(form, exc)
        else:
            session.clear()
            flash("Uw wachtwoord is gewijzigd. Log in met uw nieuwe wachtwoord.")
            return redirect(url_for("auth.login"))
    status = 200 if request.method == "GET" or not form.errors else 400
    return render_template("auth/reset.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    if PostForm().validate_on_submit():
        authn().end_session(session.get("sid"))
        session.clear()
        flash("U bent uitgelogd.")
    return redirect(url_for("auth.login"))
