"""Several `jobtraject worker` processes (the real command, APScheduler and all) at once, and killed.

Every due evaluation fires exactly once and its mail reaches the SMTP server once: the
workers claim with leases, the outbox has unique Message-IDs and dedupe keys. On SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine.db import Database
from engine.models import OutboxMessage, Timer
from tests.faults.harness import (
    ROOT,
    assert_nothing_lost,
    database_url,
    fault_log,
    registry,
    seed_due_timers,
)
from tests.helpers import make_org, make_user
from workflows.roles import JOB

pytestmark = pytest.mark.slow
WORKERS = 3
TIMERS = 200
KILLS = 3


def start_worker(url: str, smtp_port: int, **settings: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "fault-tests", "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(smtp_port), "SCHEDULER_INTERVAL_SECONDS": "0.5", "SMTP_TIMEOUT": "5", **settings}
    return subprocess.Popen([sys.executable, "-m", "tests.faults.app_proc", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_three_worker_processes_fire_each_timer_once_and_send_each_mail_once(kind, tmp_path, request, smtp_server):
    url = database_url(kind, tmp_path, request)
    db = Database(url)
    try:
        org = make_org(db, "JoB Jobcoaching", "job")
        coach = make_user(db, org, JOB, "coach@job.example", "Sanne")
        seed_due_timers(db, TIMERS, data={"coach_id": coach.user_id, "mail_coach": True})
        workers = [start_worker(url, smtp_server.port) for _ in range(WORKERS)]
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with db.read() as s:
                    unfired = s.scalar(select(func.count()).select_from(Timer).where(Timer.status != "fired"))
                    unsent = s.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status != "sent"))
                if unfired == 0 and unsent == 0 and len(smtp_server.messages) >= TIMERS:
                    break
                assert all(w.poll() is None for w in workers), "a worker died"
                time.sleep(0.5)
        finally:
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                try:
                    w.wait(30)
                except subprocess.TimeoutExpired:
                    w.kill()
                    w.wait(10)
        errors = [w.stderr.read()[-1500:] for w in workers if w.returncode != 0]
        assert errors == [], errors
        with db.read() as s:
            by_worker = Counter(dict(s.execute(select(Timer.locked_by, func.count()).group_by(Timer.locked_by)).all()))
            mails = s.scalar(select(func.count()).select_from(OutboxMessage))
        received = [m.message["Message-ID"] for m in smtp_server.messages]
        fault_log("several schedulers", kind=kind, workers=WORKERS, timers=TIMERS, mails=mails,
                  received=len(received), fired_per_worker=sorted(by_worker.values()))
        assert len(received) == len(set(received)) == mails >= TIMERS, "each mail sent once"
        assert_nothing_lost(db, registry(), delivered=received,
                            label=f"several schedulers {kind}")
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Timer).where(Timer.status == "fired")) == TIMERS
    finally:
        db.dispose()


def test_worker_processes_killed_at_random_moments_lose_nothing_and_send_no_mail_twice_under_two_ids(
    tmp_path, request, smtp_server
):
    """SIGKILL while holding timers and mail: leases expire, others take over; a mail may arrive
    twice only with the same Message-ID (killed between the SMTP server's OK and the commit)."""
    import random

    url = database_url("sqlite", tmp_path, request)
    db = Database(url)
    rng = random.Random(int(os.environ.get("JOBTRAJECT_FAULT_SEED", "20261203")))
    extra = {"TIMER_LEASE_SECONDS": "2", "MAIL_LEASE_SECONDS": "3", "SMTP_TIMEOUT": "1"}
    try:
        org = make_org(db, "JoB Jobcoaching", "job")
        coach = make_user(db, org, JOB, "coach@job.example", "Sanne")
        seed_due_timers(db, TIMERS, data={"coach_id": coach.user_id, "mail_coach": True})
        workers = [start_worker(url, smtp_server.port, **extra) for _ in range(2)]
        kills = 0

        def fired() -> int:
            with db.read() as s:
                return s.scalar(select(func.count()).select_from(Timer).where(Timer.status == "fired"))

        try:
            for _ in range(KILLS):
                before, deadline = fired(), time.monotonic() + 60
                while fired() < before + 10 and time.monotonic() < deadline:  # busy at the moment of the kill
                    time.sleep(0.1)
                time.sleep(rng.uniform(0.0, 0.5))
                victim = workers.pop(rng.randrange(len(workers)))
                victim.kill()
                victim.wait(10)
                kills += 1
                workers.append(start_worker(url, smtp_server.port, **extra))
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with db.read() as s:
                    unsent = s.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status != "sent"))
                if fired() == TIMERS and unsent == 0:
                    break
                time.sleep(0.5)
        finally:
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait(30)
        received = [m.message["Message-ID"] for m in smtp_server.messages]
        fault_log("kill -9 worker with mail", kind="sqlite", kills=kills, timers=TIMERS, received=len(received),
                  duplicate_deliveries_same_message_id=len(received) - len(set(received)))
        assert fired() == TIMERS
        assert_nothing_lost(db, registry(), delivered=received, label="kill -9 workers with mail")
    finally:
        db.dispose()
