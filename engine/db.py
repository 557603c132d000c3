"""Database access: engines with the right SQLite pragmas and transaction scopes.

No import-time globals: the application builds one `Database` from its configuration.
On SQLite every write transaction starts with `BEGIN IMMEDIATE` (a deferred transaction
that reads and then writes fails at once with SQLITE_BUSY, whatever the busy timeout);
read-only scopes keep a deferred `BEGIN` so readers never queue behind writers in WAL mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from engine.errors import DatabaseBusy

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Base(DeclarativeBase):
    pass


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite with WAL, foreign keys, busy timeout and explicit BEGIN.

    `hide_parameters`: SQL parameters are personal data; they never go into log lines or
    error messages, whatever the log level.
    """
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - driver hook
            # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is lazy).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:  # pragma: no cover - driver hook
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


# PostgreSQL aborted the transaction to break a deadlock, a serialization conflict or a lock wait.
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


def is_busy_error(exc: BaseException) -> bool:
    """A lock timeout, a broken deadlock or a lost connection: the caller may simply try again."""
    if isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
        busy = ("database is locked", "database table is locked", "busy", "could not connect",
                "connection", "server closed", "terminating connection", "timeout")
        return any(b in text for b in busy)
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class Database:
    """One per process: an engine and the two kinds of transaction scope."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sqlite = is_sqlite(url)
        write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.sqlite else self.engine
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False, autoflush=False)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error. The only committer."""
        session = self._write()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if is_busy_error(exc):
                raise DatabaseBusy() from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only scope; never commits, always rolls back."""
        session = self._read()
        try:
            yield session
        except OperationalError as exc:
            if is_busy_error(exc):
                raise DatabaseBusy() from exc
            raise
        finally:
            # close() ends the transaction without expiring loaded rows (rollback would).
            session.close()

    def compact(self) -> None:
        """SQLite: rewrite the file and empty the WAL, so deleted or overwritten text leaves
        no copy in free pages (with `secure_delete` on). PostgreSQL: nothing (VACUUM there
        does not rewrite pages in place; see the README on residual risk)."""
        if not self.sqlite:
            return
        raw = self.engine.raw_connection()  # outside SQLAlchemy's BEGIN: VACUUM needs autocommit
        try:
            conn = raw.driver_connection
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()

    def create_all(self) -> None:
        """For tests and the benchmark; real databases are migrated with Alembic."""
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
