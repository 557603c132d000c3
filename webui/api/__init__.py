"""The versioned JSON API under `/api/v1`, for scripts and other systems.

Token-authenticated (`Authorization: Bearer <token>`), exempt from CSRF because it never
accepts the browser's session cookie. Every endpoint calls the same use cases as the web UI
with an `Actor` built from the token's user, so roles, organisations and workflow rules are
enforced in one place. See `openapi.py` for the document and `schemas.py` for validation.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Register the blueprint; call after the app-wide error handlers are registered."""
    from webui import csrf
    from webui.api import (  # noqa: F401 - they register the routes on bp
        actions,
        admin,
        casework,
        coordination,
        errors,
        money,
        prints,
        register,
        views,
    )

    csrf.exempt(bp)
    errors.register(app)
    app.register_blueprint(bp)
