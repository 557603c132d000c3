"""Flask web UI: HTTP, forms and templates. No business rules, no commits.

`create_app()` never starts a scheduler: the `jobtraject serve` / `worker` commands decide.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf import CSRFProtect

from engine.clock import Clock, SystemClock
from engine.db import Database
from engine.services import Services
from workflows.access import JobAccessPolicy
from workflows.catalog import build_registry, payload_checks

csrf = CSRFProtect()


def create_app(config: dict[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from webui.config import from_environment

    app.config.update(from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    db = Database(app.config["DATABASE_URL"], busy_timeout_ms=int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 10_000)))
    app.extensions["jobtraject"] = Services(
        db=db, registry=build_registry(), clock=clock or SystemClock(), policy=JobAccessPolicy(db),
        payload_checks=payload_checks(),
    )
    csrf.init_app(app)
    logging.getLogger("waitress").setLevel(logging.INFO)

    from webui import (
        api,
        auth,
        cases,
        companies,
        dashboard,
        errors,
        filters,
        health,
        ical,
        inbox,
        plans,
        tokens,
    )

    filters.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    inbox.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(companies.bp)
    app.register_blueprint(ical.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(plans.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(health.bp)
    api.init_app(app)  # after errors.init_app: it wraps those handlers for /api/ paths
    return app
