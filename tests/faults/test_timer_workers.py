"""Several worker processes sweep 5,000 due timers at once: each fires exactly once, none is lost.

`python -m tests.faults.measure_sweep` times the same sweep with one, two and four workers.
"""

from __future__ import annotations

import time

import pytest

from engine.store.db import Database
from tests.faults.harness import (
    assert_every_due_timer_fired_exactly_once,
    database_url,
    finish,
    seed_due_timers,
    spawn,
)

pytestmark = pytest.mark.slow
TIMERS = 5000


def sweep_with_processes(url: str, n_workers: int, timers: int = TIMERS, deadline: float = 105.0
                         ) -> tuple[float, dict[str, int]]:
    """Seed `timers` due timers, let `n_workers` processes sweep them; returns (seconds, fired per worker)."""
    db = Database(url)
    try:
        seed_due_timers(db, timers)
        workers = [spawn(url, f"worker-{i}", "--batch", "25", "--deadline", str(deadline))
                   for i in range(n_workers)]
        started = time.monotonic()
        for w in workers:
            w.go()
        finish(workers, timeout=deadline + 10)
        elapsed = time.monotonic() - started
        by_worker = assert_every_due_timer_fired_exactly_once(db, timers)
        assert sum(w.summary()["fired"] for w in workers) == timers
        return elapsed, by_worker
    finally:
        db.dispose()


@pytest.mark.postgres
def test_four_worker_processes_against_one_postgresql_database_fire_5000_timers_exactly_once(
    tmp_path, request, record_property
):
    elapsed, by_worker = sweep_with_processes(database_url("postgresql", tmp_path, request), 4)
    record_property("seconds", round(elapsed, 2))
    print(f"\nPostgreSQL, 4 workers: {TIMERS} timers in {elapsed:.1f} s; per worker {sorted(by_worker.values())}")
    assert len(by_worker) >= 2, "the work was shared"


def test_two_worker_processes_against_one_sqlite_file_fire_5000_timers_exactly_once(
    tmp_path, request, record_property
):
    elapsed, by_worker = sweep_with_processes(database_url("sqlite", tmp_path, request), 2)
    record_property("seconds", round(elapsed, 2))
    print(f"\nSQLite, 2 workers: {TIMERS} timers in {elapsed:.1f} s; per worker {sorted(by_worker.values())}")
    assert len(by_worker) == 2, "both processes fired timers"
