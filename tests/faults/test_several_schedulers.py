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

from engine.store.db import Database
from engine.store.models import OutboxMessage, Timer
from tests.faults.harness import (
    ROOT,
    assert_nothing_lost,
    database_url,
    fault_log,
    registry,
    seed_due_timers,
)
from tests.helpers import make_org, make_user
from workflows.domain.roles import JOB

pytestmark = pytest.mark.slow
WORKERS = 3
TIMERS = 200
KILLS = 3
KILL_TIMERS = 1000  # enough work that every kill lands while the victim holds claims


class WorkerProcess:
    """`jobtraject worker` as a child process; stderr goes to a file (a pipe nobody reads can fill up
    and block the worker), and a worker that does not stop shows its threads' stacks."""

    def __init__(self, url: str, smtp_port: int, log_dir, **settings: str) -> None:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "fault-tests", "SMTP_HOST": "127.0.0.1",
               "SMTP_PORT": str(smtp_port), "SCHEDULER_INTERVAL_SECONDS": "0.5", "SMTP_TIMEOUT": "5",
               "WORKER_STOP_GRACE_SECONDS": "20", **settings}
        log_dir.mkdir(exist_ok=True)
        self.stderr_path = log_dir / f"worker-{time.monotonic_ns()}.stderr"
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "tests.faults.app_proc", "worker"], cwd=ROOT,
                                         env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        self.pid = self.proc.pid

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> int:
        """SIGTERM and wait; past the worker's own grace period it dumps its stacks and exits 1."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(40)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGUSR1)
            time.sleep(1)
            self.kill()
            raise AssertionError(f"worker {self.pid} ignored SIGTERM for 40 s:\n{self.stderr()}") from None


def stop_all(workers: list[WorkerProcess]) -> None:
    """Stop every worker (in parallel: SIGTERM to all first); each must exit cleanly (or die of the
    SIGTERM itself when it came before the worker had started, i.e. before it could claim anything)."""
    for w in workers:
        if w.proc.poll() is None:
            w.proc.send_signal(signal.SIGTERM)
    codes = {w.pid: w.stop() for w in workers}
    failed = {pid: code for pid, code in codes.items() if code not in (0, -signal.SIGTERM)}
    assert not failed, "\n".join(f"worker {w.pid} exited {w.proc.returncode}:\n{w.stderr()}"
                                 for w in workers if w.pid in failed)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_three_worker_processes_fire_each_timer_once_and_send_each_mail_once(kind, tmp_path, request, smtp_server):
    url = database_url(kind, tmp_path, request)
    db = Database(url)
    try:
        org = make_org(db, "JoB Jobcoaching", "job")
        coach = make_user(db, org, JOB, "coach@job.example", "Sanne")
        seed_due_timers(db, TIMERS, data={"coach_id": coach.user_id, "mail_coach": True})
        workers = [WorkerProcess(url, smtp_server.port, tmp_path / "logs") for _ in range(WORKERS)]
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with db.read() as s:
                    unfired = s.scalar(select(func.count()).select_from(Timer).where(Timer.status != "fired"))
                    unsent = s.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status != "sent"))
                if unfired == 0 and unsent == 0 and len(smtp_server.messages) >= TIMERS:
                    break
                assert all(w.proc.poll() is None for w in workers), "a worker died"
                time.sleep(0.5)
        finally:
            stop_all(workers)
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


def test_worker_processes_killed_while_holding_timers_and_mail_lose_nothing_and_send_no_mail_twice_under_two_ids(
    tmp_path, request, smtp_server
):
    """SIGKILL while a worker holds claimed timers or mail: its leases expire, the others take
    over; a mail may arrive twice only with the same Message-ID (killed between the SMTP
    server's OK and the commit)."""
    import random

    url = database_url("sqlite", tmp_path, request)
    db = Database(url)
    rng = random.Random(int(os.environ.get("JOBTRAJECT_FAULT_SEED", "20261203")))
    extra = {"TIMER_LEASE_SECONDS": "2", "MAIL_LEASE_SECONDS": "3", "SMTP_TIMEOUT": "1"}
    timers = KILL_TIMERS
    try:
        org = make_org(db, "JoB Jobcoaching", "job")
        coach = make_user(db, org, JOB, "coach@job.example", "Sanne")
        seed_due_timers(db, timers, data={"coach_id": coach.user_id, "mail_coach": True})
        workers = [WorkerProcess(url, smtp_server.port, tmp_path / "logs", **extra) for _ in range(2)]
        held_at_kill: list[int] = []

        def fired() -> int:
            with db.read() as s:
                return s.scalar(select(func.count()).select_from(Timer).where(Timer.status == "fired"))

        def unsent() -> int:
            with db.read() as s:
                return s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent"))

        def held_by(pid: int) -> int:
            """Timers and mails this process has claimed right now (its worker ids carry its pid)."""
            mine = f"%:{pid}:%"
            with db.read() as s:
                return (s.scalar(select(func.count()).select_from(Timer)
                                 .where(Timer.status == "claimed", Timer.locked_by.like(mine)))
                        + s.scalar(select(func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.status == "claimed", OutboxMessage.locked_by.like(mine))))

        try:
            for _ in range(KILLS):
                victim = workers.pop(rng.randrange(len(workers)))
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:  # kill it in the middle of a batch
                    held = held_by(victim.pid)
                    if held:
                        break
                    time.sleep(0.005)
                victim.kill()
                held_at_kill.append(held)
                workers.append(WorkerProcess(url, smtp_server.port, tmp_path / "logs", **extra))
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if fired() == timers and unsent() == 0:
                    break
                time.sleep(0.5)
        finally:
            stop_all(workers)
        received = [m.message["Message-ID"] for m in smtp_server.messages]
        fault_log("kill -9 worker holding timers and mail", kind="sqlite", kills=len(held_at_kill),
                  claims_held_at_each_kill=held_at_kill, timers=timers, received=len(received),
                  duplicate_deliveries_same_message_id=len(received) - len(set(received)))
        assert all(held_at_kill), f"every kill hit a worker holding claims: {held_at_kill}"
        assert fired() == timers
        assert_nothing_lost(db, registry(), delivered=received, label="kill -9 workers with mail")
    finally:
        db.dispose()


def test_a_worker_shows_its_threads_stacks_on_sigusr1_and_keeps_running(tmp_path, request, smtp_server):
    """An operator's `kill -USR1 PID` on a worker that seems stuck: where is every thread?"""
    url = database_url("sqlite", tmp_path, request)
    worker = WorkerProcess(url, smtp_server.port, tmp_path / "logs")
    try:
        deadline = time.monotonic() + 60
        while not _started(url) and time.monotonic() < deadline:
            time.sleep(0.2)
        worker.proc.send_signal(signal.SIGUSR1)
        while "Thread 0x" not in worker.stderr() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "Thread 0x" in worker.stderr() and "File " in worker.stderr(), worker.stderr()
        assert worker.proc.poll() is None, "still running after the dump"
    finally:
        stop_all([worker])


def _started(url: str) -> bool:
    """The worker has written its first heartbeat, so its signal handlers are in place."""
    from engine.store.models import WorkerHeartbeat

    db = Database(url)
    try:
        with db.read() as s:
            return bool(s.scalar(select(func.count()).select_from(WorkerHeartbeat)))
    except Exception:  # noqa: BLE001 - not migrated yet
        return False
    finally:
        db.dispose()
