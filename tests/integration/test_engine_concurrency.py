"""Writers racing on one case: exactly one wins, the other gets StaleCase, nothing half-applied.

Two real threads and two real processes (spawned, each with its own engine and
connections) wait on a barrier and then fire conflicting triggers on the same case with
the same `expected_version`. Without `expected_version` concurrent writes are serialised
(row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite): both apply, none is lost.
"""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, select, text, update

from engine.audit import verify_all
from engine.clock import FixedClock
from engine.errors import DatabaseBusy, EngineError, StaleCase
from engine.registry import Registry
from engine.services import Services
from engine.spec import SYSTEM, Actor, Ctx, State, Transition, Workflow
from engine.store.db import Database
from engine.store.models import AuditEntry, Case
from tests import dbs
from tests.helpers import T0, case_problems, make_org, make_user, snapshot
from tests.sample_workflow import BOSS, CLERK, SAMPLE

THREAD_ROUNDS = 8
PROCESS_ROUNDS = 6
TIMEOUT = 60


@dataclass(frozen=True)
class Move:
    """One contender's action: who fires what, and where the case goes if it wins."""

    who: str
    trigger: str
    dest: str
    payload: dict[str, Any] | None = None
    reason: str | None = None


# Conflicting pairs from "review": different targets, the same trigger, a data-only change
# against a phase change.
CONTESTS = [
    (Move(BOSS, "approve", "approved"), Move(CLERK, "back", "intake")),
    (Move(BOSS, "stop", "stopped", reason="bedrijf stopt"), Move(CLERK, "stop", "stopped", reason="ziek")),
    (Move(CLERK, "record", "review", payload={"note": "van de klerk"}), Move(BOSS, "approve", "approved")),
]


def registry() -> Registry:
    reg = Registry()
    reg.register(SAMPLE)
    return reg


def fire(services: Services, actor: Actor, case_id: int, move: Move, expected: int | None) -> tuple[str, Any]:
    """Fire and report ('ok', new state), (error class name, None) or ('crash', repr)."""
    try:
        snap = services.fire_trigger(
            actor, case_id, move.trigger, move.payload, expected_version=expected, reason=move.reason
        )
    except (EngineError, DatabaseBusy) as exc:
        return type(exc).__name__, None
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        return "crash", repr(exc)
    return "ok", snap.state


@dataclass
class Setting:
    db: Database
    services: Services
    registry: Registry
    org: int
    actors: dict[str, Actor]

    def case_in_review(self) -> tuple[int, int]:
        """A fresh case in 'review' with a handler and an amount; returns (id, version)."""
        clerk = self.actors[CLERK]
        case = self.services.start_case(clerk, "sample", {"titel": "race"}, organisation_id=self.org)
        self.services.fire_trigger(clerk, case.id, "record", {"handler": "Sanne", "amount": 3})
        snap = self.services.fire_trigger(clerk, case.id, "submit")
        assert snap.state == "review"
        return case.id, snap.version

    def audit(self, case_id: int) -> list[AuditEntry]:
        with self.db.read() as s:
            return list(s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)))

    def case(self, case_id: int) -> Case:
        with self.db.read() as s:
            return s.get(Case, case_id)

    def assert_whole(self, case_id: int) -> None:
        assert case_problems(self.db, self.registry, case_id) == []
        with self.db.read() as s:
            checked, problems = verify_all(s, self.registry)
        assert problems == [] and checked > 0


@pytest.fixture
def setting(db, clock) -> Setting:
    org = make_org(db)
    actors = {CLERK: make_user(db, org, CLERK, "clerk@example.nl"), BOSS: make_user(db, org, BOSS, "boss@example.nl")}
    reg = registry()
    return Setting(db, Services(db=db, registry=reg, clock=clock), reg, org, actors)


def assert_one_winner(setting: Setting, case_id: int, version: int, moves: tuple[Move, Move], outcomes) -> None:
    """Exactly one 'ok', one StaleCase; the case shows the winner's move and nothing else."""
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["StaleCase", "ok"], outcomes
    winner = moves[[kind for kind, _ in outcomes].index("ok")]
    case = setting.case(case_id)
    assert (case.state, case.version) == (winner.dest, version + 1)
    trail = setting.audit(case_id)
    assert [e.trigger for e in trail] == ["start", "record", "submit", winner.trigger]
    assert trail[-1].actor_role == winner.who and trail[-1].reason == winner.reason
    setting.assert_whole(case_id)


