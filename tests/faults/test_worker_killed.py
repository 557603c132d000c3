"""A worker killed with SIGKILL in the middle of its batch: another takes over after the lease, exactly once."""

from __future__ import annotations

import json
import os
import signal

import pytest
from sqlalchemy import select

from engine.clock import ensure_utc
from engine.store.db import Database
from engine.store.models import Timer
from tests.faults.harness import (
    assert_every_due_timer_fired_exactly_once,
    database_url,
    finish,
    seed_due_timers,
    spawn,
)

pytestmark = pytest.mark.slow
TIMERS = 300
LEASE_SECONDS = 4


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_worker_killed_while_holding_a_batch_is_taken_over_after_its_lease_exactly_once(kind, tmp_path, request):
    url = database_url(kind, tmp_path, request)
    db = Database(url)
    try:
        seed_due_timers(db, TIMERS)
        victim = spawn(url, "victim", "--hold", "--batch", "50", "--lease", str(LEASE_SECONDS), "--slow", "0.05")
        victim.go()
        claimed = json.loads(victim.readline())["claimed"]
        assert len(claimed) == 50
        for _ in range(10):
            assert "fired" in json.loads(victim.readline())
        os.kill(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(timeout=10)

        with db.read() as s:
            held = s.execute(select(Timer.id, Timer.lease_until).where(
                Timer.status == "claimed", Timer.locked_by == "victim")).all()
            fired_by_victim = set(s.scalars(select(Timer.id).where(
                Timer.status == "fired", Timer.locked_by == "victim")))
        assert held, "the victim died holding part of its batch"
        assert len(fired_by_victim) >= 10
        lease_until = {timer_id: ensure_utc(until) for timer_id, until in held}

        rescuer = spawn(url, "rescuer", "--deadline", "60")
        rescuer.go()
        finish([rescuer], timeout=75)

        by_worker = assert_every_due_timer_fired_exactly_once(db, TIMERS)
        assert by_worker == {"victim": len(fired_by_victim), "rescuer": TIMERS - len(fired_by_victim)}
        with db.read() as s:
            taken_over = s.execute(select(Timer.id, Timer.fired_at, Timer.locked_by).where(
                Timer.id.in_(list(lease_until)))).all()
        for timer_id, fired_at, locked_by in taken_over:
            assert locked_by == "rescuer"
            assert ensure_utc(fired_at) >= lease_until[timer_id], "not before the dead worker's lease expired"
    finally:
        db.dispose()
