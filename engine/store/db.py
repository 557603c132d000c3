"""Database access: engines with the right SQLite pragmas and transaction scopes.

No import-time globals: the application builds one `Database` from its configuration.
On SQLite every write transaction starts with `BEGIN IMMEDIATE` (a deferred transaction
that reads and then writes fails at once with SQLITE_BUSY, whatever the busy timeout);
read-only scopes keep a deferred `BEGIN` so readers never queue behind writers in WAL mode.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar, Token
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from engine.errors import DatabaseBusy, DatabaseUnavailable
from engine.private_files import private_sqlite
from engine.store import crypto

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Base(DeclarativeBase):
    pass


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite with WAL, foreign keys, busy timeout and explicit BEGIN.

    On PostgreSQL `pool_pre_ping` tests each pooled connection before use, so after a server
    restart the application reconnects by itself instead of failing once per stale connection.
    `hide_parameters`: SQL parameters are personal data; they never go into log lines or
    error messages, whatever the log level.
    """
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            private_sqlite(path)  # 0600 before SQLite creates it (and its -wal/-shm alike)
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("timeout", busy_timeout_ms / 1000)
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
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:  # pragma: no cover - driver hook
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            # Straight to the driver: once per transaction, SQLAlchemy's statement path cost more.
            # A driver error raised here bypasses SQLAlchemy's wrapping: wrap it the same way,
            # so a lock timeout is classified (DatabaseBusy, a 503) like any other.
            try:
                conn.connection.driver_connection.execute(f"BEGIN {mode}")
            except sqlite3.Error as exc:
                raise DBAPIError.instance(f"BEGIN {mode}", None, exc, sqlite3.Error) from exc

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


# PostgreSQL aborted the transaction to break a deadlock, a serialization conflict or a lock wait.
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}
# PostgreSQL: out of disk space / resources; a read-only transaction or standby; shutting down.
FULL_SQLSTATES = {"53100", "53000", "53200"}
READONLY_SQLSTATES = {"25006"}
DOWN_SQLSTATE_CLASSES = ("08", "57")  # connection exception, operator intervention (restart)

_BUSY_TEXT = ("database is locked", "database table is locked", "busy", "lock timeout", "timeout")
_FULL_TEXT = ("database or disk is full", "no space left", "disk full")
_READONLY_TEXT = ("readonly database", "read-only", "read only")
_DOWN_TEXT = ("could not connect", "connection", "server closed", "terminating connection",
              "unable to open database", "disk i/o error", "the database system is",
              "ssl syscall", "eof detected", "consuming input failed")


def classify_error(exc: BaseException) -> DatabaseBusy | None:
    """The user-facing error for a driver error that is not the request's fault, else None.

    Lock waits and broken deadlocks are `DatabaseBusy`; a database that is down, restarting,
    full or read-only is `DatabaseUnavailable`. Both mean: nothing was written, try again.
    """
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or ""
    message = (str(orig) if orig is not None else str(exc)).lower()
    if sqlstate in RETRYABLE_SQLSTATES:
        return DatabaseBusy()
    if sqlstate in FULL_SQLSTATES or any(t in message for t in _FULL_TEXT):
        return DatabaseUnavailable("full")
    if sqlstate in READONLY_SQLSTATES or any(t in message for t in _READONLY_TEXT):
        return DatabaseUnavailable("readonly")
    if exc.connection_invalidated or isinstance(exc, InterfaceError) or sqlstate.startswith(DOWN_SQLSTATE_CLASSES):
        return DatabaseUnavailable("down")
    if isinstance(exc, OperationalError):
        if any(t in message for t in _DOWN_TEXT):
            return DatabaseUnavailable("down")
        if any(t in message for t in _BUSY_TEXT):
            return DatabaseBusy()
    return None


def is_busy_error(exc: BaseException) -> bool:
    """A lock timeout, a broken deadlock or a lost connection: the caller may simply try again."""
    return classify_error(exc) is not None


def _forget_broken_connection(session: Session, mapped: DatabaseBusy | None) -> None:
    """After "down", "full" or "read-only", open a fresh connection next time.

    A SQLite connection opened while the file system was read-only stays read-only after it
    is writable again; a PostgreSQL connection from before a restart is dead. Dropping the
    connection lets the application recover without a restart.
    """
    if isinstance(mapped, DatabaseUnavailable) and session.in_transaction():
        with suppress(Exception):
            session.connection().invalidate()


def _quiet_close(session: Session) -> None:
    with suppress(DBAPIError):
        session.close()


def _quiet_rollback(session: Session) -> None:
    """Roll back; a connection that is already gone has nothing to roll back."""
    with suppress(DBAPIError):
        session.rollback()


READ_ONLY = "engine.read_only"
"""`session.info` key: the session is a read scope (nothing in it is written)."""
_SCOPE_CACHE = "engine.scope_cache"


