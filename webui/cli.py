"""The `jobtraject` command: migrate, serve, worker, incidents, demo data, users, audit verification."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from engine.audit import verify_all
from engine.clock import ensure_utc
from engine.store.models import Case, Organisation, User
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


@main.group()
def token() -> None:
    """Personal API tokens (the API acts as the token's user)."""


def _user_by_email(email: str) -> User:
    svc = _services()
    with svc.db.read() as s:
        user = s.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"Er is geen gebruiker met e-mailadres {email}.")
    if not user.active:
        raise click.ClickException(f"Gebruiker {email} is gedeactiveerd.")
    return user


@token.command("create")
@click.option("--user", "email", required=True, help="E-mail address of the user the token acts as.")
@click.option("--name", default="command line", show_default=True, help="A name to tell tokens apart.")
def token_create(email: str, name: str) -> None:
    """Create a token and print it once (only its SHA-256 is stored)."""
    from engine.errors import EngineError
    from engine.identity import tokens

    svc = _services()
    user = _user_by_email(email)
    try:
        new = tokens.create_token(svc.db, svc.clock, user.id, name)
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Sleutel {new.info.id} ({new.info.name}) voor {user.email}; wordt maar één keer getoond:", err=True)
    click.echo(new.secret)


@token.command("list")
@click.option("--user", "email", required=True)
def token_list(email: str) -> None:
    """List a user's tokens (id, prefix, name, state); never the secrets."""
    from engine.identity import tokens

    user = _user_by_email(email)
    items = tokens.list_tokens(_services().db, user.id)
    for t in items:
        state = "actief" if t.active else f"ingetrokken {t.revoked_at:%Y-%m-%d %H:%M}"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "nooit"
        click.echo(f"{t.id}\t{t.prefix}…\t{t.name}\t{state}\tlaatst gebruikt: {used}")
    if not items:
        click.echo("Geen sleutels.")


@token.command("revoke")
@click.argument("token_id", type=int)
@click.option("--user", "email", required=True)
def token_revoke(token_id: int, email: str) -> None:
    """Revoke one of a user's tokens; it stops working at once."""
    from engine.errors import NotFound
    from engine.identity import tokens

    svc = _services()
    user = _user_by_email(email)
    try:
        tokens.revoke_token(svc.db, svc.clock, user.id, token_id)
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Sleutel {token_id} is ingetrokken.")


@main.group()
def candidate() -> None:
    """AVG rights of candidates: export, erasure on request, erasure after the retention period."""


def _privacy():
    from workflows.usecases.privacy import PrivacyServices

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


@main.group()
def keys() -> None:
    """The master key that wraps the candidates' data keys (DATA_KEY_FILE)."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every data key under a new master key, while the system runs (one transaction)."""
    from engine.ops.key_rotation import rotate
    from workflows.storage.models import Candidate

    svc = _services()
    count = rotate(svc.db, svc.clock.now(), subjects=Candidate)
    click.echo(f"{count} datasleutel(s) opnieuw verpakt met een nieuwe hoofdsleutel in {svc.db.master_key.path}. "
               "Maak nu een nieuwe reservekopie van dat bestand, apart van de database.")


from webui.cli_admin import create_user, organisation  # noqa: E402 - first-run commands in their own module
from webui.cli_workflows import workflows  # noqa: E402 - the `workflows` group lives in its own module

main.add_command(workflows)
main.add_command(organisation)
main.add_command(create_user)
