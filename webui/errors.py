"""Error pages a person understands, in Dutch; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from engine.errors import CaseNotFound, DatabaseBusy, NotFound, NotPermitted

log = logging.getLogger(__name__)


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
    def busy(_exc):
        return render_template("error.html", title="Even geduld",
                               message="Het systeem is even druk of niet bereikbaar. Probeer het opnieuw."), 503

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
