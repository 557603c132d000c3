"""Shared fixtures: `db` runs each integration test on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

import workflows.models  # noqa: F401 - registers the domain tables on Base.metadata
from engine.clock import FixedClock
from engine.db import Database
from tests import dbs

DB_KINDS = ["sqlite", "postgresql"]

# `smtp_server`: a real SMTP server on loopback for mail tests.
pytest_plugins = ["tests.smtp"]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if dbs.SKIP_PG:
        pytest.skip("PostgreSQL tests skipped: JOBTRAJECT_SKIP_POSTGRES=1")
    url = dbs.create_pg_database()
    db = Database(url)
    db.create_all()
    db.dispose()
    yield url
    dbs.drop_pg_database(url)


@pytest.fixture(params=DB_KINDS)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobtraject.db'}"
        db = Database(url)
        db.create_all()
        db.dispose()
        return url
    url = request.getfixturevalue("pg_url")
    db = Database(url)
    dbs.truncate_all(db)
    db.dispose()
    return url


@pytest.fixture
def db(db_url) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    # Monday 23 November 2026, 09:00 in Amsterdam.
    return FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
