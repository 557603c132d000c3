"""Personal API tokens: created and revoked by their user, sent as `Authorization: Bearer`.

A token is `jt_` plus 256 random bits; only its SHA-256 is stored, with a short prefix to
tell tokens apart on screen. A token acts as its user: the same `Actor` (role and
organisation) the web UI builds, so the API goes through the same use cases and the same
access policy. A revoked token, or any token of a deactivated user, stops working at once.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from engine.clock import Clock, ensure_utc
from engine.errors import DatabaseBusy, InvalidPayload, NotFound
from engine.identity.passwords import token_hash
from engine.spec import Actor
from engine.store.db import Database
from engine.store.models import ApiToken, User

TOKEN_PREFIX = "jt_"
MAX_TOKEN_LENGTH = 100
MAX_TOKENS_PER_USER = 20
MAX_TOKEN_ID = 2**31 - 1
# `last_used_at` is a hint for the user, not an audit record: write it at most this often.
LAST_USED_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class TokenInfo:
    """What a user may see of a token after it was created: never the secret."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewToken:
    """The one moment the secret exists in clear: show it once, then forget it."""

    info: TokenInfo
    secret: str


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=row.id, name=row.name, prefix=row.prefix, created_at=ensure_utc(row.created_at),
        last_used_at=ensure_utc(row.last_used_at) if row.last_used_at else None,
        revoked_at=ensure_utc(row.revoked_at) if row.revoked_at else None,
    )


def create_token(db: Database, clock: Clock, user_id: int, name: str) -> NewToken:
    """A new token for an active user; the secret is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise InvalidPayload({"name": "Geef de sleutel een naam, bijvoorbeeld waar u hem gebruikt."})
    if len(name) > 100 or "\x00" in name:
        raise InvalidPayload({"name": "De naam mag hoogstens 100 tekens lang zijn."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("Deze gebruiker bestaat niet.")
        live = s.scalar(select(func.count()).select_from(ApiToken).where(
            ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)))
        if live >= MAX_TOKENS_PER_USER:
            raise InvalidPayload({"name": f"U heeft al {MAX_TOKENS_PER_USER} sleutels; trek er eerst een in."})
        row = ApiToken(user_id=user_id, name=name, prefix=secret[:10], token_hash=token_hash(secret),
                       created_at=now)
        s.add(row)
        s.flush()
        info = _info(row)
    return NewToken(info=info, secret=secret)


def revoke_token(db: Database, clock: Clock, user_id: int, token_id: int) -> None:
    """The owner revokes one of their tokens; someone else's token is 'not found'."""
    if not 0 < token_id <= MAX_TOKEN_ID:  # PostgreSQL INTEGER: a larger id is not a row, not an error
        raise NotFound("Deze sleutel bestaat niet.")
    with db.write() as s:
        row = s.get(ApiToken, token_id)
        if row is None or row.user_id != user_id:
            raise NotFound("Deze sleutel bestaat niet.")
        if row.revoked_at is None:
            row.revoked_at = clock.now()


def revoke_all(db: Database, clock: Clock, user_id: int) -> int:
    """Stop every token of a user (e.g. when an account is handed over); returns how many."""
    with db.write() as s:
        result = s.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                           .values(revoked_at=clock.now()))
        return int(result.rowcount or 0)


def list_tokens(db: Database, user_id: int) -> list[TokenInfo]:
    """The user's tokens, live ones first, newest first."""
    with db.read() as s:
        rows = s.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                         .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()
        return [_info(r) for r in rows]


def actor_for_token(db: Database, clock: Clock, token: str | None) -> Actor | None:
    """The user a live token belongs to, as an Actor; None for anything else.

    Unknown, malformed, revoked and deactivated-user tokens all give None, so the caller
    answers each the same way (401) and learns nothing about which it was.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX):
        return None
    digest = token_hash(token)
    with db.read() as s:
        row = s.execute(
            select(ApiToken.id, ApiToken.last_used_at, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        ).first()
        if row is None:
            return None
        token_id, last_used, user = row
        if not user.active:
            return None
        actor = Actor(user_id=user.id, role=user.role, organisation_id=user.organisation_id, name=user.name)
    now = clock.now()
    if last_used is None or now - ensure_utc(last_used) >= LAST_USED_RESOLUTION:
        _touch(db, token_id, now)
    return actor


def _touch(db: Database, token_id: int, now: datetime) -> None:
    # A busy database must not refuse a valid token: the hint is simply written next time.
    with contextlib.suppress(DatabaseBusy, OperationalError), db.write() as s:
        s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
