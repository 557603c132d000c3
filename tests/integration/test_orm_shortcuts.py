"""The hot path's two ORM shortcuts (`engine.store.orm_shortcuts`) behave exactly like the public
way they replace: an upgrade of SQLAlchemy that changes its internals fails here first."""

from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from engine.registry import Registry
from engine.services import Services
from engine.store.models import Case
from engine.store.orm_shortcuts import attach, flush_listened, mark_saved
from tests.helpers import make_org, make_user
from tests.sample_workflow import CLERK, SAMPLE


def _case(db, clock) -> int:
    registry = Registry()
    registry.register(SAMPLE)
    org = make_org(db)
    clerk = make_user(db, org, CLERK, "clerk@example.nl")
    return Services(db=db, registry=registry, clock=clock).start_case(clerk, "sample", {"title": "dossier"},
                                                                       organisation_id=org).id


def _picture(obj: Case) -> dict:
    state = inspect(obj)
    return {"values": {c.key: getattr(obj, c.key) for c in Case.__table__.columns},
            "persistent": state.persistent, "modified": state.modified, "pending": state.pending}


def test_attaching_a_row_gives_the_same_persistent_clean_case_as_loading_it(db, clock):
    case_id = _case(db, clock)
    with db.read() as s:
        loaded = _picture(s.get(Case, case_id))
    with db.read() as s:
        row = dict(s.execute(select(*Case.__table__.columns).where(Case.id == case_id)).mappings().one())
        attached = attach(s, Case.__mapper__, row)
        assert attached in s and s.get(Case, case_id) is attached  # in the identity map, no second load
        assert _picture(attached) == loaded


def test_marking_a_written_case_saved_makes_it_what_a_fresh_load_sees_and_commit_writes_nothing(db, clock):
    case_id = _case(db, clock)
    statements: list[str] = []
    with db.write() as s:
        case = s.get(Case, case_id)
        case.state, case.audit_seq = "review", case.audit_seq + 1
        values = {"state": case.state, "audit_seq": case.audit_seq, "version": case.version + 1}
        s.execute(update(Case).where(Case.id == case_id).values(**values).execution_options(
            synchronize_session=False))
        mark_saved(case, s, values, frozenset(values))
        assert case not in s.dirty and not inspect(case).committed_state
        shortcut = _picture(case)
        event.listen(s.get_bind(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db.read() as s:  # the public way to know what is stored: load it
        assert _picture(s.get(Case, case_id))["values"] == shortcut["values"]
    assert not [q for q in statements if q.lstrip().upper().startswith("UPDATE")]


def test_a_change_outside_the_written_columns_stays_dirty_for_the_orms_own_flush(db, clock):
    case_id = _case(db, clock)
    with db.write() as s:
        case = s.get(Case, case_id)
        case.state, case.parent_id = "review", None
        case.data = {**case.data, "extra": 1}  # not written by the UPDATE below
        values = {"state": "review", "version": case.version + 1}
        s.execute(update(Case).where(Case.id == case_id).values(**values).execution_options(
            synchronize_session=False))
        mark_saved(case, s, values, frozenset(values))
        assert case in s.dirty and "data" in inspect(case).committed_state


def test_the_engines_own_sealing_hook_does_not_send_a_transition_through_the_orms_flush(db):
    """The personal-data hook listens to every session's flushes; only other listeners (an
    extension, a crash point) make the case's write go through the flush."""
    def crash_point(*_args) -> None:
        pass

    with db.write() as s:
        assert not flush_listened(s)
    event.listen(Session, "after_flush", crash_point)
    try:
        with db.write() as s:
            assert flush_listened(s)
    finally:
        event.remove(Session, "after_flush", crash_point)
