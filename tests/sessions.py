"""Log a Flask test client in quickly: a real server-side session, as after password and code.

For tests about something else than logging in (inbox, dashboard, API pages), where the
Argon2 check and the second step would only cost time. Tests of the login itself use
`auth.login(email)` (tests/web/conftest.py), which goes through the forms.
"""

from __future__ import annotations

from sqlalchemy import func, select

from engine.store.models import User
from tests.totp import prepare


def sign_in(client, email: str) -> int:
    """Start a session for the user and put its id in the client's cookie; returns the user id."""
    app = client.application
    with app.extensions["jobtraject"].db.read() as s:
        user_id = s.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
    if user_id is None:
        raise LookupError(f"no user {email}")
    sign_in_id(client, user_id)
    return user_id


def session_token(app, user_id: int) -> str:
    """A live server-side session for the user (enrolled in the second step where required)."""
    with app.extensions["jobtraject"].db.read() as s:
        email = s.scalar(select(User.email).where(User.id == user_id))
    if email is None:
        raise LookupError(f"no user {user_id}")
    prepare(app.extensions["jobtraject"], email)  # JoB/WSP/admin: enrolled in the second step
    return app.extensions["jobtraject.authn"].start_session(user_id)


def sign_in_id(client, user_id: int) -> None:
    """`sign_in` by user id: the cookie holds only the session id, as after a real login."""
    token = session_token(client.application, user_id)
    with client.session_transaction() as session:
        session.clear()
        session["sid"] = token
        session.permanent = True