def race_in_threads(setting: Setting, case_id: int, moves, expected: int | None) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(len(moves), timeout=TIMEOUT)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * len(moves)

    def contender(i: int, move: Move) -> None:
        barrier.wait()
        outcomes[i] = fire(setting.services, setting.actors[move.who], case_id, move, expected)

    threads = [threading.Thread(target=contender, args=(i, m)) for i, m in enumerate(moves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a contender hangs"
    return outcomes


def test_two_threads_with_the_same_expected_version_one_wins_the_other_is_stale(setting):
    for round_ in range(THREAD_ROUNDS):
        moves = CONTESTS[round_ % len(CONTESTS)]
        case_id, version = setting.case_in_review()
        outcomes = race_in_threads(setting, case_id, moves, expected=version)
        assert_one_winner(setting, case_id, version, moves, outcomes)


def test_two_threads_without_expected_version_are_serialised_and_lose_nothing(setting):
    for _ in range(THREAD_ROUNDS):
        case_id, version = setting.case_in_review()
        moves = (Move(CLERK, "record", "review", payload={"note": "klerk"}),
                 Move(BOSS, "record", "review", payload={"amount": 7}))
        outcomes = race_in_threads(setting, case_id, moves, expected=None)
        assert outcomes == [("ok", "review"), ("ok", "review")]
        case = setting.case(case_id)
        assert case.version == version + 2
        assert case.data["note"] == "klerk" and case.data["amount"] == 7  # no lost update
        assert [e.seq for e in setting.audit(case_id)] == [1, 2, 3, 4, 5]
        setting.assert_whole(case_id)


def test_a_change_the_row_lock_did_not_prevent_is_caught_by_the_version_check(setting, db):
    """Defence in depth: should anything change the case row between reading and writing
    it (here: inside the same transaction, as a writer that bypasses the row lock would),
    the version column turns the write into StaleCase and nothing is written."""
    case_id, version = setting.case_in_review()
    before = snapshot(db)

    bumped: list[bool] = []

    def bump_version(conn, cursor, statement, _params, _context, _many) -> None:
        """Just before the write of the case row, on the same connection: another version."""
        if bumped or not statement.lstrip().upper().startswith("UPDATE WF_CASE SET"):
            return
        bumped.append(True)
        bump = update(Case.__table__).where(Case.__table__.c.id == case_id).values(version=version + 1)
        raw = cursor.connection.cursor()
        raw.execute(str(bump.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})))
        raw.close()

    engine = setting.services.db.engine
    event.listen(engine, "before_cursor_execute", bump_version)
    try:
        with pytest.raises(StaleCase):
            setting.services.fire_trigger(setting.actors[BOSS], case_id, "approve")
    finally:
        event.remove(engine, "before_cursor_execute", bump_version)
    assert bumped
    assert snapshot(db) == before
    setting.assert_whole(case_id)


# -- processes --------------------------------------------------------------------------------
def process_contender(url: str, actor: Actor, commands, results, barrier) -> None:
    """A separate process: its own engine and connections, firing what the test sends."""
    db = Database(url)
    services = Services(db=db, registry=registry(), clock=FixedClock(T0))
    with db.read() as s:  # connect before the race, so both start on equal terms
        s.execute(text("SELECT 1"))
    try:
        while (command := commands.get(timeout=TIMEOUT)) is not None:
            case_id, move, expected = command
            barrier.wait(TIMEOUT)
            results.put((actor.role, fire(services, actor, case_id, move, expected)))
    finally:
        db.dispose()


@pytest.mark.slow
def test_two_processes_with_the_same_expected_version_one_wins_the_other_is_stale(setting, db_url):
    mp = multiprocessing.get_context("spawn")
    barrier = mp.Barrier(2)
    results = mp.Queue()
    commands = {who: mp.Queue() for who in (BOSS, CLERK)}
    procs = {
        who: mp.Process(target=process_contender, args=(db_url, setting.actors[who], commands[who], results, barrier))
        for who in commands
    }
    for p in procs.values():
        p.start()
    try:
        for round_ in range(PROCESS_ROUNDS):
            moves = CONTESTS[round_ % len(CONTESTS)]
            case_id, version = setting.case_in_review()
            for move in moves:
                commands[move.who].put((case_id, move, version))
            by_role = dict(results.get(timeout=TIMEOUT) for _ in moves)
            outcomes = [by_role[m.who] for m in moves]
            assert_one_winner(setting, case_id, version, moves, outcomes)

        # Without expected_version both processes' changes apply, one after the other.
        case_id, version = setting.case_in_review()
        moves = (Move(CLERK, "record", "review", payload={"note": "klerk"}),
                 Move(BOSS, "record", "review", payload={"amount": 7}))
        for move in moves:
            commands[move.who].put((case_id, move, None))
        assert dict(results.get(timeout=TIMEOUT) for _ in moves) == {CLERK: ("ok", "review"), BOSS: ("ok", "review")}
        case = setting.case(case_id)
        assert case.version == version + 2 and case.data["note"] == "klerk" and case.data["amount"] == 7
        setting.assert_whole(case_id)
    finally:
        for q in commands.values():
            q.put(None)
        for p in procs.values():
            p.join(TIMEOUT)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs.values()] == [0, 0]


# -- follow-up triggers on another case ---------------------------------------------------------
def _record(ctx: Ctx) -> None:
    ctx.data.setdefault("notes", []).append(ctx.payload.get("note"))


def _tell_parent(ctx: Ctx) -> None:
    target = ctx.data.get("tell", ctx.case.parent_id)
    ctx.fire(target, "note", {"note": f"kind {ctx.case.id} klaar"})


