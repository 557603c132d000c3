"""The `jobtraject` command: migrate, serve, worker, incidents, demo data, users, audit verification."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from engine.audit import verify_all
from engine.clock import ensure_utc
from engine.models import Case, Organisation, User
from engine.passwords import hash_password, password_problem
from webui import create_app
from workflows.roles import ROLES_BY_ORG_KIND


def _app(*_args) -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """jobtraject: company trajectories and candidate plans as persisted state machines."""


def _services():
    from flask import current_app

    return current_app.extensions["jobtraject"]


@main.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic)."""
    from webui.migrate import upgrade

    upgrade(_services().db.url)
    click.echo("Database is up to date.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True,
              help="Serve only the web UI; run `jobtraject worker` elsewhere to fire timers and send mail.")
def serve(host: str, port: int, threads: int, no_scheduler: bool) -> None:
    """Serve the web UI with waitress, plus one scheduler thread unless --no-scheduler."""
    from flask import current_app
    from waitress import serve as waitress_serve

    from engine.scheduler import build_scheduler, stop_scheduler
    from webui.scheduling import build_sweeps

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = sweeps = None
    if not no_scheduler:
        sweeps = build_sweeps(app)
        scheduler = build_scheduler(sweeps, interval_seconds=app.config["SCHEDULER_INTERVAL_SECONDS"],
                                    reminder_interval_seconds=app.config["REMINDER_INTERVAL_SECONDS"])
        scheduler.start()
        click.echo(f"scheduler running as {sweeps.worker_id}")
    click.echo(f"jobtraject serving on http://{host}:{port}")
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="jobtraject")
    finally:
        if scheduler is not None and sweeps is not None:
            stop_scheduler(scheduler, sweeps)


@main.command()
@click.option("--once", is_flag=True, help="Run every sweep once and exit (e.g. from cron).")
def worker(once: bool) -> None:
    """Run the scheduler alone: fire due timers, queue reminders and digests, send mail."""
    import signal

    from flask import current_app

    from engine.scheduler import build_scheduler, stop_scheduler
    from webui.scheduling import build_sweeps

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sweeps = build_sweeps(app)
    if once:
        result = sweeps.run_once()
        sweeps.shutdown()
        timers, outbox = result["timers"], result["outbox"]
        reminders = result["reminders"]
        click.echo(
            f"timers: {timers.outcomes if timers else 'fout'}; "
            f"herinneringen: {reminders.mails if reminders else 'fout'} mail(s); "
            f"mail: {outbox.sent if outbox else 'fout'} verstuurd"
        )
        if not (timers and outbox and reminders):
            sys.exit(1)
        return
    scheduler = build_scheduler(sweeps, interval_seconds=app.config["SCHEDULER_INTERVAL_SECONDS"],
                                reminder_interval_seconds=app.config["REMINDER_INTERVAL_SECONDS"])

    def _stop(_signum, _frame) -> None:
        sweeps.stop.set()  # the main thread notices and shuts the scheduler down cleanly

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    scheduler.start()
    click.echo(f"jobtraject worker {sweeps.worker_id} started")
    try:
        while not sweeps.stop.wait(1.0):
            pass
    finally:
        stop_scheduler(scheduler, sweeps)
        click.echo("jobtraject worker stopped")


@main.group(invoke_without_command=True)
@click.pass_context
@with_appcontext
def incidents(ctx: click.Context) -> None:
    """List timers and mails that failed too often (retry with `incidents retry ID`)."""
    if ctx.invoked_subcommand is not None:
        return
    from engine import outbox, timers, workers

    svc = _services()
    now = svc.clock.now()
    with svc.db.read() as s:
        timer_rows = timers.incidents(s)
        mail_rows = outbox.incidents(s)
        beats = workers.heartbeats(s)
    for t in timer_rows:
        click.echo(f"T{t.id}\ttimer '{t.name or t.trigger}' zaak {t.case_id} fase {t.state}, "
                   f"{t.attempts} pogingen: {t.last_error or ''}")
    for m in mail_rows:
        click.echo(f"M{m.id}\tmail aan gebruiker {m.to_user_id or '-'}, {m.attempts} pogingen: {m.last_error or ''}")
    if not timer_rows and not mail_rows:
        click.echo("Geen incidenten.")
    else:
        click.echo(f"{len(timer_rows)} timer- en {len(mail_rows)} mail-incident(en). "
                   "Opnieuw proberen: jobtraject incidents retry ID")
    for b in beats:
        ago = int((now - ensure_utc(b.beat_at)).total_seconds())
        click.echo(f"worker {b.worker_id}: laatst gezien {ago} s geleden")


@incidents.command("retry")
@click.argument("incident_id")
def incidents_retry(incident_id: str) -> None:
    """Try an incident again with a fresh set of attempts (ID as listed: T12 or M5)."""
    from engine import outbox, timers
    from engine.errors import NotFound

    svc = _services()
    ref = incident_id.strip().upper()
    if len(ref) < 2 or ref[0] not in "TM" or not ref[1:].isdigit():
        raise click.ClickException("Gebruik het nummer uit `jobtraject incidents`, bijvoorbeeld T12 of M5.")
    try:
        if ref[0] == "T":
            timers.retry_incident(svc.db, int(ref[1:]), svc.clock.now())
        else:
            outbox.retry_incident(svc.db, int(ref[1:]), svc.clock.now())
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{ref} wordt opnieuw geprobeerd bij de volgende ronde van de scheduler.")


