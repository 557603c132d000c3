"""Error pages a person understands, in Dutch; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError

from engine.errors import CaseNotFound, DatabaseBusy, NotFound, NotPermitted
from engine.store.db import classify_error

log = logging.getLogger(__name__)


def _unavailable(message: str):
    """503 with a Dutch "try again" page; a load balancer or browser may retry after a while."""
    try:
        body = render_template("error.html", title="Even geduld", message=message)
    except Exception:  # noqa: BLE001 - the page itself needs the database (current user, flashes)
        body = (f"<!doctype html><html lang=\"nl\"><title>Even geduld</title><h1>Even geduld</h1>"
                f"<p>{escape(message)}</p></html>")
    return body, 503, {"Retry-After": "5"}


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    @app.errorhandler(CaseNotFound)
    @app.errorhandler(NotFound)
    def not_found(_exc):
        return render_template("error.html", title="Niet gevonden",
                               message="Deze pagina bestaat niet of u heeft er geen toegang toe."), 404

    @app.errorhandler(NotPermitted)
    @app.errorhandler(403)
    def forbidden(_exc):
        return render_template("error.html", title="Geen toegang",
                               message="U heeft geen toegang tot deze actie."), 403

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render_template("error.html", title="Formulier verlopen",
                               message="Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens."), 400

    @app.errorhandler(DatabaseBusy)
    def busy(exc: DatabaseBusy):
        # Includes DatabaseUnavailable (down, restarting, full, read-only): nothing was written.
        log.warning("database unavailable (%s); answered 503", exc.details.get("reason", "busy"))
        return _unavailable(exc.message)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        """A driver error outside a service's transaction scope (e.g. while rendering)."""
        mapped = classify_error(exc)
        if mapped is not None:
            log.warning("database unavailable (%s) outside a transaction scope; answered 503",
                        mapped.details.get("reason", "busy"))
            return _unavailable(mapped.message)
        log.error("unhandled database error: %s", exc.__class__.__name__)
        return render_template("error.html", title="Er ging iets mis",
                               message="Er ging iets mis. Er is niets half opgeslagen; probeer het opnieuw."), 500

    @app.errorhandler(405)
    def method_not_allowed(_exc):
        return render_template("error.html", title="Niet toegestaan",
                               message="Deze actie kan zo niet worden uitgevoerd."), 405

    @app.errorhandler(413)
    def too_large(_exc):
        return render_template("error.html", title="Te groot",
                               message="De verzonden gegevens zijn te groot."), 413

    @app.errorhandler(500)
    def server_error(exc):
        log.error("unhandled error: %s", exc.__class__.__name__)
        return render_template("error.html", title="Er ging iets mis",
                               message="Er ging iets mis. Er is niets half opgeslagen; probeer het opnieuw."), 500
