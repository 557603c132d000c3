"""Where a database keeps its bytes: the files an erasure scan reads, on SQLite and PostgreSQL.

PostgreSQL: every file of the database's own folder (`base/<oid>`: heaps, TOAST, indexes,
free space maps) and the WAL segments written since a moment (after a CHECKPOINT). The
tests run as root on the database's machine, so the files are readable.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from engine.store.db import Database


def sqlite_files(db: Database) -> list[Path]:
    path = Path(db.url.removeprefix("sqlite:///"))
    return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]


def postgres_files(db: Database, since: float) -> list[Path]:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))
        folder = Path(conn.execute(text("SHOW data_directory")).scalar())
        oid = conn.execute(text("SELECT oid FROM pg_database WHERE datname = current_database()")).scalar()
    heap = [p for p in (folder / "base" / str(oid)).iterdir() if p.is_file()]
    wal = [p for p in (folder / "pg_wal").iterdir() if p.is_file() and p.stat().st_mtime >= since - 1]
    return heap + wal


def database_files(db: Database, since: float) -> list[Path]:
    return sqlite_files(db) if db.sqlite else postgres_files(db, since)


def hits(paths: list[Path], needles: list[str]) -> dict[str, int]:
    """How often each needle occurs in the files (as UTF-8 bytes, case as written)."""
    counts = dict.fromkeys(needles, 0)
    for path in paths:
        data = path.read_bytes()
        for n in needles:
            counts[n] += data.count(n.encode())
    return counts


def now() -> float:
    return time.time()
