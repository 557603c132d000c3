"""Part 3: the inbox, queue, dashboard and case pages on a big database.

`generate` fills an empty database with `n` company trajectories (default 100,000): ten
audit rows per case in a valid hash chain (1,000,000), five tasks per case (500,000), of
which one per open case is open (50,000), spread over 500 employers in 10 WSP regions and
50 JoB coaches. Rows go in with the driver's `executemany` in batches of 5,000 cases (on
SQLite with `PRAGMA synchronous=OFF`, for the generation only).

`measure_pages` requests each page through the Flask app (test client, logged in) and
reports p50/p95 latency; `measure_wrk` serves the same database with `jobtraject serve`
(waitress) and lets `wrk` say how many requests per second the inbox takes.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from werkzeug.exceptions import MethodNotAllowed, NotFound

from engine.audit import GENESIS, entry_hash
from engine.store.db import Database
from engine.store.models import Organisation, User
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.domain.company_trajectory import OPEN_PHASES
from workflows.domain.roles import JOB, OPDRACHTGEVER, ORG_EMPLOYER, ORG_JOB, ORG_WSP, WSP

ROOT = Path(__file__).resolve().parents[1]
AUDIT_PER_CASE = 10
TASKS_PER_CASE = 5
COACHES = 50
EMPLOYERS = 500
REGIONS = 10
CLOSED = ("afgerond", "gestopt")


@dataclass
class DataSet:
    n_cases: int
    coach_id: int            # a JoB coach with assigned open tasks: whose inbox is measured
    case_ids: list[int]      # a sample of cases for the case page
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    plan_ids: list[int] = field(default_factory=list)  # the demo's running plans, for the plan page


def add_plans(url: str) -> list[int]:
    """The demo story on top of the generated rows (its own organisations, people, candidates
    and two candidate plans four months into their year, through the real use cases): the plan
    page then has goals, evaluations, INVRA observations and hours to show at scale."""
    from webui import create_app
    from workflows.demo import load_demo

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret"})
    svc = app.extensions["jobtraject"]
    try:
        load_demo(svc, running_plans=True)
        with svc.db.read() as s:
            return list(s.execute(text("SELECT id FROM wf_case WHERE workflow = 'candidate_plan' ORDER BY id")
                                  ).scalars())
    finally:
        svc.db.dispose()


def generate(url: str, n: int, now: datetime, seed: int = 7, with_plans: bool = False) -> DataSet:
    """Bulk-insert the data set into the empty database at `url`; deterministic for a seed.
    `with_plans`: and the demo story on top (`add_plans`)."""
    db = Database(url)
    try:
        return _generate(db, n, now, seed, with_plans)
    finally:
        db.dispose()


def _generate(db: Database, n: int, now: datetime, seed: int, with_plans: bool) -> DataSet:
    rnd = random.Random(seed)
    started = time.monotonic()
    if db.sqlite:
        # For the generation only: this process's connections skip the fsync of each commit.
        event.listen(db.engine, "connect", lambda dbapi, _rec: dbapi.execute("PRAGMA synchronous=OFF"))
    with db.engine.begin() as conn:
        conn.execute(insert(Organisation.__table__), [
            {"id": 1, "name": "JoB Jobcoaching", "kind": ORG_JOB, "parent_id": None, "created_at": now}])
        conn.execute(insert(Organisation.__table__), [
            {"id": 1 + r, "name": f"WSP regio {r}", "kind": ORG_WSP, "parent_id": None, "created_at": now}
            for r in range(1, REGIONS + 1)])
        first_employer = 2 + REGIONS
        employers = list(range(first_employer, first_employer + EMPLOYERS))
        conn.execute(insert(Organisation.__table__), [
            {"id": e, "name": f"Werkgever {e}", "kind": ORG_EMPLOYER, "parent_id": 2 + (e % REGIONS),
             "created_at": now} for e in employers])
        users = [{"id": u, "email": f"coach{u}@job.example", "name": f"Coach {u}", "role": JOB,
                  "organisation_id": 1} for u in range(1, COACHES + 1)]
        users += [{"id": COACHES + r, "email": f"wsp{r}@wsp.example", "name": f"WSP {r}", "role": WSP,
                   "organisation_id": 1 + r} for r in range(1, REGIONS + 1)]
        conn.execute(insert(User.__table__), [
            {**u, "password_hash": None, "active": True, "is_coordinator": False, "notify": "none",
             "session_epoch": 0, "created_at": now} for u in users])
    rows = {"wf_case": 0, "audit_entry": 0, "task": 0, "open_task": 0}
    ts = (lambda d: d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")) if db.sqlite else (lambda d: d)
    p = "?" if db.sqlite else "%s"
    case_sql = ("INSERT INTO wf_case (id, workflow, workflow_version, state, data, organisation_id, parent_id, "
                "created_at, updated_at, state_entered_at, closed_at, audit_seq, last_hash, version) "
                f"VALUES ({p}, '{COMPANY_TRAJECTORY}', 1, {p}, '{{}}', {p}, NULL, {p}, {p}, {p}, {p}, {p}, {p}, {p})")
    audit_sql = ("INSERT INTO audit_entry (case_id, seq, at, actor_user_id, actor_role, trigger, from_state, "
                 "to_state, payload, reason, request_id, prev_hash, hash) "
                 f"VALUES ({p}, {p}, {p}, 1, 'job', {p}, {p}, {p}, '{{}}', NULL, NULL, {p}, {p})")
    task_sql = ("INSERT INTO task (case_id, key, state, role, assignee_id, title, created_at, due_at, follow_up_on, "
                "remind_before, status, completed_by_id, completed_at) "
                f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, NULL, '[]', {p}, {p}, {p})")
    batch = 5_000
    for start in range(1, n + 1, batch):
        cases, audits, tasks = [], [], []
        for case_id in range(start, min(n, start + batch - 1) + 1):
            created = now - timedelta(days=rnd.uniform(1, 700))
            closed = rnd.random() < 0.5
            state = rnd.choice(CLOSED) if closed else rnd.choice(OPEN_PHASES)
            prev, at, from_state = GENESIS, created, None
            trail = ["adviesgesprek", *OPEN_PHASES[1:], state]
            for seq in range(1, AUDIT_PER_CASE + 1):
                to_state = trail[min(seq - 1, len(trail) - 1)] if seq < AUDIT_PER_CASE else state
                trigger = "start" if seq == 1 else "record_advisory_meeting"
                at = at + timedelta(hours=rnd.uniform(1, 48))
                digest = entry_hash(prev_hash=prev, case_id=case_id, seq=seq, at=at, actor_user_id=1,
                                    actor_role=JOB, trigger=trigger, from_state=from_state, to_state=to_state,
                                    payload={}, reason=None, request_id=None)
                audits.append((case_id, seq, ts(at), trigger, from_state, to_state, prev, digest))
                prev, from_state = digest, to_state
            cases.append((case_id, state, rnd.choice(employers), ts(created), ts(at), ts(at),
                          ts(at) if closed else None, AUDIT_PER_CASE, prev, AUDIT_PER_CASE))
            for k in range(TASKS_PER_CASE):
                is_open = not closed and k == TASKS_PER_CASE - 1
                role = rnd.choices((JOB, WSP, OPDRACHTGEVER), (5, 3, 2))[0] if is_open else JOB
                assignee = rnd.randint(1, COACHES) if is_open and role == JOB and rnd.random() < 0.4 else None
                due = None if rnd.random() < 0.05 else ts(now + timedelta(days=rnd.uniform(-60, 60)))
                tasks.append((case_id, f"k{k}", state if is_open else "adviesgesprek", role, assignee,
                              f"Taak {k} van zaak {case_id}", ts(created), due, "open" if is_open else "done",
                              None if is_open else rnd.randint(1, COACHES), None if is_open else ts(at)))
                rows["open_task"] += is_open
        with db.engine.begin() as conn:
            cur = conn.connection.driver_connection.cursor()
            cur.executemany(case_sql, cases)
            cur.executemany(audit_sql, audits)
            cur.executemany(task_sql, tasks)
            cur.close()
        rows["wf_case"] += len(cases)
        rows["audit_entry"] += len(audits)
        rows["task"] += len(tasks)
    with db.engine.begin() as conn:
        if db.sqlite:
            conn.exec_driver_sql("ANALYZE")
        else:
            for table, column in (("wf_case", "id"), ("audit_entry", "id"), ("task", "id"),
                                  ("organisation", "id"), ("app_user", "id")):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                                  f"(SELECT max({column}) FROM {table}))"))
    if not db.sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    with db.read() as s:
        coach = s.execute(text("SELECT assignee_id FROM task WHERE status = 'open' AND assignee_id IS NOT NULL "
                               "GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1")).scalar()
    sample = sorted(rnd.sample(range(1, n + 1), min(200, n)))
    plans = add_plans(db.url) if with_plans else []
    return DataSet(n, coach, sample, time.monotonic() - started, rows, plans)


# -- logging in -------------------------------------------------------------------------------


def session_values(app, user_id: int) -> dict[str, Any]:
    """What `webui.auth` keeps in the cookie of a logged-in user: a server-side session id.

    The benchmark starts a real session (enrolled in the second step where the role needs
    it) instead of going through the password and code forms.
    """
    from tests.sessions import session_token

    return {"sid": session_token(app, user_id), "_permanent": True}


def logged_in_client(app, values: dict[str, Any]):
    client = app.test_client()
    with client.session_transaction() as sess:
        sess.update(values)
    return client


def session_cookie(app, values: dict[str, Any]) -> str:
    """The signed session cookie for `values`, for `wrk` (which cannot log in)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={serializer.dumps(values)}"


