"""A write transaction without an ORM session (`engine.store.unit.write_unit`) keeps
`Database.write`'s contract: one commit at the end, nothing kept after any error, lock waits
classified as `DatabaseBusy`, and statement listeners still see every statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import DatabaseBusy
from engine.store.db import READ_ONLY, Database
from engine.store.driver_sql import DriverStatement
from engine.store.models import Case
from engine.store.unit import write_unit
from tests.plan_world import make_world
from workflows.storage.plan_models import PlanGoal

T = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
_CASES = Case.__table__
_INSERT = DriverStatement(insert(_CASES).values({c: bindparam(c) for c in (
    "workflow", "workflow_version", "state", "data", "created_at", "updated_at", "state_entered_at", "audit_seq",
    "last_hash", "version")}).inline())


def _row(state: str = "open") -> dict:
    return {"workflow": "sample", "workflow_version": 1, "state": state, "data": {"naam": "Zoë"}, "created_at": T,
            "updated_at": T, "state_entered_at": T, "audit_seq": 0, "last_hash": "0" * 64, "version": 1}


def _cases(db: Database) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(Case.state).order_by(Case.id)))


def test_what_a_unit_writes_is_committed_when_the_block_ends(db):
    with write_unit(db) as unit:
        _INSERT.execute(unit, _row("one"))
        _INSERT.execute(unit, [_row("two"), _row("three")])
    assert _cases(db) == ["one", "two", "three"]


def test_an_error_in_the_block_leaves_nothing_of_it(db):
    with pytest.raises(ValueError), write_unit(db) as unit:
        _INSERT.execute(unit, _row("kept?"))
        raise ValueError("a guard refused")
    with write_unit(db) as unit:  # the pooled connection is clean for the next unit
        _INSERT.execute(unit, _row("next"))
    assert _cases(db) == ["next"]


def test_a_database_error_rolls_back_and_keeps_its_sqlalchemy_class(db):
    with pytest.raises(IntegrityError), write_unit(db) as unit:
        _INSERT.execute(unit, _row("first"))
        _INSERT.execute(unit, {**_row(), "workflow": None})  # NOT NULL
    assert _cases(db) == []


def test_a_unit_that_waits_too_long_for_the_write_lock_is_busy_and_wrote_nothing(db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer: PostgreSQL's row locks are the concurrency tests'")
    impatient = Database(db_url, busy_timeout_ms=50)
    holder = Database(db_url)
    try:
        with holder.write() as s:
            s.execute(insert(Case), [_row("holder")])
            s.flush()  # BEGIN IMMEDIATE taken and a row written: the write lock is held
            with pytest.raises(DatabaseBusy), write_unit(impatient) as unit:
                _INSERT.execute(unit, _row("waiter"))
        assert _cases(holder) == ["holder"]
    finally:
        impatient.dispose()
        holder.dispose()


def test_statement_listeners_see_every_statement_of_a_unit_and_it_still_commits(db):
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with write_unit(db) as unit:
            _INSERT.execute(unit, _row("counted"))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [s for s in seen if s.lstrip().upper().startswith("INSERT")]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1


def test_a_persons_action_runs_without_an_orm_session_unless_it_writes_sealed_rows(db, clock):
    """`Services.perform` writes session-less (engine/perform.py); an action whose recorder
    writes sealed personal data (a goal's text) still writes in an ORM session, which seals it."""
    world = make_world(db, clock)
    case = world.start()
    write_sessions: list[bool] = []

    def began(session, _transaction, _connection) -> None:
        if not session.info.get(READ_ONLY):
            write_sessions.append(True)

    event.listen(Session, "after_begin", began)
    try:
        goal = world.plans.add_goal(world.job, case.id, specific="Zelfstandig de inpaklijn bedienen",
                                    measure="Harrie hoeft niet bij te sturen", target_date="2026-12-31",
                                    owner="kandidaat")
        sealed_writes = len(write_sessions)
        world.plans.update_goal(world.job, case.id, goal, status="behaald")
    finally:
        event.remove(Session, "after_begin", began)
    assert sealed_writes == 1 and len(write_sessions) == 1
    with db.read() as s:
        row = s.get(PlanGoal, goal)
        assert (row.status, row.specific) == ("behaald", "Zelfstandig de inpaklijn bedienen")
        sealed = s.execute(select(PlanGoal.__table__.c.specific).where(PlanGoal.__table__.c.id == goal)).scalar()
    assert sealed != "Zelfstandig de inpaklijn bedienen"  # stored sealed
