"""`jobtraject organisation create|list` and `create-user`: what a fresh install needs first.

On an empty database (no demo data) an administrator creates JoB's own organisation, the
WSP regions and the first admin account from the command line; everything after that can
be done in the web UI (/beheer). Each change is written to the administration history with
"Opdrachtregel (beheerder)" as who, and the --reason given.
"""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.errors import InvalidPayload, NotFound
from engine.spec import SYSTEM_ACTOR
from workflows.domain.roles import ORG_KINDS
from workflows.usecases.administration import USER_ROLES, Administration

FIRST_RUN = "Eerste inrichting via de opdrachtregel"


def _admin() -> Administration:
    return Administration(current_app.extensions["jobtraject"])


OPTION_NAMES = {"name": "NAAM", "kind": "--kind", "wsp_organisation_id": "--wsp", "employees": "--employees",
                "reason": "--reason", "email": "E-MAIL", "role": "--role", "organisation_id": "--organisation",
                "is_coordinator": "--coordinator", "password": "wachtwoord"}


def _fail(exc: InvalidPayload) -> click.ClickException:
    """Each Dutch message with the argument or option it is about."""
    return click.ClickException(" ".join(f"{OPTION_NAMES.get(k, k)}: {m}" for k, m in exc.errors.items()))


@click.group()
def organisation() -> None:
    """Organisations: JoB itself, WSP regions and employers."""


@organisation.command("create")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(sorted(ORG_KINDS)),
              help="job: JoB itself; wsp: a WSP region; employer: an employer (needs --wsp).")
@click.option("--wsp", "wsp_name", default=None, help="Name of the WSP region an employer belongs to.")
@click.option("--employees", type=int, default=None, help="Number of employees (employers only).")
@click.option("--reason", default=FIRST_RUN, show_default=True, help="Why, for the administration history.")
@with_appcontext
def organisation_create(name: str, kind: str, wsp_name: str | None, employees: int | None, reason: str) -> None:
    """Create an organisation (names are unique, case-insensitive)."""
    admin = _admin()
    wsp_id = None
    if wsp_name is not None:
        wsp = admin.find_organisation(wsp_name)
        if wsp is None:
            raise click.ClickException(f"WSP-regio '{wsp_name}' bestaat niet.")
        wsp_id = wsp.id
    try:
        org_id = admin.create_organisation(SYSTEM_ACTOR, name=name, kind=kind, wsp_organisation_id=wsp_id,
                                           employees=employees, reason=reason)
    except InvalidPayload as exc:
        raise _fail(exc) from exc
    click.echo(f"Organisatie {org_id} '{name}' ({ORG_KINDS[kind]}) aangemaakt.")


@organisation.command("list")
@with_appcontext
def organisation_list() -> None:
    """List organisations: id, kind, name, WSP region, employees, number of users."""
    rows = _admin().organisations(SYSTEM_ACTOR)
    for o in rows:
        extra = "".join([f"\tregio: {o.region}" if o.region else "",
                         f"\tmedewerkers: {o.employees}" if o.employees is not None else ""])
        click.echo(f"{o.id}\t{o.kind_label}\t{o.name}\tgebruikers: {o.users}{extra}")
    if not rows:
        click.echo("Nog geen organisaties. Begin met: jobtraject organisation create NAAM --kind job")


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(sorted(USER_ROLES)))
@click.option("--organisation", "organisation_name", required=True, help="Organisation name (must exist).")
@click.option("--name", default=None)
@click.option("--coordinator", is_flag=True, help="A JoB coordinator (role job only).")
@click.option("--reason", default=FIRST_RUN, show_default=True, help="Why, for the administration history.")
@with_appcontext
def create_user(email: str, role: str, organisation_name: str, name: str | None, coordinator: bool,
                reason: str) -> None:
    """Create a user; password from JOBTRAJECT_PASSWORD, else prompted."""
    admin = _admin()
    org = admin.find_organisation(organisation_name)
    if org is None:
        raise click.ClickException(f"Organisatie '{organisation_name}' bestaat niet. Maak hem eerst aan met "
                                   f"`jobtraject organisation create`.")
    password = os.environ.get("JOBTRAJECT_PASSWORD") or click.prompt(
        "Wachtwoord", hide_input=True, confirmation_prompt=True)
    try:
        admin.create_user(SYSTEM_ACTOR, password=password, email=email, name=name or email.split("@")[0],
                          role=role, organisation_id=org.id, is_coordinator=coordinator, reason=reason)
    except InvalidPayload as exc:
        raise _fail(exc) from exc
    except NotFound as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Gebruiker {email} aangemaakt.")
