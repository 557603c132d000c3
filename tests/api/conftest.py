"""API fixtures: a migrated SQLite database with the demo data (built once per session and
copied per test), the Flask app on it, and real tokens for demo users."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from engine.clock import FixedClock
from engine.identity import tokens
from engine.store.models import AuditEntry, Case, Organisation, User
from tests.conftest import demo_app
from tests.helpers import T0
from webui import create_app


def make_app(url: str):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True}, clock=FixedClock(T0))


@pytest.fixture
def both_app(demo_db_url):
    """The demo on a database of its own, on SQLite and on PostgreSQL (tests/conftest.py)."""
    app = make_app(demo_db_url)
    yield app
    app.extensions["jobtraject"].db.dispose()


@pytest.fixture
def app(demo_db_file, tmp_path):
    """The real app on a fresh copy of the demo database (tests/conftest.py), fixed clock."""
    app = demo_app(tmp_path, demo_db_file)
    yield app
    app.extensions["jobtraject"].db.dispose()


@pytest.fixture
def svc(app):
    return app.extensions["jobtraject"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def user_id(svc) -> Callable[[str], int]:
    def lookup(email: str) -> int:
        with svc.db.read() as s:
            return s.scalar(select(User.id).where(User.email == email))

    return lookup


@pytest.fixture
def org_id(svc) -> Callable[[str], int]:
    def lookup(name: str) -> int:
        with svc.db.read() as s:
            return s.scalar(select(Organisation.id).where(Organisation.name == name))

    return lookup


@pytest.fixture
def token(svc, user_id) -> Callable[[str], str]:
    """A fresh, real token for a demo user (as the page and the CLI make them)."""

    def make(email: str) -> str:
        return tokens.create_token(svc.db, svc.clock, user_id(email), "test").secret

    return make


@pytest.fixture
def bearer(token) -> Callable[[str], dict[str, str]]:
    def headers(email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(email)}"}

    return headers


def audit_count(svc) -> int:
    with svc.db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def case_of(svc, organisation_id: int, workflow: str = "company_trajectory") -> int:
    """The (first) case of an organisation."""
    with svc.db.read() as s:
        return s.scalar(select(Case.id).where(Case.organisation_id == organisation_id, Case.workflow == workflow)
                        .order_by(Case.id))


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]
