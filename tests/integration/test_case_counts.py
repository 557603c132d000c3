"""The database counts the cases per workflow and state, whoever changes them (SQLite and PostgreSQL).

JoB's dashboard reads these counters instead of counting cases (engine/store/case_counts.py), so
they must never drift: every start, transition, refusal, deletion and migration keeps them
equal to the cases themselves.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update

from engine.errors import GuardRejected, StaleCase
from engine.registry import Registry
from engine.services import Services
from engine.store import case_counts
from engine.store.db import Database
from engine.store.models import AuditEntry, Case, Task, Timer
from tests.helpers import T0, make_org, make_user, snapshot
from tests.sample_workflow import BOSS, CLERK, SAMPLE
from webui.migrate import upgrade


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.register(SAMPLE)
    return reg


@pytest.fixture
def world(db, registry, clock):
    org = make_org(db)
    clerk = make_user(db, org, CLERK, "clerk@example.nl")
    boss = make_user(db, org, BOSS, "boss@example.nl")
    return Services(db=db, registry=registry, clock=clock), org, clerk, boss


def counted(db: Database, states=("intake", "review", "approved", "done", "stopped")) -> dict[str, int]:
    with db.read() as s:
        return {k: v for k, v in case_counts.counts(s, "sample", states).items() if v}


def no_drift(db: Database) -> None:
    with db.read() as s:
        assert case_counts.mismatches(s) == []


def test_starts_and_transitions_move_the_counts_with_the_cases(db, world):
    services, org, clerk, boss = world
    ids = [services.start_case(clerk, "sample", {}, organisation_id=org).id for _ in range(3)]
    assert counted(db) == {"intake": 3}
    services.fire_trigger(clerk, ids[0], "record", {"handler": "Sanne", "amount": 5})  # reflexive: no move
    services.fire_trigger(clerk, ids[0], "submit")
    services.fire_trigger(boss, ids[0], "approve")
    services.fire_trigger(clerk, ids[1], "stop", reason="dubbel")
    assert counted(db) == {"intake": 1, "approved": 1, "stopped": 1}
    services.fire_trigger(boss, ids[1], "reopen")
    assert counted(db) == {"intake": 2, "approved": 1}
    no_drift(db)


def test_a_refused_or_stale_transition_leaves_the_counts_as_they_were(db, world):
    services, org, clerk, boss = world
    case = services.start_case(clerk, "sample", {}, organisation_id=org)
    before = snapshot(db)
    with pytest.raises(GuardRejected):
        services.fire_trigger(clerk, case.id, "submit")  # no handler yet
    with pytest.raises(StaleCase):
        services.fire_trigger(clerk, case.id, "stop", reason="x", expected_version=case.version - 1)
    assert snapshot(db) == before
    assert counted(db) == {"intake": 1}


def test_deleted_cases_and_changes_made_outside_the_engine_are_counted_too(db, world):
    services, org, clerk, _boss = world
    ids = [services.start_case(clerk, "sample", {}, organisation_id=org).id for _ in range(4)]
    with db.write() as s:
        s.execute(update(Case).where(Case.id == ids[0]).values(state="review"))
        s.execute(update(Case).where(Case.id == ids[1]).values(workflow="other"))
        s.execute(update(Case).where(Case.id == ids[2]).values(data={"x": 1}))  # no state change: nothing
        for model in (AuditEntry, Task, Timer):
            s.execute(delete(model).where(model.case_id == ids[3]))
        s.execute(delete(Case).where(Case.id == ids[3]))
    assert counted(db) == {"intake": 1, "review": 1}
    with db.read() as s:
        assert case_counts.counts(s, "other", ["intake"]) == {"intake": 1}
    no_drift(db)


def test_a_rolled_back_bulk_change_counts_nothing(db, world):
    services, org, clerk, _boss = world
    services.start_case(clerk, "sample", {}, organisation_id=org)
    with pytest.raises(RuntimeError), db.write() as s:
        s.execute(update(Case).values(state="review"))
        raise RuntimeError("changed my mind")
    assert counted(db) == {"intake": 1}


def test_the_counters_disagreeing_with_the_cases_is_found(db, world):
    services, org, clerk, _boss = world
    services.start_case(clerk, "sample", {}, organisation_id=org)
    with db.write() as s:
        s.execute(text("UPDATE case_state_count SET n = n + 2"))
    with db.read() as s:
        assert case_counts.mismatches(s) == [("sample", "intake", 3, 1)]


def test_the_migration_counts_the_cases_a_database_already_had(empty_db_url):
    upgrade(empty_db_url, "0001")
    db = Database(empty_db_url)
    try:
        with db.engine.begin() as conn:
            for state in ("intake", "intake", "review"):
                conn.execute(Case.__table__.insert().values(
                    workflow="sample", workflow_version=1, state=state, data={}, created_at=T0, updated_at=T0,
                    state_entered_at=T0, audit_seq=0, last_hash="", version=1))
        upgrade(empty_db_url)
        assert counted(db) == {"intake": 2, "review": 1}
        with db.write() as s:  # and from then on the triggers keep them
            s.execute(update(Case).where(Case.state == "review").values(state="done"))
        assert counted(db) == {"intake": 2, "done": 1}
        no_drift(db)
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 3
    finally:
        db.dispose()
