"""`jobtraject token|candidate|keys`: people's API tokens, candidates' AVG rights, the data keys."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from engine.store.models import User


def _services():
    return current_app.extensions["jobtraject"]


@click.group(cls=AppGroup)
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


@click.group(cls=AppGroup)
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


@click.group(cls=AppGroup)
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
