"""Second-factor codes for tests: log in as a demo user without a phone.

`code_for(db_url, email)` enrols the user when needed (a TOTP secret written straight into
the database, as the enrolment page would after a correct code) and returns the next code
the server will accept: codes work once, so a second login in the same 30 seconds gets
the next step's code (the server accepts one step of drift), and a third waits.

Flask-client tests get this through `auth.login(email)` (tests/web/conftest.py). A browser
test whose server runs in the test process (tests/e2e) logs in like this:

    register_server(app.extensions["jobtraject"])   # once, in the live-server fixture
    ...
    def login(page, email, password=DEMO_PASSWORD):
        prepare_login(email)                 # JoB/WSP/admin: enrolled, so no enrolment page
        ... fill in e-mail and password, click "Inloggen" ...
        browser_second_step(page, email)     # types the code when the app asks for it

A server in another process uses `code_for(db_url, email, at=<its clock's now>)`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import func, select

from engine.identity.authn import TOTP_STEP
from engine.store.db import Database
from engine.store.models import User
from workflows.domain.security import SECOND_FACTOR_ROLES


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


_SERVER: dict[str, object] = {}


def register_server(services) -> None:
    """The services of the app a browser test serves in this process (see the module doc)."""
    _SERVER["services"] = services


def _services(services):
    found = services if services is not None else _SERVER.get("services")
    if found is None:
        raise RuntimeError("no server registered: call tests.totp.register_server(services) in the fixture")
    return found


def prepare_login(email: str, services=None) -> None:
    """`prepare` for the registered server."""
    prepare(_services(services), email)


def code_for_services(services, email: str) -> str:
    """The next code for a server in this process; moves a FixedClock on one step when every
    code of the current moment was used (a fixed clock never gets a new code by itself)."""
    code = next_code(services.db, email, services.clock.now())
    if code is None and hasattr(services.clock, "advance"):
        services.clock.advance(timedelta(seconds=TOTP_STEP))
        code = next_code(services.db, email, services.clock.now())
    if code is None:
        raise RuntimeError("every code of this moment was used")
    return code


def needs_second_factor(services, email: str) -> bool:
    with services.db.read() as s:
        user = s.scalars(select(User).where(func.lower(User.email) == email.lower())).first()
        return user is not None and (user.role in SECOND_FACTOR_ROLES or user.totp_enabled_at is not None)


def prepare(services, email: str) -> None:
    """Enrol a user who must use a second factor, so the login goes straight to the code."""
    if needs_second_factor(services, email):
        enrol(services.db, email, services.clock.now())


def browser_second_step(page, email: str, services=None) -> None:
    """In a Playwright page after the password step: enter the code if the app asks for one."""
    if "/login/code" in page.url:
        page.get_by_label("Code", exact=True).fill(code_for_services(_services(services), email))
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state()


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
