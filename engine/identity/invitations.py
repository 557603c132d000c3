"""Invitations: a new account gets no password from anyone, only a mailed one-time link.

The administrator never sees or types the new user's password: the account is made
without one (nobody can log in to it), and a single-use link, stored as its SHA-256 only
and valid `valid` long, lets the invited person choose it. The mail is queued in the
caller's transaction with the link sealed (engine/jobs/secret_mail.py), like a reset link.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock, ensure_utc
from engine.errors import InvalidPayload
from engine.identity.one_time_links import set_password_from_link
from engine.identity.passwords import token_hash
from engine.jobs.sealing import Sealer
from engine.jobs.secret_mail import SECRET_PLACEHOLDER, queue_secret_mail
from engine.store.admin_models import InvitationToken
from engine.store.db import Database
from engine.store.models import User

log = logging.getLogger("jobtraject.auth")

DEFAULT_VALID = timedelta(days=3)
EXPIRED = "Deze uitnodiging is verlopen of al gebruikt. Vraag de beheerder om een nieuwe."


def queue_invitation(s: Session, sealer: Sealer, *, now: datetime, user: User, link_for: Callable[[str], str],
                     valid: timedelta = DEFAULT_VALID) -> None:
    """A fresh link for `user` (earlier unused links end) and its mail, in the caller's transaction."""
    s.execute(update(InvitationToken).where(InvitationToken.user_id == user.id, InvitationToken.used_at.is_(None))
              .values(used_at=now))
    token = secrets.token_urlsafe(32)
    expires_at = now + valid
    s.add(InvitationToken(user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=expires_at))
    days = max(1, int(valid.total_seconds() // 86400))
    text = (f"Er is een account voor u aangemaakt in jobtraject ({user.email}).\n\n"
            f"Kies uw wachtwoord via deze link (geldig {days} dag(en), één keer te gebruiken):\n"
            f"{SECRET_PLACEHOLDER}\n\nDaarna logt u in met uw e-mailadres en dat wachtwoord. Verwachtte u deze mail "
            "niet? Dan kunt u hem negeren.\n")
    queue_secret_mail(s, sealer, now=now, to_user_id=user.id, to_addr=user.email,
                      subject="Uitnodiging voor jobtraject", body_text=text, secret=link_for(token),
                      expires_at=expires_at)
    log.info("invitation mail queued: user %s", user.id)


def end_invitations(s: Session, user_id: int, now: datetime) -> None:
    """Unused links of a user stop working (deactivation, a new invitation)."""
    s.execute(update(InvitationToken).where(InvitationToken.user_id == user_id, InvitationToken.used_at.is_(None))
              .values(used_at=now))


class Invitations:
    """The invited person's side: is the link good, and choosing the password (once)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _row(self, s: Session, token: str) -> InvitationToken | None:
        if not token or len(token) > 200:
            return None
        row = s.scalars(select(InvitationToken).where(InvitationToken.token_hash == token_hash(token))).first()
        if row is None or row.used_at is not None or ensure_utc(row.expires_at) <= self.clock.now():
            return None
        return row

    def valid(self, token: str) -> bool:
        with self.db.read() as s:
            return self._row(s, token) is not None

    def accept(self, token: str, password: str) -> int:
        """Set the first password with a valid link (used up); returns the user id."""
        now = self.clock.now()
        with self.db.write() as s:
            row = self._row(s, token)
            user = s.get(User, row.user_id) if row is not None else None
            if row is None or user is None or not user.active:
                raise InvalidPayload({"token": EXPIRED})
            set_password_from_link(s, user, password, now)
            row.used_at = now
            log.info("invitation accepted: user %s", user.id)
            return user.id

    def pending(self, user_ids: list[int]) -> set[int]:
        """Which of these users have a link that still works (shown as 'uitgenodigd')."""
        if not user_ids:
            return set()
        with self.db.read() as s:
            rows = s.scalars(select(InvitationToken.user_id).where(
                InvitationToken.user_id.in_(user_ids), InvitationToken.used_at.is_(None),
                InvitationToken.expires_at > self.clock.now()).group_by(InvitationToken.user_id)
                .having(func.count() > 0))
            return set(rows)