def scope_cached(session: Session, key: Any, load: Callable[[], Any]) -> Any:
    """`load()`, once per read scope: a page's read models that need the same rows (the money
    settings, a plan's hour entries) share one SELECT. Outside a read scope (a write), always
    `load()`. What is cached must not be changed by the caller (tuples, frozen values); a
    write in the request starts a new read scope, so nothing cached outlives what it read."""
    if not session.info.get(READ_ONLY):
        return load()
    cache = session.info.setdefault(_SCOPE_CACHE, {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


class _RequestReads:
    """The read session a request's reads share, opened on the first read.

    A write in the request makes it stale: the next read starts a new session (a fresh
    snapshot, no objects loaded before the write); the old one is closed as soon as no
    read is using it.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session: Session | None = None
        self.depth = 0
        self.old: list[Session] = []
        self.seen: set[Any] = set()

    def stale(self) -> None:
        if self.session is not None:
            self.old.append(self.session)
            self.session = None
        if self.depth == 0:
            self.close_old()

    def close_old(self) -> None:
        while self.old:
            _quiet_close(self.old.pop())

    def close(self) -> None:
        self.stale()
        self.close_old()


class Database:
    """One per process: an engine and the two kinds of transaction scope."""

    def __init__(self, url: str, *, data_key_file: str | os.PathLike[str] | None = None,
                 **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sqlite = is_sqlite(url)
        # The master key of the candidates' data keys (engine/store/personal_data.py): DATA_KEY_FILE.
        self.master_key = crypto.master_for(data_key_file)
        info = {crypto.SESSION_INFO: self.master_key}
        # Writes on SQLite begin IMMEDIATE (also `engine.store.unit.write_unit`'s).
        self.write_bind = write_bind = (self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.sqlite
                                        else self.engine)
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False, autoflush=False, info=info)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=False,
                                  info={**info, READ_ONLY: True})
        self._request: ContextVar[_RequestReads | None] = ContextVar(f"jobtraject_reads_{id(self)}", default=None)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def open_request(self) -> Token[_RequestReads | None]:
        """From here until `close_request`, this context's reads share one read session
        (one pool checkout and one read transaction per web request, however many read
        models a page shows). Returns the token for `close_request`."""
        return self._request.set(_RequestReads(self))

    def first_in_request(self, key: Any) -> bool:
        """False when `key` was already passed in this request (outside a request: always True).
        Lets a page that shows the same thing twice record it once (the access log)."""
        scope = self._request.get()
        if scope is None:
            return True
        if key in scope.seen:
            return False
        scope.seen.add(key)
        return True

    def close_request(self, token: Token[_RequestReads | None]) -> None:
        scope = self._request.get()
        if scope is not None:
            scope.close()
        self._request.reset(token)

    def stale_reads(self) -> None:
        """A write begins: inside a request, later reads start a fresh read session so they see it
        (`write`, and the session-less unit of `engine.store.unit`)."""
        scope = self._request.get()
        if scope is not None:
            scope.stale()

    @contextmanager
    def write(self, *, reads_stay_current: bool = False) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error. The only committer.

        Inside a request, later reads start a fresh read session so they see this write;
        `reads_stay_current`: this write changes nothing the request reads (the access log).
        """
        if not reads_stay_current:
            self.stale_reads()
        session = self._write()
        try:
            yield session
            session.commit()
            if not reads_stay_current:
                self.stale_reads()  # a read opened inside the write (a permission check) saw the old rows
        except DBAPIError as exc:
            mapped = classify_error(exc)
            _forget_broken_connection(session, mapped)
            _quiet_rollback(session)
            if mapped is not None:
                raise mapped from exc
            raise
        except BaseException:
            _quiet_rollback(session)
            raise
        finally:
            _quiet_close(session)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only scope; never commits, always rolls back. Inside a request
        (`open_request`), the request's shared read session."""
        scope = self._request.get()
        if scope is not None:
            yield from self._shared_read(scope)
            return
        session = self._read()
        try:
            yield session
        except DBAPIError as exc:
            mapped = classify_error(exc)
            _forget_broken_connection(session, mapped)
            if mapped is not None:
                raise mapped from exc
            raise
        finally:
            # close() ends the transaction without expiring loaded rows (rollback would).
            _quiet_close(session)

    def _shared_read(self, scope: _RequestReads) -> Iterator[Session]:
        if scope.session is None:
            scope.session = self._read()
        session = scope.session
        scope.depth += 1
        try:
            yield session
        except DBAPIError as exc:
            mapped = classify_error(exc)
            _forget_broken_connection(session, mapped)
            if scope.session is session:
                scope.stale()  # a failed read ends the shared transaction; the next read opens another
            if mapped is not None:
                raise mapped from exc
            raise
        finally:
            scope.depth -= 1
            if scope.depth == 0:
                scope.close_old()

    def compact(self) -> None:
        """SQLite: rewrite the file and empty the WAL, so deleted or overwritten text leaves
        no copy in free pages (with `secure_delete` on). PostgreSQL: nothing (VACUUM there
        does not rewrite pages in place; see docs/security.md on residual risk)."""
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