# -- latency through the Flask app ------------------------------------------------------------


PAGES = (("inbox", "/"), ("queue", "/wachtrij"), ("dashboard", "/dashboard"), ("case", "/zaken/{case_id}"),
         ("plan", "/plannen/{plan_id}"))


@dataclass
class PageTiming:
    page: str
    path: str
    status: int | None
    p50_ms: float | None
    p95_ms: float | None
    requests: int
    skipped: str | None = None
    db: str = ""


def _route_exists(app, path: str) -> bool:
    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    return True


def _path(pattern: str, data: DataSet, i: int) -> str | None:
    if "{plan_id}" in pattern and not data.plan_ids:
        return None
    return pattern.format(case_id=data.case_ids[i % len(data.case_ids)],
                          plan_id=data.plan_ids[i % len(data.plan_ids)] if data.plan_ids else 0)


def measure_pages(url: str, data: DataSet, requests: int = 100, secret: str = "bench-secret") -> list[PageTiming]:
    return measure_pages_interleaved({"": (url, data)}, requests, secret)


def measure_pages_interleaved(targets: dict[str, tuple[str, DataSet]], requests: int = 500,
                              secret: str = "bench-secret") -> list[PageTiming]:
    """p50/p95 of each page on each database; with several databases the requests alternate
    between them (A B B A ...), so the machine's load swings hit both alike."""
    from webui import create_app

    clients = {}
    for name, (url, data) in targets.items():
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "WTF_CSRF_ENABLED": True})
        clients[name] = (app, logged_in_client(app, session_values(app, data.coach_id)), data)
    out = []
    try:
        for page, pattern in PAGES:
            times: dict[str, list[float]] = {name: [] for name in clients}
            skipped: dict[str, str] = {}
            for name, (app, _c, data) in clients.items():
                first = _path(pattern, data, 0)
                if first is None:
                    skipped[name] = "no such rows in this data set"
                elif not _route_exists(app, first):
                    skipped[name] = "page does not exist in this build"
            live = [n for n in clients if n not in skipped]
            for i in range(requests + 5):
                for name in (live if i % 2 == 0 else live[::-1]):
                    _app, client, data = clients[name]
                    p = _path(pattern, data, i)
                    t0 = time.perf_counter()
                    resp = client.get(p)
                    resp.get_data()
                    elapsed = (time.perf_counter() - t0) * 1000
                    if resp.status_code != 200:
                        raise RuntimeError(f"{p} answered {resp.status_code} ({name or 'database'})")
                    if i >= 5:  # warm-up: first-request work is not the page's
                        times[name].append(elapsed)
            for name in clients:
                if name in skipped:
                    out.append(PageTiming(page, pattern, None, None, None, 0, skipped[name], name))
                    continue
                t = sorted(times[name])
                out.append(PageTiming(page, pattern, 200, statistics.median(t), t[max(0, int(len(t) * 0.95) - 1)],
                                      len(t), None, name))
    finally:
        for app, _c, _d in clients.values():
            app.extensions["jobtraject"].db.dispose()
    return out


