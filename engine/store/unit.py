"""A write transaction without an ORM session: one pooled connection, BEGIN and COMMIT sent by us.

Why: on the transition hot path the ORM session (identity map, unit of work, its
transaction events) and SQLAlchemy's Core transaction bookkeeping cost more than the
database's own work (docs/benchmark.md, issue 21). A `WriteUnit` is what the runtime's
statements (`DriverStatement`, compiled once by SQLAlchemy with its type processing) need:
the DBAPI connection of one pool checkout (without a SQLAlchemy `Connection` unless someone
listens, see below). The case is a plain row object (`engine.case_rows.CaseRow`), in no session.

`write_unit(db)` keeps `Database.write`'s contract: one commit point at the end of the
block, a rollback on any error, driver errors classified as there (`DatabaseBusy`,
`DatabaseUnavailable`, the connection dropped when the database is down, full or
read-only). When anything listens to the connection's cursor events (the statement
counters of tests/perf) or to its commit/rollback, the transaction is SQLAlchemy's own
(`Connection.begin`), so the listeners see every statement and the transaction's end,
BEGIN included as the engine's begin hook sends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from engine.errors import DatabaseUnavailable
from engine.store.db import Database, classify_error
from engine.store.driver_sql import Driver


class WriteUnit(Driver):
    """One write transaction on one pooled DBAPI connection; see the module docstring."""

    __slots__ = ()


def _wrap(unit: Driver, what: str, err: Exception) -> DBAPIError:
    """A driver error of BEGIN/COMMIT (or of the pool checkout) as the SQLAlchemy exception
    `Connection.execute` raises."""
    dialect = unit.dialect
    invalidated = dialect.is_disconnect(err, unit.dbapi, None)
    return DBAPIError.instance(what, None, err, dialect.loaded_dbapi.Error, connection_invalidated=invalidated,
                               dialect=dialect, hide_parameters=True)


def _listened(engine: Engine) -> bool:
    """True when someone listens to the engine's cursor events (the statement counters of
    tests/perf, the benchmark's recorder) or to commit/rollback (an extension, the tests'
    crash and hold points): then the unit runs on a SQLAlchemy `Connection` and its own
    transaction, so they see every statement and the transaction's end."""
    d = engine.dispatch
    return bool(d.before_cursor_execute or d.after_cursor_execute or d.commit or d.rollback)


def _pool_connection(engine: Engine) -> Any:
    """A checkout of the pool's connection alone (its pre-ping and checkout events included);
    a failed checkout raised as `Engine.connect` raises it."""
    try:
        return engine.pool.connect()
    except engine.dialect.loaded_dbapi.Error as err:
        probe = WriteUnit.__new__(WriteUnit)
        probe.dialect, probe.dbapi = engine.dialect, None
        raise _wrap(probe, "connect", err) from err


def _on_fairy(engine: Engine, fairy: Any, *, owned: bool) -> WriteUnit:
    """The unit on the pool's connection alone: a SQLAlchemy `Connection` per write cost more
    than the statements it ran. `owned`: closed here if its cursor cannot be opened."""
    unit = WriteUnit(None, fairy=fairy, dialect=engine.dialect, hide=engine.hide_parameters)
    try:
        unit.cursor = unit.dbapi.cursor()  # one for all the unit's statements
    except unit.error as err:
        wrapped = _wrap(unit, "cursor", err)
        with suppress(Exception):
            if wrapped.connection_invalidated:
                unit.invalidate(err)
            if owned:
                fairy.close()
        raise wrapped from err
    return unit


def _open(db: Database, held: Any) -> WriteUnit:
    engine = db.write_bind
    if held is not None:  # the caller's connection from `hold`, one unit after another
        return WriteUnit(held) if isinstance(held, Connection) else _on_fairy(engine, held, owned=False)
    if _listened(engine):  # a SQLAlchemy `Connection`, so the listeners see everything
        return WriteUnit(engine.connect())  # the pool checkout (PostgreSQL: with its pre-ping)
    return _on_fairy(engine, _pool_connection(engine), owned=True)


def hold(db: Database) -> Any:
    """A pooled connection for several units one after the other (`write_unit(db, held)`: the
    timer sweep's batch, no pool checkout and pre-ping per timer); the caller closes it. Between
    two units it holds no transaction. A SQLAlchemy `Connection` when someone listens (see
    `_listened`), else the pool's connection alone."""
    engine = db.write_bind
    return engine.connect() if _listened(engine) else _pool_connection(engine)


@contextmanager
def write_unit(db: Database, held: Any = None) -> Iterator[WriteUnit]:
    """One write transaction: commit when the block ends, roll back on any error (as `Database.write`).

    `held`: a connection from `hold(db)`, used and not closed here.
    """
    db.stale_reads()
    try:
        unit = _open(db, held)
    except DBAPIError as exc:
        mapped = classify_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    conn = unit.conn
    core = conn.begin() if conn is not None else None
    raw = unit.dbapi
    try:
        try:
            if core is None and db.sqlite:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                except unit.error as err:
                    raise _wrap(unit, "BEGIN IMMEDIATE", err) from err
            yield unit
            if core is not None:
                core.commit()
            else:
                try:
                    raw.commit()
                except unit.error as err:
                    raise _wrap(unit, "COMMIT", err) from err
            db.stale_reads()  # a read opened inside the write saw the rows as they were
        except DBAPIError as exc:
            mapped = classify_error(exc)
            if isinstance(mapped, DatabaseUnavailable):
                with suppress(Exception):
                    unit.invalidate()  # a connection from before the outage stays broken
            _rollback(unit, core)
            if mapped is not None:
                raise mapped from exc
            raise
        except BaseException:
            _rollback(unit, core)
            raise
    finally:
        if unit.cursor is not None:
            with suppress(Exception):
                unit.cursor.close()
        if held is None:
            with suppress(DBAPIError):
                (conn if conn is not None else unit.fairy).close()


def _rollback(unit: Driver, core: object | None) -> None:
    """Roll back; a connection that is already gone has nothing to roll back."""
    if unit.invalidated:
        return
    with suppress(Exception):
        if core is not None:
            unit.conn.rollback()
        else:
            unit.dbapi.rollback()
