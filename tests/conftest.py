"""Shared fixtures: `db` runs each integration test on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import workflows.storage.models  # noqa: F401 - registers the domain tables on Base.metadata
from engine.clock import FixedClock
from engine.store.db import Database
from tests import dbs
from tests.demo_dbs import DemoDatabases
from tests.helpers import T0

DB_KINDS = ["sqlite", "postgresql"]

# One master key per test run (and the processes it starts), never the developer's own.
os.environ.setdefault("DATA_KEY_FILE", str(Path(tempfile.mkdtemp(prefix="jobtraject-keys-")) / "data_key"))

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


@pytest.fixture(scope="session")
def sqlite_schema_file(tmp_path_factory) -> Path:
    """An SQLite file with every table, made once per run (after collection, so every test
    module's tables are registered); each test gets its own copy, 10x quicker than create_all."""
    path = tmp_path_factory.mktemp("schema") / "schema.db"
    db = Database(f"sqlite:///{path}")
    db.create_all()
    db.dispose()
    with sqlite3.connect(path) as conn:  # everything into the main file, so one copy holds it all
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture(params=DB_KINDS)
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "jobtraject.db"
        shutil.copyfile(request.getfixturevalue("sqlite_schema_file"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    db = Database(url)
    dbs.truncate_all(db)
    db.dispose()
    return url


@pytest.fixture(params=DB_KINDS)
def empty_db_url(request, tmp_path) -> Iterator[str]:
    """A database without any tables (a new SQLite file, a new PostgreSQL database), for migrations."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    if dbs.SKIP_PG:
        pytest.skip("PostgreSQL tests skipped: JOBTRAJECT_SKIP_POSTGRES=1")
    url = dbs.create_pg_database()
    yield url
    dbs.drop_pg_database_soon(url)


def pytest_sessionfinish(session, exitstatus) -> None:
    dbs.wait_for_drops()


@pytest.fixture(scope="session")
def demo_databases(tmp_path_factory) -> Iterator[DemoDatabases]:
    databases = DemoDatabases(tmp_path_factory.mktemp("demo-sources"))
    yield databases
    databases.close()


def _demo_copy(request, tmp_path, running_plans: bool) -> Iterator[str]:
    if request.param == "postgresql" and dbs.SKIP_PG:
        pytest.skip("PostgreSQL tests skipped: JOBTRAJECT_SKIP_POSTGRES=1")
    url = request.getfixturevalue("demo_databases").copy(request.param, tmp_path, running_plans=running_plans)
    yield url
    if request.param == "postgresql":
        dbs.drop_pg_database_soon(url)


@pytest.fixture(params=DB_KINDS)
def demo_db_url(request, tmp_path) -> Iterator[str]:
    """A migrated database of its own with the demo (`load_demo` as of T0), SQLite and PostgreSQL."""
    yield from _demo_copy(request, tmp_path, running_plans=False)


@pytest.fixture(params=DB_KINDS)
def demo_plans_db_url(request, tmp_path) -> Iterator[str]:
    """The same with the running plans (`load_demo(..., running_plans=True)`, as `jobtraject demo-data`)."""
    yield from _demo_copy(request, tmp_path, running_plans=True)


@pytest.fixture
def db(db_url) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    # Monday 23 November 2026, 09:00 in Amsterdam.
    return FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))


# -- the demo data, built once per run: web and API tests get a fresh copy each ----------------


@pytest.fixture(scope="session")
def demo_db_file(demo_databases) -> Path:
    """A migrated SQLite database with the demo data, built once per run and copied per test."""
    return demo_databases.sqlite_file()


def demo_app(folder: Path, demo_db_file: Path, **config):
    """An app on a fresh copy of the demo database in `folder`, with extra configuration."""
    from webui import create_app

    shutil.copyfile(demo_db_file, folder / "web.db")
    url = f"sqlite:///{folder / 'web.db'}"
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True, **config}, clock=FixedClock(T0))
