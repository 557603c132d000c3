"""The timer sweep: claim due timers with a lease, fire each in its own transaction.

A timer is due work written in the transaction that entered a state ("evaluate four
weeks after the start"). The sweep:

1. claims a batch of due timers in due order with one statement (`_CLAIM`: a lease that
   expires, so a crashed worker's timers are taken over by another worker);
2. fires each claimed timer in its own transaction through the runtime as the SYSTEM
   actor: state change, audit row and the timer's status `fired` commit together, so a
   timer fires exactly once even with several workers. The batch's timers share one pooled
   connection (`_BatchConnection`), one transaction after the other, never one for several;
3. re-checks the case first: a case that left the state (or left and re-entered it) is
   not moved; the timer is marked `skipped` with the reason;
4. on failure retries with back-off and after `max_attempts` marks the timer `incident`
   (listed by `jobtraject incidents`, retried by `jobtraject incidents retry`). A stale
   write or a busy database (a user changed the case at the same moment) is a retry soon,
   not a failure.

Catch-up after downtime needs nothing special: every timer due while the system was down
is claimed in due order and fires once, late.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, union_all, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.clock import Clock, ensure_utc
from engine.errors import DatabaseBusy, StaleCase
from engine.jobs.workers import (
    backoff,
    describe_error,
    is_transient_db_error,
    make_worker_id,
    reopen_incident,
)
from engine.registry import Registry
from engine.runtime import apply_transition, load_case
from engine.spec import SYSTEM_ACTOR
from engine.store.db import Database
from engine.store.driver_sql import DriverStatement
from engine.store.models import Case, Timer
from engine.store.unit import hold, write_unit

log = logging.getLogger("jobtraject.timers")

# The statements of `fire`, built once (Core, on the session's connection): per timer,
# building ORM-enabled statements cost more than the transition itself (docs/benchmark.md).
_T = Timer.__table__
# Ownership check, row lock and "fired" in one statement. Marking the timer fired before the
# transition runs is safe because both are in one transaction: if the transition fails,
# the rollback takes the mark back with it (and `_failed`/`_transient` record the attempt).
# It saves the separate UPDATE after the transition, one statement of seven per timer.
_TAKE_AND_FIRE = DriverStatement(
    update(_T)
    .where(_T.c.id == bindparam("b_id"), _T.c.status == "claimed", _T.c.locked_by == bindparam("b_worker"))
    .values(attempts=_T.c.attempts + 1, lease_until=None, status="fired", fired_at=bindparam("b_at"),
            next_attempt_at=None)
    .returning(_T.c.case_id, _T.c.state, _T.c.trigger, _T.c.created_at)
)
_MARK_SKIPPED = DriverStatement(
    update(_T).where(_T.c.id == bindparam("b_id"))
    .values(status="skipped", fired_at=None, last_error=bindparam("b_why"))
)


def _claim_statement() -> DriverStatement:
    """The claim of `TimerSweep.claim` as one statement, built once (it was three ORM statements
    built per batch, a fifth of the sweep's time). `FOR UPDATE SKIP LOCKED` is PostgreSQL's
    (SQLite renders none); MATERIALIZED makes each locking pick run exactly once (inside
    `id IN (...)` the planner may rescan a LIMIT ... SKIP LOCKED subquery and claim more)."""
    now, limit = bindparam("b_now"), bindparam("b_limit")
    ready = (_T.c.due_at <= now) & or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= now)
    pending = and_(_T.c.status == "pending", ready)
    expired = and_(_T.c.status == "claimed", _T.c.lease_until < now)

    def pick(condition: ColumnElement[bool], name: str) -> Any:
        return (select(_T.c.id, _T.c.due_at).where(condition).order_by(_T.c.due_at, _T.c.id).limit(limit)
                .with_for_update(skip_locked=True).cte(name).prefix_with("MATERIALIZED"))

    due, lapsed = pick(pending, "due"), pick(expired, "lapsed")
    picks = union_all(select(due.c.id, due.c.due_at), select(lapsed.c.id, lapsed.c.due_at)).subquery("picks")
    first = select(picks.c.id).order_by(picks.c.due_at, picks.c.id).limit(limit)
    return DriverStatement(
        update(_T).where(_T.c.id.in_(first.scalar_subquery()), or_(pending, expired))
        .values(status="claimed", locked_by=bindparam("b_worker"), lease_until=bindparam("b_until"))
        .returning(_T.c.id, _T.c.due_at)
    )


_CLAIM = _claim_statement()


@dataclass(frozen=True)
class TimerSettings:
    lease: timedelta = timedelta(minutes=2)
    batch_size: int = 25
    max_attempts: int = 5
    retry_base: timedelta = timedelta(seconds=30)
    retry_max: timedelta = timedelta(hours=1)
    transient_retry: timedelta = timedelta(seconds=5)
    time_budget_seconds: float = 50.0  # one sweep call stops claiming after this (wall clock)


class Outcome(StrEnum):
    FIRED = "fired"
    SKIPPED = "skipped"
    RETRY = "retry"          # failed, will be tried again after back-off
    INCIDENT = "incident"    # failed for the last time
    TRANSIENT = "transient"  # stale case / busy database: tried again soon, not counted
    LOST = "lost"            # our lease was taken over; another worker handles it


@dataclass
class SweepReport:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        self.outcomes[outcome.value] = self.outcomes.get(outcome.value, 0) + 1

    def count(self, outcome: Outcome) -> int:
        return self.outcomes.get(outcome.value, 0)


def skip_reason(case: Case | None, state: str, scheduled_at: datetime) -> str | None:
    """Why a timer scheduled on entering `state` must not fire any more (None: it still applies)."""
    if case is None:
        return "zaak bestaat niet meer"
    if case.state != state:
        return f"zaak staat niet meer in fase '{state}' maar in '{case.state}'"
    if ensure_utc(case.state_entered_at) > ensure_utc(scheduled_at):
        return f"zaak heeft fase '{state}' verlaten en is er opnieuw in gekomen"
    return None


class TimerSweep:
    """Claims and fires due timers; safe to run in any number of processes at once."""

    def __init__(
        self,
        db: Database,
        registry: Registry,
        clock: Clock,
        settings: TimerSettings | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.registry = registry
        self.clock = clock
        self.settings = settings or TimerSettings()
        self.worker_id = worker_id or make_worker_id("timers")

    # -- claiming ------------------------------------------------------------------------
    def claim(self, limit: int | None = None) -> list[int]:
        """Claim due timers for this worker; ids in due order.

        One statement (`_CLAIM`) in one session-less transaction: two picks, each read in order
        from `ix_timer_status_due` and stopped at `limit` (due pending timers, and claimed timers
        whose lease expired; one pick with an OR of both scanned and sorted the whole table on
        every batch, docs/benchmark.md), the first `limit` of both, and the UPDATE that claims
        them. On PostgreSQL the picks lock their rows `FOR UPDATE SKIP LOCKED`, so workers never
        queue behind each other; the UPDATE re-checks the condition, so a row another worker
        claimed in between is never taken (SQLite: `BEGIN IMMEDIATE`, nobody else writes meanwhile).
        """
        now = self.clock.now()
        params = {"b_now": now, "b_limit": limit or self.settings.batch_size, "b_worker": self.worker_id,
                  "b_until": now + self.settings.lease}
        with write_unit(self.db) as unit:
            rows = _CLAIM.mappings(unit, params)
        return [r["id"] for r in sorted(rows, key=lambda r: (r["due_at"], r["id"]))]

    def release(self, timer_ids: list[int]) -> None:
        """Give claimed timers back (a clean shutdown in the middle of a batch)."""
        if not timer_ids:
            return
        with self.db.write() as s:
            s.execute(
                update(Timer)
                .where(Timer.id.in_(timer_ids), Timer.status == "claimed", Timer.locked_by == self.worker_id)
                .values(status="pending", locked_by=None, lease_until=None)
            )

    # -- firing --------------------------------------------------------------------------
    def _owned(self, s: Session, timer_id: int) -> Timer | None:
        stmt = select(Timer).where(Timer.id == timer_id)
        if not self.db.sqlite:
            stmt = stmt.with_for_update()
        timer = s.scalars(stmt).first()
        if timer is None or timer.status != "claimed" or timer.locked_by != self.worker_id:
            return None
        return timer

    def fire(self, timer_id: int, held: Any = None) -> Outcome:
        """Fire one claimed timer in its own transaction; failures are recorded, never raised.

        The transaction is a session-less unit of work (engine/store/unit.py: BEGIN and COMMIT
        sent directly, `Database.write`'s commit and error rules), on `held` if given (the
        batch's connection, see `sweep`), else on a connection of its own.
        """
        now = self.clock.now()
        try:
            with write_unit(self.db, held) as s:
                conn = s
                # Ownership check, row lock and the fired mark in one statement: only the lease
                # holder goes on (a failed transition rolls the mark back).
                taken = _TAKE_AND_FIRE.mappings(conn, {"b_id": timer_id, "b_worker": self.worker_id, "b_at": now})
                if not taken:
                    return Outcome.LOST
                timer = SimpleNamespace(**taken[0])
                case = load_case(s, timer.case_id, lock=not self.db.sqlite)
                reason = skip_reason(case, timer.state, timer.created_at)
                if reason is not None:
                    _MARK_SKIPPED.execute(conn, {"b_id": timer_id, "b_why": reason})
                    log.info("timer %s skipped (case %s)", timer_id, timer.case_id)
                    return Outcome.SKIPPED
                assert case is not None
                apply_transition(
                    s, self.registry, case, timer.trigger, SYSTEM_ACTOR, now, {}, request_id=f"timer:{timer_id}",
                )
            return Outcome.FIRED
        except (StaleCase, StaleDataError, DatabaseBusy) as exc:
            return self._transient(timer_id, exc)
        except Exception as exc:  # noqa: BLE001 - one broken case never blocks the sweep
            if is_transient_db_error(exc):
                return self._transient(timer_id, exc)
            return self._failed(timer_id, exc)

    def _transient(self, timer_id: int, exc: BaseException) -> Outcome:
        now = self.clock.now()
        log.info("timer %s: %s, will retry", timer_id, type(exc).__name__)
        try:
            with self.db.write() as s:
                timer = self._owned(s, timer_id)
                if timer is None:
                    return Outcome.LOST
                timer.status = "pending"
                timer.locked_by = None
                timer.lease_until = None
                timer.next_attempt_at = now + self.settings.transient_retry
                timer.last_error = describe_error(exc)
        except Exception as again:  # noqa: BLE001 - the lease will expire and another worker retries
            log.warning("timer %s: could not record retry (%s)", timer_id, type(again).__name__)
        return Outcome.TRANSIENT

    def _failed(self, timer_id: int, exc: BaseException) -> Outcome:
        now = self.clock.now()
        try:
            with self.db.write() as s:
                timer = self._owned(s, timer_id)
                if timer is None:
                    return Outcome.LOST
                timer.attempts = (timer.attempts or 0) + 1
                timer.last_error = describe_error(exc)
                timer.lease_until = None
                if timer.attempts >= self.settings.max_attempts:
                    timer.status = "incident"
                    timer.next_attempt_at = None
                    outcome = Outcome.INCIDENT
                else:
                    timer.status = "pending"
                    timer.locked_by = None
                    timer.next_attempt_at = now + backoff(
                        timer.attempts, self.settings.retry_base, self.settings.retry_max
                    )
                    outcome = Outcome.RETRY
                attempts = timer.attempts
        except Exception as again:  # noqa: BLE001
            log.warning("timer %s: could not record failure (%s)", timer_id, type(again).__name__)
            return Outcome.RETRY
        level = logging.ERROR if outcome is Outcome.INCIDENT else logging.WARNING
        log.log(level, "timer %s failed (attempt %s, %s): %s", timer_id, attempts, outcome.value,
                type(exc).__name__)
        return outcome

    # -- the sweep -----------------------------------------------------------------------
    def sweep(self, stop: threading.Event | None = None) -> SweepReport:
        """Claim and fire batches until nothing is due, the time budget is spent or `stop` is set."""
        report = SweepReport()
        started = time.monotonic()
        while not (stop and stop.is_set()):
            if time.monotonic() - started > self.settings.time_budget_seconds:
                break
            ids = self.claim()
            if not ids:
                break
            report.claimed += len(ids)
            with _BatchConnection(self.db) as batch:
                for i, timer_id in enumerate(ids):
                    if stop and stop.is_set():
                        self.release(ids[i:])
                        break
                    outcome = self.fire(timer_id, batch.conn)
                    report.add(outcome)
                    if outcome not in _CLEAN:
                        batch.renew()  # after a failed transaction the next timer starts on a fresh connection
        return report


_CLEAN = frozenset((Outcome.FIRED, Outcome.SKIPPED, Outcome.LOST))


class _BatchConnection:
    """One pooled connection for the timers of one batch, each still in its own transaction.

    Why: a pool checkout per timer (with its pre-ping round trip on PostgreSQL) cost about
    15 % of a timer's CPU (`python -m bench.ab sweep`, docs/benchmark.md). Between two timers the connection holds no
    transaction and no lock. The price: without a pre-ping per timer, the first timer after a
    database restart fails on the dead connection as `DatabaseUnavailable`, a retry soon that
    is not counted as an attempt, and the batch goes on with a fresh connection. When the
    checkout fails (`conn` None), each timer checks out its own, so the error is classified there.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: Any = None  # from `unit.hold`

    def __enter__(self) -> _BatchConnection:
        self.renew()
        return self

    def renew(self) -> None:
        self.close()
        try:
            self.conn = hold(self.db)
        except DBAPIError:
            self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            with suppress(DBAPIError):
                self.conn.close()
            self.conn = None

    def __exit__(self, *_exc: object) -> None:
        self.close()


# -- incidents -------------------------------------------------------------------------

def incidents(session: Session) -> list[Timer]:
    return list(session.scalars(select(Timer).where(Timer.status == "incident").order_by(Timer.id)))


def retry_incident(db: Database, timer_id: int, now: datetime) -> None:
    """Give an incident timer a fresh set of attempts, ready now."""
    reopen_incident(db, Timer, timer_id, now, "Er is geen timer-incident met dit nummer.")
