"""Databases for the benchmark: a fresh SQLite file or a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import workflows.storage.models  # noqa: F401 - registers the domain tables on Base.metadata
from engine.store.db import Database


def workdir() -> Path:
    """Where SQLite files go: BENCH_DIR, else a temporary directory (on disk, not tmpfs)."""
    base = os.environ.get("BENCH_DIR")
    path = Path(base) if base else Path(tempfile.gettempdir()) / "jobtraject-bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def fresh_database(server_url: str | None, name: str) -> Iterator[str]:
    """An empty database with the schema: a new SQLite file, or a new database on `server_url`."""
    if server_url is None or server_url.startswith("sqlite"):
        path = workdir() / f"{name}-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        db = Database(url)
        db.create_all()
        db.dispose()
        try:
            yield url
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    dbname = f"jt_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    url = make_url(server_url).set(database=dbname).render_as_string(hide_password=False)
    db = Database(url)
    db.create_all()
    db.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        admin.dispose()
