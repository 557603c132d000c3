"""Login, logout and the current user; `login_required` guards every other page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from engine.models import User
from engine.passwords import verify_password
from engine.spec import Actor
from webui.extensions import services

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in."), Length(max=254)])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in."), Length(max=1000)])


def current_actor() -> Actor:
    user = g.user
    return Actor(user_id=user.id, role=user.role, organisation_id=user.organisation_id, name=user.name)


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    wrapped.login_required = True  # type: ignore[attr-defined]
    wrapped.access_rule = getattr(view, "access_rule", "login")  # type: ignore[attr-defined]
    return wrapped


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Declares a view open without login (login page, secret-token feeds); see the route inventory."""
    view.access_rule = "public"  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        wrapped.access_rule = "roles:" + ",".join(roles)  # type: ignore[attr-defined]
        return login_required(wrapped)

    return deco


def _load_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    with services().db.read() as s:
        user = s.get(User, uid)
        if user is None or not user.active or user.session_epoch != session.get("epoch"):
            session.clear()
            return
        s.expunge(user)
    g.user = user


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        with services().db.read() as s:
            user = s.scalars(select(User).where(func.lower(User.email) == email)).first()
        stored = user.password_hash if user is not None and user.active else None
        if verify_password(stored, form.password.data):
            session.clear()
            session["uid"] = user.id
            session["epoch"] = user.session_epoch
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Onbekende combinatie van e-mailadres en wachtwoord.")
    return render_template("login.html", form=form), (200 if request.method == "GET" or not form.errors else 400)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    session.clear()
    flash("U bent uitgelogd.")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    app.before_request(_load_user)

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"current_user": g.get("user")}
