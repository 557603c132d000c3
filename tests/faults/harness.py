"""Helpers for the multi-process fault tests: seed due timers, run worker processes, check invariants."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from engine.audit import GENESIS, entry_hash, verify_all
from engine.clock import SystemClock
from engine.ops.invariants import InvariantReport, check_all
from engine.registry import Registry
from engine.runtime import START_TRIGGER
from engine.spec import SYSTEM_ACTOR
from engine.store.db import Database
from engine.store.models import AuditEntry, Case, Timer
from tests import dbs
from tests.timer_workflow import EVALUATION

ROOT = Path(__file__).resolve().parents[2]


def database_url(kind: str, tmp_path: Path, request) -> str:
    """An empty database of the given kind: a fresh SQLite file, or the run's PostgreSQL database truncated."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'faults.db'}"
        db = Database(url)
        db.create_all()
    else:
        url = request.getfixturevalue("pg_url")
        db = Database(url)
        dbs.truncate_all(db)
    db.dispose()
    return url


def registry() -> Registry:
    reg = Registry()
    reg.register(EVALUATION)
    return reg


def seed_due_timers(db: Database, n: int, *, chunk: int = 1000, now: datetime | None = None,
                    data: dict | None = None) -> datetime:
    """`n` cases in 'planned' (ids 1..n, an empty database), each with an evaluation timer already due.

    Rows are bulk-inserted as `create_case` would write them (first audit row with its hash),
    which takes a second instead of a minute; `verify_all` afterwards proves they are sound.
    """
    now = now or SystemClock().now()
    entered = now - timedelta(hours=1)
    for start in range(1, n + 1, chunk):
        cases, audits, timers = [], [], []
        for case_id in range(start, min(n, start + chunk - 1) + 1):
            due = now - timedelta(minutes=10) + timedelta(milliseconds=case_id)
            digest = entry_hash(prev_hash=GENESIS, case_id=case_id, seq=1, at=entered, actor_user_id=None,
                                actor_role=SYSTEM_ACTOR.role, trigger=START_TRIGGER, from_state=None,
                                to_state="planned", payload={}, reason=None, request_id=None)
            cases.append({"id": case_id, "workflow": EVALUATION.name, "workflow_version": EVALUATION.version,
                          "state": "planned", "data": {"evaluate_at": due.isoformat(), **(data or {})},
                          "organisation_id": None,
                          "parent_id": None, "created_at": entered, "updated_at": entered,
                          "state_entered_at": entered, "closed_at": None, "audit_seq": 1, "last_hash": digest,
                          "version": 1})
            audits.append({"case_id": case_id, "seq": 1, "at": entered, "actor_user_id": None,
                           "actor_role": SYSTEM_ACTOR.role, "trigger": START_TRIGGER, "from_state": None,
                           "to_state": "planned", "payload": {}, "reason": None, "request_id": None,
                           "prev_hash": GENESIS, "hash": digest})
            timers.append({"case_id": case_id, "state": "planned", "trigger": "evaluate", "name": "evaluation_due",
                           "due_at": due, "status": "pending", "attempts": 0, "created_at": entered})
        with db.engine.begin() as conn:
            conn.execute(insert(Case.__table__), cases)
            conn.execute(insert(AuditEntry.__table__), audits)
            conn.execute(insert(Timer.__table__), timers)
    if not db.sqlite:
        with db.engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('wf_case', 'id'), :n)"), {"n": n})
    return now


@dataclass
class Worker:
    name: str
    proc: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    def readline(self, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line:
                self.lines.append(line.strip())
                return line.strip()
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited early: {self.proc.stderr.read()[-2000:]}")
        raise TimeoutError(f"worker {self.name} said nothing for {timeout} s")

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def summary(self) -> dict:
        return json.loads(self.lines[-1])


def spawn(url: str, name: str, *args: str) -> Worker:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.worker_proc", "--url", url, "--name", name, *args],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
    )
    worker = Worker(name, proc)
    assert worker.readline(timeout=60) == "ready"
    return worker


def finish(workers: list[Worker], timeout: float = 110.0) -> None:
    """Wait for every worker; kill them all when the time is up (the test then fails)."""
    deadline = time.monotonic() + timeout
    for w in workers:
        try:
            out, err = w.proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in workers:
                other.proc.kill()
            raise AssertionError(f"worker {w.name} did not finish in {timeout} s") from None
        w.lines.extend(line for line in out.splitlines() if line.strip())
        assert w.proc.returncode == 0, f"worker {w.name} failed: {err[-2000:]}"


