"""The `jobtraject` command: migrate, serve, worker, incidents, demo data, users, audit verification."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from engine.audit import verify_all
from engine.clock import ensure_utc
from engine.store.models import Case, Organisation
from webui import create_app


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

    db = _services().db
    upgrade(db.url, data_key_file=str(db.master_key.path))
    click.echo("Database is up to date.")
    # The master key exists from now on (not only at the first candidate), so it can be backed up
    # before anyone's data depends on it.
    existed = db.master_key.path.exists()
    db.master_key.get()
    if not existed:
        click.echo(f"Hoofdsleutel aangemaakt in {db.master_key.path}: maak er nu een reservekopie van, "
                   "apart van de database.")


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

    from engine.jobs.scheduler import build_scheduler, stop_scheduler
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
    import faulthandler
    import signal

    from flask import current_app

    from engine.jobs.scheduler import build_scheduler, stop_scheduler
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

    grace = app.config["WORKER_STOP_GRACE_SECONDS"]

    def _stop(_signum, _frame) -> None:
        sweeps.stop.set()  # the main thread notices and shuts the scheduler down cleanly
        # A sweep stuck past the grace period (a hung socket, a lock) must not keep the process
        # alive: dump every thread's stack to stderr (code locations only, no data) and exit.
        # Whatever it had claimed returns to the others when its lease runs out.
        faulthandler.dump_traceback_later(grace, exit=True)

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID` shows where it is
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
    from engine.jobs import outbox, timers, workers

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
    from engine.errors import NotFound
    from engine.jobs import outbox, timers

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
    summary = load_demo(svc, running_plans=True)  # the bakery's two plans four months in
    click.echo(summary)


@main.command("check")
@click.option("--grace-minutes", default=15.0, show_default=True, type=float,
              help="How long due timers and mail may wait for a sweep before they count as lost.")
def check(grace_minutes: float) -> None:
    """Check that nothing was lost: audit trail, timers, outbox, storage (exit 1 on a problem)."""
    from datetime import timedelta

    from engine.ops.invariants import check_all

    svc = _services()
    report = check_all(svc.db, svc.registry, svc.clock.now(), grace=timedelta(minutes=grace_minutes))
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        click.echo(f"FOUT: {len(report.problems)} probleem/problemen gevonden.")
        sys.exit(1)
    click.echo("OK: niets verloren, niets dubbel.")


@main.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Write a consistent copy of the whole database to PATH (while the system runs)."""
    from engine.ops.backup import BackupError, backup

    try:
        target = backup(_services().db, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Back-up geschreven naar {target}.")


@main.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the whole database by the backup in PATH (stop serve and workers first)."""
    from datetime import timedelta

    from flask import current_app

    from engine.ops.backup import BackupError, restore
    from engine.ops.invariants import check_all

    if not yes:
        click.confirm("Alles in de database wordt vervangen door de back-up. Doorgaan?", abort=True)
    svc = _services()
    try:
        result = restore(svc.db, path, current_app.extensions.get("jobtraject.erasure_reapply"))
    except BackupError as exc:  # one Dutch sentence, no traceback, no English "Error:" prefix
        click.echo(str(exc), err=True)
        sys.exit(1)
    if result.reapplied_erasures:
        svc.db.compact()  # SQLite: the erased text leaves no copy in free pages or the WAL
    click.echo(f"Back-up teruggezet; {result.reapplied_erasures} latere wissing(en) opnieuw toegepast.")
    report = check_all(svc.db, svc.registry, svc.clock.now(), grace=timedelta(days=3650))
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


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


from webui.cli_admin import create_user, organisation  # noqa: E402 - first-run commands in their own module
from webui.cli_invra import invra  # noqa: E402
from webui.cli_people import candidate, keys, token  # noqa: E402 - groups in their own modules
from webui.cli_workflows import workflows  # noqa: E402

main.add_command(workflows)
for _group in (token, candidate, keys, invra, organisation, create_user):
    main.add_command(_group)