RELAY = Workflow(
    name="relay", version=1, label="Doorgeven",
    states=(State("open", "Open", initial=True), State("done", "Klaar", final=True)),
    transitions=(
        Transition("note", "open", None, by=(CLERK, SYSTEM), effect=_record),
        Transition("finish", "open", "done", by=(CLERK,), effect=_tell_parent),
    ),
)


def test_a_follow_up_on_a_case_someone_is_changing_waits_for_them_instead_of_failing(db, clock):
    """A child's transition fires a follow-up on its parent while another transaction is
    changing that parent: the follow-up must wait for it and then apply on the new state."""
    reg = Registry()
    reg.register(RELAY)
    services = Services(db=db, registry=reg, clock=clock)
    org = make_org(db)
    clerk = make_user(db, org, CLERK, "clerk@example.nl")
    parent = services.start_case(clerk, "relay", {}, organisation_id=org)
    child = services.start_case(clerk, "relay", {}, organisation_id=org, parent_id=parent.id)

    holding, release = threading.Event(), threading.Event()
    holder: list[threading.Thread] = []

    def hold_before_commit(_conn) -> None:
        if threading.current_thread() in holder:
            holding.set()
            release.wait(TIMEOUT)

    outcomes: dict[str, tuple[str, Any]] = {}

    def direct() -> None:
        outcomes["direct"] = fire(services, clerk, parent.id, Move(CLERK, "note", "open", {"note": "direct"}), None)

    def via_child() -> None:
        outcomes["child"] = fire(services, clerk, child.id, Move(CLERK, "finish", "done"), None)

    event.listen(db.engine, "commit", hold_before_commit)  # just before the COMMIT is sent
    try:
        holder.append(threading.Thread(target=direct))
        holder[0].start()
        assert holding.wait(TIMEOUT)  # the parent's change is written, not yet committed
        second = threading.Thread(target=via_child)
        second.start()
        second.join(1.0)  # give the child's transaction time to reach the parent
        release.set()
        holder[0].join(TIMEOUT)
        second.join(TIMEOUT)
    finally:
        release.set()
        event.remove(db.engine, "commit", hold_before_commit)
    assert outcomes == {"direct": ("ok", "open"), "child": ("ok", "done")}
    with db.read() as s:
        assert s.get(Case, parent.id).data["notes"] == ["direct", f"kind {child.id} klaar"]
        assert verify_all(s, reg) == (2, [])
    assert case_problems(db, reg, parent.id) == [] and case_problems(db, reg, child.id) == []


@pytest.fixture
def pg_db(pg_url):
    """PostgreSQL only: SQLite serialises writers with BEGIN IMMEDIATE, so no two overlap."""
    database = Database(pg_url)
    dbs.truncate_all(database)
    yield database
    database.dispose()


def test_two_cases_telling_each_other_at_once_one_waits_and_the_other_is_asked_to_retry(pg_db, clock):
    """A locks itself then B, B locks itself then A: PostgreSQL breaks the deadlock by
    aborting one; that one gets DatabaseBusy ("try again") and wrote nothing."""
    db = pg_db
    reg = Registry()
    reg.register(RELAY)
    services = Services(db=db, registry=reg, clock=clock)
    org = make_org(db)
    clerk = make_user(db, org, CLERK, "clerk@example.nl")
    a = services.start_case(clerk, "relay", {}, organisation_id=org)
    b = services.start_case(clerk, "relay", {"tell": a.id}, organisation_id=org)
    with db.write() as s:  # a tells b: set directly, both ids are only known now
        s.get(Case, a.id).data = {"tell": b.id}

    both_locked_themselves = threading.Barrier(2, timeout=TIMEOUT)
    waited: set[threading.Thread] = set()

    def meet_after_own_write(_conn, _cursor, statement: str, *_args) -> None:
        """After each thread's write of its own case row (its lock is held), before the other's."""
        if statement.lstrip().upper().startswith("UPDATE WF_CASE SET") and threading.current_thread() not in waited:
            waited.add(threading.current_thread())
            both_locked_themselves.wait()

    outcomes: list[tuple[str, Any]] = [("missing", None)] * 2

    def finish(i: int, case_id: int) -> None:
        outcomes[i] = fire(services, clerk, case_id, Move(CLERK, "finish", "done"), None)

    event.listen(db.engine, "after_cursor_execute", meet_after_own_write)
    try:
        threads = [threading.Thread(target=finish, args=(i, c)) for i, c in enumerate((a.id, b.id))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
    finally:
        event.remove(db.engine, "after_cursor_execute", meet_after_own_write)
    assert sorted(outcomes) == [("DatabaseBusy", None), ("ok", "done")], outcomes
    winner, loser = (a.id, b.id) if outcomes[0][0] == "ok" else (b.id, a.id)
    with db.read() as s:
        assert s.get(Case, winner).state == "done"
        assert s.get(Case, loser).state == "open"
        assert s.get(Case, loser).data["notes"] == [f"kind {winner} klaar"]
        trails = {c: s.scalars(select(AuditEntry.trigger).where(AuditEntry.case_id == c)
                               .order_by(AuditEntry.seq)).all() for c in (winner, loser)}
        assert verify_all(s, reg) == (2, [])
    assert trails == {winner: ["start", "finish"], loser: ["start", "note"]}