def assert_every_due_timer_fired_exactly_once(db: Database, expected: int) -> dict[str, int]:
    """The fault-test invariants; returns how many timers each worker fired."""
    with db.read() as s:
        statuses = dict(s.execute(select(Timer.status, func.count()).group_by(Timer.status)).all())
        per_timer = s.execute(
            select(AuditEntry.request_id, func.count()).where(AuditEntry.trigger == "evaluate")
            .group_by(AuditEntry.request_id).having(func.count() > 1)
        ).all()
        evaluations = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.trigger == "evaluate"))
        evaluated_cases = s.scalar(select(func.count(func.distinct(AuditEntry.case_id)))
                                   .where(AuditEntry.trigger == "evaluate"))
        by_worker = dict(s.execute(select(Timer.locked_by, func.count()).group_by(Timer.locked_by)).all())
        checked, problems = verify_all(s, registry())
    assert statuses == {"fired": expected}, f"timer statuses: {statuses}"
    assert per_timer == [], "a timer fired twice"
    assert evaluations == expected and evaluated_cases == expected, "every case evaluated exactly once"
    assert checked == expected and problems == [], problems[:5]
    assert_nothing_lost(db, registry(), label="timer workers")
    return by_worker


def assert_nothing_lost(
    db: Database,
    reg: Registry,
    now: datetime | None = None,
    *,
    grace: timedelta = timedelta(0),
    acknowledged: Iterable[str] | None = None,
    delivered: Iterable[str] | None = None,
    label: str = "",
) -> InvariantReport:
    """Run the invariant checker (engine/ops/invariants.py) after a fault test; fail on any problem.

    The figures go to stdout and, when JOBTRAJECT_FAULT_LOG names a file, as one JSON line
    there (the fault report is built from it).
    """
    report = check_all(db, reg, now or SystemClock().now(), grace=grace, acknowledged=acknowledged,
                       delivered_message_ids=delivered)
    figures = {c.name: c.figures for c in report.checks}
    print(f"\ninvariants [{label}]: {'OK' if report.ok else 'FAILED'} {figures}")
    log_file = os.environ.get("JOBTRAJECT_FAULT_LOG")
    if log_file:
        with open(log_file, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"test": label, "ok": report.ok, "figures": figures,
                                 "problems": report.problems[:20]}) + "\n")
    assert report.ok, "\n".join(report.lines())
    return report


def fault_log(label: str, **figures: object) -> None:
    """Record how often a fault was injected (stdout and JOBTRAJECT_FAULT_LOG)."""
    print(f"\nfault [{label}]: {figures}")
    log_file = os.environ.get("JOBTRAJECT_FAULT_LOG")
    if log_file:
        with open(log_file, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"fault": label, **figures}, default=str) + "\n")


def login_as(client, user_id: int) -> None:
    """Sign a Flask test client in with a real server-side session (no password, no code step)."""
    from tests.sessions import sign_in_id

    sign_in_id(client, user_id)


def session_cookie(app, user_id: int) -> str:
    """The session cookie value that signs `user_id` in on a server sharing `app`'s SECRET_KEY."""
    client = app.test_client()
    login_as(client, user_id)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return cookie.value


def web_app(url: str, clock=None, **config):
    """The real Flask app on `url` with the test workflow registered; CSRF off (test client)."""
    from webui import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "fault-tests", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, **config}, clock=clock)
    app.extensions["jobtraject"].registry.register(EVALUATION)
    return app


def coach_world(app, n_cases: int = 0, due_in: timedelta = timedelta(days=30)):
    """A JoB organisation and coach, plus `n_cases` evaluation cases; returns (coach, org, case ids)."""
    from tests.helpers import make_org, make_user
    from workflows.domain.roles import JOB

    svc = app.extensions["jobtraject"]
    org = make_org(svc.db, "JoB Jobcoaching", "job")
    coach = make_user(svc.db, org, JOB, "coach@job.example", "Sanne")
    due = (svc.clock.now() + due_in).isoformat()
    ids = [svc.start_case(coach, "evaluation", {"evaluate_at": due}, organisation_id=org).id
           for _ in range(n_cases)]
    return coach, org, ids
