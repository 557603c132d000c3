"""Build the engine's sweeps from the app's configuration (for `serve` and `worker`).

Only the commands call this; `create_app()` never starts a scheduler.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from engine.jobs.outbox import OutboxSettings, OutboxSweep, SmtpSettings
from engine.jobs.reminders import CaseLabeler, ReminderSettings, ReminderSweep
from engine.jobs.scheduler import Sweeps
from engine.jobs.sealing import mail_sealer
from engine.jobs.timers import TimerSettings, TimerSweep
from engine.jobs.workers import make_worker_id
from engine.services import Services


def smtp_settings(app: Flask) -> SmtpSettings:
    c = app.config
    return SmtpSettings(
        host=c["SMTP_HOST"], port=int(c["SMTP_PORT"]), username=c.get("SMTP_USER"),
        password=c.get("SMTP_PASSWORD"), starttls=bool(c.get("SMTP_STARTTLS")), ssl=bool(c.get("SMTP_SSL")),
        timeout=float(c.get("SMTP_TIMEOUT", 30)), mail_from=c["MAIL_FROM"],
    )


def reminder_settings(app: Flask) -> ReminderSettings:
    c = app.config
    return ReminderSettings(
        base_url=c["BASE_URL"], case_path="/zaken/{id}", settings_path="/meldingen",
        escalation_working_days=int(c.get("ESCALATION_WORKING_DAYS", 3)), digest_hour=int(c.get("DIGEST_HOUR", 7)),
    )


def case_label(app: Flask) -> CaseLabeler | None:
    """The domain's hook naming a case in mails (at most the candidate's first name), if any."""
    return app.extensions.get("jobtraject.case_label")


def build_sweeps(app: Flask) -> Sweeps:
    svc: Services = app.extensions["jobtraject"]
    c = app.config
    worker_id = make_worker_id()
    timers = TimerSweep(
        svc.db, svc.registry, svc.clock,
        TimerSettings(lease=timedelta(seconds=float(c.get("TIMER_LEASE_SECONDS", 120))),
                      max_attempts=int(c.get("TIMER_MAX_ATTEMPTS", 5))),
        worker_id=f"timers@{worker_id}",
    )
    outbox = OutboxSweep(
        svc.db, svc.clock, smtp_settings(app),
        OutboxSettings(lease=timedelta(seconds=float(c.get("MAIL_LEASE_SECONDS", 300))),
                       max_attempts=int(c.get("MAIL_MAX_ATTEMPTS", 8))),
        worker_id=f"outbox@{worker_id}", sealer=mail_sealer(c["SECRET_KEY"]),
    )
    reminders = ReminderSweep(svc.db, svc.clock, svc.policy, reminder_settings(app), case_label(app))
    return Sweeps(db=svc.db, clock=svc.clock, timers=timers, outbox=outbox, reminders=reminders,
                  worker_id=worker_id, daily={"retention": lambda: erase_expired(app)})


def erase_expired(app: Flask) -> int:
    """Erase candidates past the retention period (RETENTION_YEARS after their last plan)."""
    from engine.spec import SYSTEM_ACTOR
    from workflows.usecases.privacy import PrivacyServices

    years = int(app.config.get("RETENTION_YEARS", 2))
    done = PrivacyServices(app.extensions["jobtraject"]).erase_expired(
        SYSTEM_ACTOR, timedelta(days=365 * years + years // 4))
    return len(done)
