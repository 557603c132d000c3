"""The driver-level statements of the hot path store and read exactly what SQLAlchemy would.

`engine/store/driver_sql.py` runs Core statements on the DBAPI cursor for speed; these tests pin
that nothing else changes: the same stored values, the same loaded case, the same
exception classes, and cursor listeners still see every statement.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.runtime import load_case
from engine.store.driver_sql import DriverStatement
from engine.store.models import AuditEntry, Case

T = datetime(2026, 11, 23, 8, 0, 0, 123456, tzinfo=UTC)
_CASES = Case.__table__
_COLUMNS = [c.key for c in _CASES.c]
_INSERT_CASE = DriverStatement(
    insert(_CASES).values({c: bindparam(c) for c in (
        "workflow", "workflow_version", "state", "data", "organisation_id", "created_at", "updated_at",
        "state_entered_at", "audit_seq", "last_hash", "version")}).inline()
)
_RENAME = DriverStatement(update(_CASES).where(_CASES.c.id == bindparam("b_id")).values(state="renamed"))


def _case_values(**overrides) -> dict:
    values = {
        "workflow": "sample", "workflow_version": 1, "state": "open",
        "data": {"naam": "Zoë", "bedrag": 1.5, "lijst": [1, None, "x"]}, "organisation_id": None,
        "created_at": T, "updated_at": T, "state_entered_at": T, "audit_seq": 0, "last_hash": "0" * 64,
        "version": 1,
    }
    values.update(overrides)
    return values


@pytest.fixture
def schema(db):
    db.create_all()
    return db


def test_a_driver_insert_reads_back_through_the_orm_exactly_as_written(schema):
    db = schema
    with db.write() as s:
        assert _INSERT_CASE.execute(s.connection(), [_case_values(), _case_values(state="b")]) in (2, -1)
    with db.read() as s:
        cases = s.scalars(select(Case).order_by(Case.id)).all()
        assert [c.state for c in cases] == ["open", "b"]
        assert cases[0].data == {"naam": "Zoë", "bedrag": 1.5, "lijst": [1, None, "x"]}
        assert cases[0].created_at.replace(tzinfo=UTC) == T


def test_a_fast_loaded_case_equals_the_orm_loaded_case_and_saves_with_its_version_check(schema):
    db = schema
    with db.write() as s:
        _INSERT_CASE.execute(s.connection(), _case_values())
        case_id = s.scalar(select(Case.id))
    with db.read() as s:
        expected = {k: getattr(s.get(Case, case_id), k) for k in _COLUMNS}
    with db.write() as s:
        case = load_case(s, case_id, lock=not db.sqlite)
        assert {k: getattr(case, k) for k in _COLUMNS} == expected
        assert case in s and not s.dirty
        case.state = "changed"
    with db.read() as s:
        again = s.get(Case, case_id)
        assert (again.state, again.version) == ("changed", 2)
    with db.write() as s:
        assert load_case(s, case_id + 1000) is None


def test_a_driver_error_is_the_same_sqlalchemy_exception_and_rolls_back(schema):
    db = schema
    with db.write() as s:
        _INSERT_CASE.execute(s.connection(), _case_values())
        case_id = s.scalar(select(Case.id))
    audit = DriverStatement(insert(AuditEntry.__table__).values({c: bindparam(c) for c in (
        "case_id", "seq", "at", "actor_role", "trigger", "to_state", "payload", "prev_hash", "hash")}).inline())
    row = {"case_id": case_id, "seq": 1, "at": T, "actor_role": "job", "trigger": "start", "to_state": "open",
           "payload": {}, "prev_hash": "0" * 64, "hash": "1" * 64}
    with pytest.raises(IntegrityError), db.write() as s:
        _RENAME.execute(s.connection(), {"b_id": case_id})
        audit.execute(s.connection(), [row, row])  # (case_id, seq) is unique
    with db.read() as s:
        assert s.get(Case, case_id).state == "open"
        assert s.scalars(select(AuditEntry)).all() == []


def test_a_driver_error_never_shows_the_statements_values(schema):
    """Values are personal data: an error message (and so any log line of it) hides them."""
    db = schema
    with db.write() as s:
        _INSERT_CASE.execute(s.connection(), _case_values())
        case_id = s.scalar(select(Case.id))
    audit = DriverStatement(insert(AuditEntry.__table__).values({c: bindparam(c) for c in (
        "case_id", "seq", "at", "actor_role", "trigger", "to_state", "payload", "prev_hash", "hash")}).inline())
    row = {"case_id": case_id, "seq": 1, "at": T, "actor_role": "job", "trigger": "start", "to_state": "open",
           "payload": {"naam": "Zwaantje Kanarie"}, "prev_hash": "0" * 64, "hash": "1" * 64}
    with pytest.raises(IntegrityError) as raised, db.write() as s:
        audit.execute(s.connection(), [row, row])
    assert "Kanarie" not in str(raised.value) and "hidden" in str(raised.value)


def test_a_cursor_listener_sees_every_driver_statement(schema):
    db = schema
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with db.write() as s:
            _INSERT_CASE.execute(s.connection(), _case_values())
            case_id = s.scalar(select(Case.id))
            _RENAME.execute(s.connection(), {"b_id": case_id})
        with db.write() as s:
            assert load_case(s, case_id).state == "renamed"
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert seen == ["INSERT", "SELECT", "UPDATE", "SELECT"]
