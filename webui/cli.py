"""The `jobtraject` command: migrate, serve, demo data, users, audit verification."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy import func, select

from engine.audit import verify_all
from engine.models import Case, Organisation, User
from engine.passwords import hash_password
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
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web UI with waitress (production-grade WSGI server)."""
    from flask import current_app
    from waitress import serve as waitress_serve

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"jobtraject serving on http://{host}:{port}")
    waitress_serve(app, host=host, port=port, threads=threads, ident="jobtraject")


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
    if len(password) < 12:
        raise click.ClickException("Het wachtwoord moet minstens 12 tekens lang zijn.")
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
