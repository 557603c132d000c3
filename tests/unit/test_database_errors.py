"""Driver errors that are not the request's fault become "busy" or "unavailable": nothing written, try again."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from engine.errors import DatabaseBusy, DatabaseUnavailable
from engine.store.db import classify_error


class PgError(Exception):
    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("orig, expected", [
    (sqlite3.OperationalError("database is locked"), "busy"),
    (sqlite3.OperationalError("database or disk is full"), "full"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "readonly"),
    (sqlite3.OperationalError("unable to open database file"), "down"),
    (PgError("deadlock detected", "40P01"), "busy"),
    (PgError("terminating connection due to administrator command", "57P01"), "down"),
    (PgError("the database system is starting up", "57P03"), "down"),
    (PgError("connection refused", "08006"), "down"),
    (PgError("could not extend file: No space left on device", "53100"), "full"),
    (PgError("cannot execute UPDATE in a read-only transaction", "25006"), "readonly"),
])
def test_operational_errors_are_mapped_to_a_dutch_try_again(orig, expected):
    mapped = classify_error(OperationalError("SELECT 1", {}, orig))
    assert isinstance(mapped, DatabaseBusy)
    assert (mapped.reason if isinstance(mapped, DatabaseUnavailable) else "busy") == expected
    assert "opnieuw" in mapped.message


def test_a_closed_connection_is_unavailable_and_a_constraint_violation_is_not_mapped():
    assert isinstance(classify_error(InterfaceError("SELECT 1", {}, Exception("connection already closed"))),
                      DatabaseUnavailable)
    assert classify_error(IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))) is None
    assert classify_error(ValueError("not a database error")) is None
