"""SQLite under contention: 8 writers, the timer sweep and a long export at once.

Every write transaction starts with BEGIN IMMEDIATE and waits up to the busy timeout
(engine/store/db.py), so writers queue instead of failing and a long read transaction (WAL)
blocks nobody. A write that still cannot get the lock in time is a Dutch 503 "probeer het
opnieuw" and writes nothing; "database is locked" never reaches a user.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from engine.jobs.timers import TimerSettings, TimerSweep
from engine.store.db import Database
from engine.store.models import AuditEntry
from tests.faults.harness import (
    assert_nothing_lost,
    coach_world,
    fault_log,
    login_as,
    seed_due_timers,
    web_app,
)
from tests.helpers import snapshot

pytestmark = pytest.mark.slow
WRITERS = 8
ROUNDS = 20  # each writer: evaluate + replan, ROUNDS times, on its own case
DUE_TIMERS = 300


@pytest.fixture
def url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'contention.db'}"
    db = Database(url)
    db.create_all()
    db.dispose()
    return url


def test_eight_writers_a_sweep_and_a_long_export_at_once_never_show_a_locked_database(url):
    seeding = Database(url)
    seed_due_timers(seeding, DUE_TIMERS)
    seeding.dispose()
    app = web_app(url)
    svc = app.extensions["jobtraject"]
    coach, _org, ids = coach_world(app, n_cases=WRITERS)
    statuses: Counter[int] = Counter()
    acknowledged: list[str] = []
    bodies_with_lock_errors: list[str] = []
    lock = threading.Lock()
    done = threading.Event()
    export_rows = [0]

    def writer(n: int) -> None:
        client = app.test_client()
        login_as(client, coach.user_id)
        for r in range(ROUNDS):
            for trigger in ("evaluate", "replan"):
                rid = f"w{n}-{r}-{trigger}"
                response = client.post(f"/zaken/{ids[n]}/acties/{trigger}", headers={"X-Request-Id": rid})
                body = response.get_data(as_text=True)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 302:
                        acknowledged.append(rid)
                    if "locked" in body or "Traceback" in body:
                        bodies_with_lock_errors.append(rid)

    def sweeper() -> None:
        sweep = TimerSweep(svc.db, svc.registry, svc.clock, TimerSettings(batch_size=25), worker_id="sweeper")
        while sweep.sweep().claimed:
            pass

    def export() -> None:
        """A long read transaction: pages through the audit trail slowly until the writers finish."""
        with svc.db.read() as s:
            while not done.is_set():
                for _row in s.execute(select(AuditEntry.id, AuditEntry.hash)).yield_per(200):
                    export_rows[0] += 1
                    if export_rows[0] % 200 == 0:
                        time.sleep(0.01)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads += [threading.Thread(target=sweeper)]
    reader = threading.Thread(target=export)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    done.set()
    reader.join(30)
    assert not any(t.is_alive() for t in [*threads, reader])

    fault_log("SQLite contention", writers=WRITERS, requests=sum(statuses.values()), statuses=dict(statuses),
              swept_timers=DUE_TIMERS, exported_rows=export_rows[0])
    assert bodies_with_lock_errors == []
    assert set(statuses) <= {302, 503}, statuses
    assert statuses[302] == WRITERS * ROUNDS * 2, "with BEGIN IMMEDIATE and the busy timeout every write waits its turn"
    with svc.db.engine.connect() as conn:
        busy, _log, _checkpointed = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    assert busy == 0, "the WAL can be checkpointed once the export ends"
    assert_nothing_lost(svc.db, svc.registry, acknowledged=acknowledged, label="sqlite contention")
    svc.db.dispose()


def test_a_write_that_cannot_get_the_lock_in_time_is_a_dutch_503_and_writes_nothing(url):
    app = web_app(url, SQLITE_BUSY_TIMEOUT_MS=300)
    svc = app.extensions["jobtraject"]
    coach, _org, ids = coach_world(app, n_cases=1)
    client = app.test_client()
    login_as(client, coach.user_id)
    before = snapshot(svc.db)

    holder = sqlite3.connect(make_url(url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock far longer than the timeout
    try:
        response = client.post(f"/zaken/{ids[0]}/acties/evaluate", headers={"X-Request-Id": "blocked"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Probeer het opnieuw" in page and "locked" not in page
    assert response.headers["Retry-After"]
    assert snapshot(svc.db) == before, "nothing written"

    assert client.post(f"/zaken/{ids[0]}/acties/evaluate", headers={"X-Request-Id": "again"}).status_code == 302
    fault_log("SQLite lock timeout", refused_writes=1, recovered_writes=1)
    assert_nothing_lost(svc.db, svc.registry, acknowledged=["again"], label="sqlite lock timeout")
    svc.db.dispose()
