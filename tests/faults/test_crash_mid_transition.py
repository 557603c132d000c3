"""A process killed (SIGKILL) in the middle of a transition leaves the case whole.

A spawned child process fires a transition and kills itself at a deterministic point
through a SQLAlchemy event (test code only): after the audit row and the new state are
written (tasks and timers not yet), just before COMMIT, or just after it. Actions and
starts run session-less (engine/perform.py, engine/store/unit.py), so the points are the
connection's events: the case row's UPDATE, `commit`, the connection's return to the pool
after it (named as the ORM session's events they replace). After the kill a freshly started engine finds the audit trail verifiable and the
case either exactly as before or fully after the transition, and the case still works.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable

import pytest
from sqlalchemy import event, func, select

from engine.audit import verify_all
from engine.clock import FixedClock
from engine.registry import Registry
from engine.services import Services
from engine.spec import Actor
from engine.store.db import Database
from engine.store.models import AuditEntry, Case, Task, Timer
from tests.faults.harness import assert_nothing_lost
from tests.helpers import T0, case_problems, make_org, make_user, snapshot
from tests.sample_workflow import BOSS, CLERK, SAMPLE

pytestmark = pytest.mark.slow

TIMEOUT = 60
# Where the child dies, and whether the transition is then expected to have happened.
CRASH_POINTS = [("after_flush", False), ("before_commit", False), ("after_commit", True)]


def registry() -> Registry:
    reg = Registry()
    reg.register(SAMPLE)
    return reg


def die_during(url: str, point: str, actor: Actor, action: str, case_id: int | None, org: int) -> None:
    """Child process: arm the crash point, then approve the case (or start a new one)."""
    services = Services(db=Database(url), registry=registry(), clock=FixedClock(T0))

    def kill_myself(*_args) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    arm_connection_point(services.db, point, kill_myself)
    if action == "approve":
        services.fire_trigger(actor, case_id, "approve")
    else:
        services.start_case(actor, "sample", {"titel": "nieuw"}, organisation_id=org)
    sys.exit(3)  # never reached: the crash point must have fired


def arm_connection_point(db: Database, point: str, die: Callable[..., None]) -> None:
    """The session-less write's equivalent of the session's crash point."""
    if point == "after_flush":  # the audit row and the case's new state are written

        def after_case_row(_conn, _cursor, statement: str, *_args) -> None:
            if statement.lstrip().upper().startswith("UPDATE WF_CASE SET"):
                die()

        event.listen(db.engine, "after_cursor_execute", after_case_row)
    elif point == "before_commit":
        event.listen(db.engine, "commit", die)
    else:  # after_commit: once COMMIT returned, when the connection goes back to the pool
        committed: list[bool] = []
        event.listen(db.engine, "commit", lambda _conn: committed.append(True))
        event.listen(db.engine, "checkin", lambda *_args: die() if committed else None)


def run_child(url: str, point: str, actor: Actor, action: str, case_id: int | None, org: int) -> int:
    child = multiprocessing.get_context("spawn").Process(
        target=die_during, args=(url, point, actor, action, case_id, org)
    )
    child.start()
    child.join(TIMEOUT)
    if child.is_alive():
        child.kill()
        pytest.fail("the child process hung")
    return child.exitcode


@pytest.fixture
def people(db):
    org = make_org(db)
    return org, make_user(db, org, CLERK, "clerk@example.nl"), make_user(db, org, BOSS, "boss@example.nl")


def verified(db: Database) -> tuple[int, list]:
    with db.read() as s:
        return verify_all(s, registry())


@pytest.mark.parametrize("point, applied", CRASH_POINTS)
def test_killed_mid_transition_the_case_is_fully_before_or_fully_after(db, db_url, clock, people, point, applied):
    org, clerk, boss = people
    services = Services(db=db, registry=registry(), clock=clock)
    case = services.start_case(clerk, "sample", {"titel": "dossier"}, organisation_id=org)
    services.fire_trigger(clerk, case.id, "record", {"handler": "Sanne", "amount": 5})
    in_review = services.fire_trigger(clerk, case.id, "submit")
    before = snapshot(db)
    db.dispose()

    assert run_child(db_url, point, boss, "approve", case.id, org) == -signal.SIGKILL

    restarted = Database(db_url)  # a new engine, as after a restart
    try:
        assert verified(restarted) == (1, [])
        assert case_problems(restarted, registry(), case.id) == []
        if not applied:
            assert snapshot(restarted) == before
        else:
            with restarted.read() as s:
                now = s.get(Case, case.id)
                last = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id)
                                 .order_by(AuditEntry.seq.desc())).first()
                review_task = s.scalars(select(Task.status).where(Task.case_id == case.id, Task.key == "review")).one()
                timers = dict(s.execute(select(Timer.trigger, Timer.status).where(Timer.case_id == case.id)).all())
            assert (now.state, now.version) == ("approved", in_review.version + 1)
            assert (last.seq, last.trigger, last.actor_user_id) == (4, "approve", boss.user_id)
            assert review_task == "done" and timers == {"expire": "cancelled", "close": "pending"}
        # The case is not stuck: locks are gone and the next step works.
        again = Services(db=restarted, registry=registry(), clock=clock)
        nxt = again.fire_trigger(boss, case.id, "close" if applied else "approve")
        assert nxt.state == ("done" if applied else "approved")
        assert verified(restarted) == (1, [])
        assert_nothing_lost(restarted, registry(), clock.now(), label=f"crash at {point} {restarted.dialect}")
    finally:
        restarted.dispose()


@pytest.mark.parametrize("point, applied", CRASH_POINTS)
def test_killed_while_starting_a_case_it_exists_whole_or_not_at_all(db, db_url, people, point, applied):
    org, clerk, _ = people
    before = snapshot(db)
    db.dispose()

    assert run_child(db_url, point, clerk, "start", None, org) == -signal.SIGKILL

    restarted = Database(db_url)
    try:
        with restarted.read() as s:
            ids = s.scalars(select(Case.id)).all()
            audit_rows = s.scalar(select(func.count()).select_from(AuditEntry))
        if not applied:
            assert ids == [] and snapshot(restarted) == before
        else:
            assert len(ids) == 1 and audit_rows == 1
            assert case_problems(restarted, registry(), ids[0]) == []
        assert verified(restarted) == (len(ids), [])
        assert_nothing_lost(restarted, registry(), T0, label=f"crash starting at {point} {restarted.dialect}")
    finally:
        restarted.dispose()