# -- requests per second with waitress and wrk ------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_wrk(url: str, data: DataSet, seconds: int = 10, path: str = "/",
                secret: str = "bench-secret") -> dict[str, Any]:
    """`jobtraject serve` on a free loopback port, `wrk -t2 -c8` on `path`; requests per second."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install -y wrk)"}
    from webui import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret})
    cookie = session_cookie(app, session_values(app, data.coach_id))
    app.extensions["jobtraject"].db.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret}
    jobtraject = Path(sys.executable).with_name("jobtraject")
    server = subprocess.Popen([str(jobtraject), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--no-scheduler"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        wait_for_server(server, port)
        target = f"http://127.0.0.1:{port}{path}"
        probe = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Cookie: {cookie}",
                                target], capture_output=True, text=True) if shutil.which("curl") else None
        result = subprocess.run([wrk, "-t2", "-c8", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}", target],
                                capture_output=True, text=True, timeout=seconds + 60)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", result.stdout)
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", result.stdout)
        return {
            "path": path, "seconds": seconds, "requests_per_s": float(rps.group(1)) if rps else None,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "status_probe": probe.stdout if probe else None,
            "p99": f"{p99.group(1)}{p99.group(2)}" if p99 else None,
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def wait_for_server(server: subprocess.Popen, port: int, seconds: float = 30) -> None:
    """Until the served port answers; a server that exits or never answers is an error with its stderr."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jobtraject serve did not start: {server.stderr.read()[-1000:]}") from None
            time.sleep(0.2)
