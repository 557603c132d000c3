"""A write transaction without an ORM session: one pooled connection, BEGIN and COMMIT sent by us.

Why: on the transition hot path the ORM session (identity map, unit of work, its
transaction events) and SQLAlchemy's Core transaction bookkeeping cost more than the
database's own work (docs/benchmark.md, issue 21). A `WriteUnit` is what the runtime's
statements (`DriverStatement`, compiled once by SQLAlchemy with its type processing) need:
the DBAPI connection of one pool checkout. The case is a plain `Case` object, not attached
to any session.

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

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from engine.errors import DatabaseUnavailable
from engine.store.db import Database, classify_error
from engine.store.driver_sql import Driver


class WriteUnit(Driver):
    """One write transaction on one pooled DBAPI connection; see the module docstring."""

    __slots__ = ()


def _wrap(conn: Connection, what: str, err: Exception) -> DBAPIError:
    """A driver error of BEGIN/COMMIT as the SQLAlchemy exception `Connection.execute` raises."""
    dialect = conn.dialect
    invalidated = dialect.is_disconnect(err, conn.connection.dbapi_connection, None)
    return DBAPIError.instance(what, None, err, dialect.loaded_dbapi.Error, connection_invalidated=invalidated,
                               dialect=dialect, hide_parameters=True)


def hold(db: Database) -> Connection:
    """A pooled connection for several units one after the other (`write_unit(db, held)`: the
    timer sweep's batch, no pool checkout and pre-ping per timer); the caller closes it."""
    return db.write_bind.connect()


@contextmanager
def write_unit(db: Database, held: Connection | None = None) -> Iterator[WriteUnit]:
    """One write transaction: commit when the block ends, roll back on any error (as `Database.write`).

    `held`: a connection from `hold(db)`, used and not closed here.
    """
    db.stale_reads()
    try:
        conn = held if held is not None else db.write_bind.connect()  # the pool checkout (PostgreSQL: pre-ping)
    except DBAPIError as exc:
        mapped = classify_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    unit = WriteUnit(conn)
    core = conn.begin() if unit.listened or _transaction_listened(conn) else None
    raw = unit.dbapi
    try:
        try:
            if core is None and db.sqlite:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                except unit.error as err:
                    raise _wrap(conn, "BEGIN IMMEDIATE", err) from err
            yield unit
            if core is not None:
                core.commit()
            else:
                try:
                    raw.commit()
                except unit.error as err:
                    raise _wrap(conn, "COMMIT", err) from err
            db.stale_reads()  # a read opened inside the write saw the rows as they were
        except DBAPIError as exc:
            mapped = classify_error(exc)
            if isinstance(mapped, DatabaseUnavailable):
                with suppress(Exception):
                    conn.invalidate()  # a connection from before the outage stays broken
            _rollback(conn, core)
            if mapped is not None:
                raise mapped from exc
            raise
        except BaseException:
            _rollback(conn, core)
            raise
    finally:
        if held is None:
            with suppress(DBAPIError):
                conn.close()


def _transaction_listened(conn: Connection) -> bool:
    """True when someone listens to commit or rollback (an extension, the tests' crash and
    hold points): then the transaction is SQLAlchemy's own so they see it end."""
    dispatch = conn.dispatch
    return bool(dispatch.commit or dispatch.rollback)


def _rollback(conn: Connection, core: object | None) -> None:
    """Roll back; a connection that is already gone has nothing to roll back."""
    if conn.invalidated:
        return
    with suppress(Exception):
        if core is not None:
            conn.rollback()
        else:
            conn.connection.dbapi_connection.rollback()
