"""Login (password, then a code), logout, the current user; `login_required` guards every page.

The signed cookie holds only a random session id (`sid`); the session itself is a row in
`user_session` (engine.identity.authn), so logging out or changing the password ends it for good.
Between the password and the code the cookie holds `pending_uid`, which grants nothing:
`g.user` stays None until the second step is done.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session, url_for

from engine.identity.authn import Authn
from engine.spec import Actor

bp = Blueprint("auth", __name__)


def authn() -> Authn:
    return current_app.extensions["jobtraject.authn"]


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
    if request.endpoint == "static":
        return
    token = session.get("sid")
    if token is None:
        return
    found = authn().session_user(token)
    if found is None or found.needs_enrolment:
        session.pop("sid", None)
        return
    g.user = found.user


def init_app(app: Flask) -> None:
    from webui.auth import views  # noqa: F401 - registers the routes on bp

    app.before_request(_load_user)

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"current_user": g.get("user"), "session_ends_at": _session_ends_at()}


def _session_ends_at() -> datetime | None:
    """When this session ends if the person does nothing more (shown in the page's footer).

    The session's last request is recorded at most once a minute (authn.session_user), so the
    notice names the earliest moment it can end: now + the idle timeout - one minute.
    """
    if g.get("user") is None:
        return None
    return authn().clock.now() + authn().settings.idle_timeout - timedelta(minutes=1)
