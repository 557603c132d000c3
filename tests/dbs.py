"""Real databases for tests: a fresh SQLite file per test, a throwaway PostgreSQL database per run.

PostgreSQL is required: when it cannot be reached the tests fail loudly. Set
`JOBTRAJECT_SKIP_POSTGRES=1` (documented in docs/testing.md) to skip them on a machine without it.
"""

from __future__ import annotations

import atexit
import os
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.store.db import Base, Database

PG_ADMIN_URL = os.environ.get("JOBTRAJECT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SKIP_PG = os.environ.get("JOBTRAJECT_SKIP_POSTGRES") == "1"


def create_pg_database() -> str:
    """Create `jt_test_<random>` on the test server and return its URL."""
    name = f"jt_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - turn any driver error into a clear failure
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({exc.__class__.__name__}: {exc}). "
            "Start it (see docs/testing.md) or set JOBTRAJECT_SKIP_POSTGRES=1 to skip the PostgreSQL tests."
        )
    finally:
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# Dropping a database makes PostgreSQL checkpoint (1-1.5 s); a test's throwaway database is
# dropped on this thread while the next test runs, and every drop is waited for at exit.
_dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-db")
_drops: list[Future] = []


def drop_pg_database_soon(url: str) -> None:
    _drops.append(_dropper.submit(drop_pg_database, url))


def wait_for_drops() -> None:
    while _drops:
        _drops.pop().result()


atexit.register(wait_for_drops)


def truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