@main.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no organisations yet.")
def demo_data(if_empty: bool) -> None:
    """Load demo organisations, users and cases."""
    from workflows.demo import load_demo

    svc = _services()
    with svc.db.read() as s:
        existing = s.scalar(select(func.count()).select_from(Organisation))
    if if_empty and existing:
        click.echo("Database already has data; demo data not loaded.")
        return
    summary = load_demo(svc)
    click.echo(summary)


@main.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["job", "wsp", "opdrachtgever", "harrie", "admin"]))
@click.option("--organisation", "organisation", required=True, help="Organisation name (must exist).")
@click.option("--name", default=None)
def create_user(email: str, role: str, organisation: str, name: str | None) -> None:
    """Create a user; password from JOBTRAJECT_PASSWORD, else prompted."""
    password = os.environ.get("JOBTRAJECT_PASSWORD") or click.prompt(
        "Wachtwoord", hide_input=True, confirmation_prompt=True
    )
    problem = password_problem(password, context=(email, email.split("@")[0], *(name or "").split()))
    if problem:
        raise click.ClickException(problem)
    svc = _services()
    from engine.clock import SystemClock

    with svc.db.write() as s:
        org = s.scalars(select(Organisation).where(Organisation.name == organisation)).first()
        if org is None:
            raise click.ClickException(f"Organisatie '{organisation}' bestaat niet.")
        if role not in ROLES_BY_ORG_KIND.get(org.kind, ()):
            raise click.ClickException(f"Rol '{role}' past niet bij een organisatie van soort '{org.kind}'.")
        if s.scalar(select(func.count()).select_from(User).where(func.lower(User.email) == email.lower())):
            raise click.ClickException("Er bestaat al een gebruiker met dit e-mailadres.")
        s.add(User(email=email.lower(), name=name or email.split("@")[0], role=role, organisation_id=org.id,
                   password_hash=hash_password(password), active=True, is_coordinator=False,
                   notify="digest", session_epoch=0, created_at=SystemClock().now()))
    click.echo(f"Gebruiker {email} aangemaakt.")


@main.command("reset-second-factor")
@click.argument("email")
def reset_second_factor(email: str) -> None:
    """Remove a user's second step (lost phone and recovery codes); they enrol again at login."""
    from flask import current_app

    from engine.errors import NotFound

    try:
        current_app.extensions["jobtraject.authn"].reset_second_factor(email)
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"De tweede stap van {email} is verwijderd; bij de volgende login stelt deze gebruiker hem opnieuw in.")


@main.group()
def audit() -> None:
    """Audit trail tools."""


@audit.command("verify")
def audit_verify() -> None:
    """Check hash chains, gap-free sequences, current states and audited transitions."""
    svc = _services()
    with svc.db.read() as s:
        checked, problems = verify_all(s, svc.registry)
        total = s.scalar(select(func.count()).select_from(Case))
    for p in problems:
        click.echo(f"case {p.case_id}: {p.problem}")
    if problems:
        bad = sorted({p.case_id for p in problems})
        click.echo(f"FAILED: {len(bad)} of {checked} cases have problems: {', '.join(map(str, bad))}")
        sys.exit(1)
    click.echo(f"OK: {checked} of {total} cases verified, no problems.")


@main.group()
def candidate() -> None:
    """AVG rights of candidates: export, erasure on request, erasure after the retention period."""


def _privacy():
    from workflows.privacy import PrivacyServices

    return PrivacyServices(_services())


@candidate.command("export")
@click.argument("candidate_id", type=int)
def candidate_export(candidate_id: int) -> None:
    """Print everything stored about one candidate as JSON (right of access)."""
    import json

    from engine.errors import NotFound
    from engine.spec import SYSTEM_ACTOR

    try:
        data = _privacy().export(SYSTEM_ACTOR, candidate_id)
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))


@candidate.command("erase")
@click.argument("candidate_id", type=int)
@click.option("--even-if-running", is_flag=True, help="Also while a plan of the candidate is still running.")
def candidate_erase(candidate_id: int, even_if_running: bool) -> None:
    """Replace one candidate's personal data by a pseudonym everywhere (erasure on request)."""
    from engine.errors import EngineError
    from engine.spec import SYSTEM_ACTOR

    try:
        result = _privacy().erase(SYSTEM_ACTOR, candidate_id, allow_running=even_if_running)
    except EngineError as exc:
        message = "; ".join(getattr(exc, "errors", {}).values()) or exc.message
        raise click.ClickException(message) from exc
    click.echo(f"Kandidaat {candidate_id} gewist: nu '{result.pseudonym}' ({result.plans} plan(nen), "
               f"{result.audit_entries} auditregel(s) geschoond, {result.mails} mail(s) aangepast).")


@candidate.command("erase-expired")
def candidate_erase_expired() -> None:
    """Erase every candidate whose last plan ended more than RETENTION_YEARS ago."""
    from flask import current_app

    from webui.scheduling import erase_expired

    years = int(current_app.config.get("RETENTION_YEARS", 2))
    done = erase_expired(current_app)
    click.echo(f"{done} kandidaat/kandidaten gewist na de bewaartermijn van {years} jaar.")
