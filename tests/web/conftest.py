"""Flask test client fixtures on a migrated SQLite database with the demo data."""

from __future__ import annotations

import pytest

from engine.clock import FixedClock
from tests.helpers import T0
from webui import create_app
from webui.migrate import upgrade
from workflows.demo import DEMO_PASSWORD, load_demo


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))
    load_demo(app.extensions["jobtraject"])
    yield app
    app.extensions["jobtraject"].db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        import re

        html = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def login(self, email: str, password: str = DEMO_PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": self.csrf()})


@pytest.fixture
def auth(client):
    return Auth(client)
