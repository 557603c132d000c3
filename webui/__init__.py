"""Flask web UI: HTTP, forms and templates. No business rules, no commits.

`create_app()` never starts a scheduler: the `jobtraject serve` / `worker` commands decide.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask_wtf import CSRFProtect

from engine.clock import Clock, SystemClock
from engine.identity.authn import Authn, AuthSettings
from engine.jobs.sealing import mail_sealer
from engine.services import Services
from engine.store.db import Database
from workflows.domain.security import SECOND_FACTOR_ROLES
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.catalog import build_registry, payload_checks, read_subjects
from workflows.usecases.privacy import PrivacyServices

csrf = CSRFProtect()


def create_app(config: dict[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from webui.config import from_environment

    app.config.update(from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    db = Database(app.config["DATABASE_URL"], busy_timeout_ms=int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 10_000)),
                  data_key_file=app.config.get("DATA_KEY_FILE"))
    app.extensions["jobtraject"] = Services(
        db=db, registry=build_registry(), clock=clock or SystemClock(), policy=JobAccessPolicy(db),
        payload_checks=payload_checks(), read_subjects=read_subjects(),
    )
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config.get("SESSION_MAX_HOURS", 12))
    app.extensions["jobtraject.authn"] = Authn(db, app.extensions["jobtraject"].clock, auth_settings(app.config),
                                               sealer=mail_sealer(app.config["SECRET_KEY"]))
    from webui.casework.views import upload_limit

    app.before_request(upload_limit)  # before CSRF reads the form (webui/casework/views.py)
    csrf.init_app(app)
    logging.getLogger("waitress").setLevel(logging.INFO)
    # At DEBUG SQLAlchemy logs result rows (personal data): never inherit DEBUG from the root.
    sql_log = logging.getLogger("sqlalchemy.engine")
    if sql_log.level == logging.NOTSET:
        sql_log.setLevel(logging.WARNING)

    from webui import (
        actions,
        admin,
        api,
        auth,
        cases,
        companies,
        dashboard,
        errors,
        filters,
        health,
        html_options,
        ical,
        inbox,
        lists,
        management,
        plans,
        prints,
        privacy,
        security,
        tokens,
        urls,
    )
    from webui.casework import views as casework_views

    _share_reads_per_request(app, db)
    filters.init_app(app)
    html_options.init_app(app)
    urls.init_app(app)  # url_for answered once per link, URL patterns for per-row links
    errors.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    inbox.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(actions.bp)
    app.register_blueprint(companies.bp)
    app.register_blueprint(ical.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(plans.bp)
    app.register_blueprint(prints.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(casework_views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(management.bp)
    lists.init_app(app)  # saved filters and sortable columns on the lists
    api.init_app(app)  # after errors.init_app: it wraps those handlers for /api/ paths
    # `jobtraject restore` erases again whoever was erased after the backup was made.
    app.extensions["jobtraject.erasure_reapply"] = PrivacyServices(app.extensions["jobtraject"]).reapply
    return app


def _share_reads_per_request(app: Flask, db: Database) -> None:
    """One read session per request: the login check, the menu counts and the page's read
    models share one pool checkout and one read transaction (`Database.open_request`)."""

    @app.before_request
    def _open_reads() -> None:
        g.jobtraject_reads = db.open_request()

    @app.teardown_request
    def _close_reads(_exc: BaseException | None) -> None:
        token = g.pop("jobtraject_reads", None)
        if token is not None:
            db.close_request(token)


def auth_settings(config: dict[str, Any]) -> AuthSettings:
    """Session timeouts, throttling and reset validity from the configuration."""
    return AuthSettings(
        idle_timeout=timedelta(minutes=config.get("SESSION_IDLE_MINUTES", 30)),
        absolute_timeout=timedelta(hours=config.get("SESSION_MAX_HOURS", 12)),
        failure_window=timedelta(minutes=config.get("LOGIN_FAILURE_WINDOW_MINUTES", 15)),
        max_account_failures=config.get("LOGIN_MAX_ACCOUNT_FAILURES", 5),
        max_ip_failures=config.get("LOGIN_MAX_IP_FAILURES", 20),
        reset_valid=timedelta(minutes=config.get("PASSWORD_RESET_MINUTES", 30)),
        second_factor_roles=SECOND_FACTOR_ROLES,
    )
