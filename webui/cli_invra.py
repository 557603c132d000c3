"""`jobtraject invra load-labels FILE --name NAME`: an administrator loads the licensed INVRA labels.

INVRA-Arbeid's item texts are licensed, so jobtraject ships only the numbers 01-38 and the
three categories; until an organisation loads its own labels the pages say so and point here.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from engine.errors import EngineError, InvalidPayload
from engine.spec import Actor
from engine.store.models import User
from workflows.domain.roles import ADMIN
from workflows.usecases.plan_services import PlanServices


@click.group()
def invra() -> None:
    """INVRA-Arbeid: the organisation's licensed competence labels."""


def _admin(email: str | None) -> Actor:
    svc = current_app.extensions["jobtraject"]
    with svc.db.read() as s:
        stmt = select(User).where(User.role == ADMIN, User.active.is_(True))
        admins = list(s.scalars(stmt.where(User.email == email.strip().lower()) if email else stmt.order_by(User.id)))
    if not admins:
        raise click.ClickException(f"Er is geen actieve beheerder{f' met e-mailadres {email}' if email else ''}.")
    if len(admins) > 1 and not email:
        raise click.ClickException("Er zijn meerdere beheerders: kies er een met --admin E-MAILADRES.")
    a = admins[0]
    return Actor(user_id=a.id, role=a.role, organisation_id=a.organisation_id, name=a.name)


@invra.command("load-labels")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help='The label set\'s name, e.g. "INVRA 2026 (licentie JoB)".')
@click.option("--admin", "email", default=None, help="The administrator who loads them (when there are several).")
@with_appcontext
def load_labels(file: Path, name: str, email: str | None) -> None:
    """Load FILE ('01;label' per line, '#' comments) as the active labels; replaces the old set."""
    svc = current_app.extensions["jobtraject"]
    text = file.read_text(encoding="utf-8-sig")
    try:
        set_id = PlanServices(svc).load_invra_labels(_admin(email), name=name, text=text)
    except InvalidPayload as exc:
        raise click.ClickException("; ".join(exc.errors.values()) or exc.message) from exc
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    loaded = sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))
    click.echo(f"INVRA-omschrijvingen '{name}' geladen ({loaded} regels, set {set_id}).")
