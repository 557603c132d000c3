"""Flask test client fixtures on a migrated SQLite database with the demo data."""

from __future__ import annotations

import pytest

from tests.conftest import demo_app
from tests.totp import code_for_services, prepare
from workflows.demo import DEMO_PASSWORD


@pytest.fixture
def app(tmp_path, demo_db_file):
    """The real app on a fresh copy of the demo database (tests/conftest.py), fixed clock."""
    app = demo_app(tmp_path, demo_db_file)
    yield app
    app.extensions["jobtraject"].db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    """Logs a Flask test client in, second step included (see tests/totp.py)."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        import re

        html = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def password_step(self, email: str, password: str = DEMO_PASSWORD, next: str | None = None):
        url = "/login" + (f"?next={next}" if next else "")
        return self.client.post(url, data={"email": email, "password": password, "csrf_token": self.csrf()})

    def code(self, email: str) -> str:
        """The next TOTP code the app accepts at its clock's now (enrols the user if needed)."""
        return code_for_services(self.client.application.extensions["jobtraject"], email)

    def login(self, email: str, password: str = DEMO_PASSWORD, next: str | None = None):
        """Password, then (when the account has or needs a second factor) the code."""
        prepare(self.client.application.extensions["jobtraject"], email)
        r = self.password_step(email, password, next)
        if r.status_code == 302 and r.headers["Location"].endswith("/login/code"):
            r = self.client.post("/login/code", data={"code": self.code(email),
                                                      "csrf_token": self.csrf("/login/code")})
        return r


@pytest.fixture
def auth(client):
    return Auth(client)
