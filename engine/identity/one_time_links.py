"""What a one-time link (a password reset, an invitation) does once its token is valid: set the
person's new password and end every session they had, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from engine.errors import InvalidPayload
from engine.identity.passwords import hash_password, password_problem
from engine.store.models import User, UserSession


def password_context(user: User) -> tuple[str, ...]:
    """Words a password may not be built from: the address, its local part and the name."""
    local = user.email.split("@")[0]
    return (user.email, local, user.name, *user.name.split())


def set_password_from_link(s: Session, user: User, password: str, now: datetime) -> None:
    """A new password (checked, hashed) and every session of the account ended.

    Raises InvalidPayload on the field `new` when the password is too weak; the caller marks its
    token used only after this returned, so a refused password leaves the link usable.
    """
    problem = password_problem(password, context=password_context(user))
    if problem:
        raise InvalidPayload({"new": problem})
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.session_epoch = (user.session_epoch or 0) + 1
    s.execute(delete(UserSession).where(UserSession.user_id == user.id))
