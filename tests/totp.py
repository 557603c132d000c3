"""Second-factor codes for tests: log in as a demo user without a phone.

`code_for(db_url, email)` enrols the user when needed (a TOTP secret written straight into
the database, as the enrolment page would after a correct code) and returns the next code
the server will accept: codes work once, so a second login in the same 30 seconds gets
the next step's code (the server accepts one step of drift), and a third waits.

Flask-client tests get this through `auth.login(email)` (tests/web/conftest.py); browser
tests call it from their login helper: fill in the password, then `code_for(...)`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp
from sqlalchemy import func, select

from engine.authn import TOTP_STEP
from engine.db import Database
from engine.models import User


def enrol(db: Database, email: str, at: datetime | None = None) -> str:
    """Make sure the user has a confirmed TOTP secret; returns it."""
    with db.write() as s:
        user = s.scalars(select(User).where(func.lower(User.email) == email.lower())).one()
        if not user.totp_secret:
            user.totp_secret = pyotp.random_base32(32)
        if user.totp_enabled_at is None:
            user.totp_enabled_at = at or datetime.now(UTC)
        return user.totp_secret


def next_code(db: Database, email: str, now: datetime) -> str | None:
    """The code for the first step within the accepted window not used yet, or None."""
    secret = enrol(db, email, now)
    with db.read() as s:
        last = s.scalar(select(User.totp_last_step).where(func.lower(User.email) == email.lower()))
    step = int(now.timestamp()) // TOTP_STEP
    for candidate in (step - 1, step, step + 1):
        if last is None or candidate > last:
            return pyotp.TOTP(secret).at(candidate * TOTP_STEP)
    return None


def code_for(db_url: str, email: str, at: datetime | None = None) -> str:
    """A code the server accepts now (or at `at`, for a server on a fixed clock)."""
    db = Database(db_url)
    try:
        while True:
            code = next_code(db, email, at or datetime.now(UTC))
            if code is not None or at is not None:
                if code is None:
                    raise RuntimeError("every code of this moment was used; move the server's clock on")
                return code
            time.sleep(TOTP_STEP - time.time() % TOTP_STEP + 0.1)
    finally:
        db.dispose()
