"""Who sweeps: worker identities, lease-based claiming, back-off, heartbeats.

Any number of processes may sweep the same tables at once. A row is *claimed* by a
conditional UPDATE that only succeeds while nobody else holds a valid lease; on PostgreSQL
the candidates are picked with `FOR UPDATE SKIP LOCKED` so workers never queue behind each
other, on SQLite every write transaction is `BEGIN IMMEDIATE`, which serialises claimers.
A worker that dies keeps its rows only until `lease_until`; then any worker may take them.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine.errors import EngineError, NotFound
from engine.store.db import Database
from engine.store.models import WorkerHeartbeat


def make_worker_id(prefix: str = "") -> str:
    """Unique per process and sweeper: host, pid and a random suffix (pids are reused)."""
    host = socket.gethostname()[:60]
    head = f"{prefix}@" if prefix else ""
    return f"{head}{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claimable(model: Any, ready: ColumnElement[bool], now: datetime) -> ColumnElement[bool]:
    """Pending rows that are ready, or rows whose claimer's lease has expired."""
    return or_(
        and_(model.status == "pending", ready),
        and_(model.status == "claimed", model.lease_until < now),
    )


def claim_batch(
    session: Session,
    model: Any,
    *,
    ready: ColumnElement[bool],
    order_by: tuple[Any, ...],
    worker_id: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    postgres: bool,
) -> list[int]:
    """Claim up to `limit` rows for `worker_id` until `now + lease`; returns their ids.

    The condition is checked twice: when picking (with SKIP LOCKED on PostgreSQL) and again
    in the UPDATE itself, so a row another worker claimed in between is never taken.
    """
    condition = claimable(model, ready, now)
    pick = select(model.id).where(condition).order_by(*order_by).limit(limit)
    if postgres:
        # A MATERIALIZED CTE runs the locking pick exactly once. Inside `id IN (...)` the
        # planner may rescan a LIMIT ... SKIP LOCKED subquery and claim far more than `limit`.
        picked = pick.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        target = model.id == picked.c.id
    else:
        target = model.id.in_(pick.scalar_subquery())  # BEGIN IMMEDIATE: nobody else writes meanwhile
    stmt = (
        update(model)
        .where(target, condition)
        .values(status="claimed", locked_by=worker_id, lease_until=now + lease)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(stmt))


def backoff(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential back-off: base, 2*base, 4*base, ... never more than `cap`."""
    exponent = max(0, min(attempts - 1, 30))
    return min(cap, base * (2**exponent))


_EMAIL = re.compile(r"[^\s<>'\"()]+@[^\s<>'\"()]+")


def describe_error(exc: BaseException) -> str:
    """A short, data-free description for `last_error` and logs.

    Engine errors carry Dutch messages without personal data; database errors are reduced
    to their classes, because their text includes SQL parameters; mail addresses that SMTP
    servers echo back are blanked.
    """
    if isinstance(exc, EngineError):
        return f"{type(exc).__name__}: {exc.message}"[:1000]
    if isinstance(exc, SQLAlchemyError):
        orig = getattr(exc, "orig", None)
        return f"{type(exc).__name__}" + (f" ({type(orig).__name__})" if orig is not None else "")
    return _EMAIL.sub("<adres>", f"{type(exc).__name__}: {exc}")[:1000]


def is_transient_db_error(exc: BaseException) -> bool:
    """Serialization failures and deadlocks (SQLSTATE class 40): simply try again later."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None) or ""
    return isinstance(exc, SQLAlchemyError) and state.startswith("40")


# -- heartbeats ----------------------------------------------------------------------------

def _upsert(db: Database):
    return postgresql.insert if db.dialect == "postgresql" else sqlite.insert


def beat(db: Database, worker_id: str, now: datetime, started_at: datetime) -> None:
    """Record that `worker_id` is alive; forget workers silent for a week."""
    insert = _upsert(db)
    stmt = insert(WorkerHeartbeat).values(
        worker_id=worker_id, hostname=socket.gethostname()[:128], pid=os.getpid(),
        started_at=started_at, beat_at=now,
    )
    stmt = stmt.on_conflict_do_update(index_elements=["worker_id"], set_={"beat_at": now})
    with db.write() as s:
        s.execute(stmt)
        s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - timedelta(days=7)))


def forget(db: Database, worker_id: str) -> None:
    """A worker that stops cleanly removes its heartbeat."""
    with db.write() as s:
        s.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id))


def heartbeats(session: Session) -> list[WorkerHeartbeat]:
    return list(session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc())))


def reopen_incident(db: Database, model: Any, row_id: int, now: datetime, missing: str) -> None:
    """Give an incident row (timer or mail) a fresh set of attempts, ready now.

    `missing` is the Dutch message when no incident with that id exists.
    """
    with db.write() as s:
        row = s.get(model, row_id)
        if row is None or row.status != "incident":
            raise NotFound(missing, id=row_id)
        row.status = "pending"
        row.attempts = 0
        row.locked_by = None
        row.lease_until = None
        row.next_attempt_at = now
