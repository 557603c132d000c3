"""PostgreSQL restarted under load (`pg_ctl restart -m fast` and `-m immediate`) on a private cluster.

The app is never restarted: `pool_pre_ping` replaces dead pooled connections, requests
during the outage get the Dutch 503 page, /healthz says 503 while the database is down,
and timers that fell due meanwhile fire once afterwards. Invariants hold, and every action
a client saw acknowledged is stored.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import DatabaseBusy
from engine.jobs.timers import Outcome, TimerSettings, TimerSweep
from engine.store.db import Database
from engine.store.models import Timer
from tests.faults.harness import assert_nothing_lost, coach_world, fault_log, login_as, web_app
from tests.faults.private_pg import PrivatePostgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
CLIENTS = 4
LEASE = timedelta(seconds=3)


def test_the_app_rides_out_postgresql_restarts_without_a_restart_of_its_own(private_pg: PrivatePostgres):
    setup = Database(private_pg.url)
    setup.create_all()
    setup.dispose()
    app = web_app(private_pg.url)
    svc = app.extensions["jobtraject"]
    coach, org, ids = coach_world(app, n_cases=CLIENTS)
    due_soon = (svc.clock.now() + timedelta(seconds=2)).isoformat()
    timer_cases = [svc.start_case(coach, "evaluation", {"evaluate_at": due_soon}, organisation_id=org).id
                   for _ in range(20)]

    statuses: Counter[int] = Counter()
    acknowledged: list[str] = []
    polite_503 = [0]
    problems: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    sweep_errors = Counter()

    def client_loop(n: int) -> None:
        client = app.test_client()
        login_as(client, coach.user_id)
        trigger, i = "evaluate", 0
        while not stop.is_set():
            rid = f"c{n}-{i}"
            i += 1
            response = client.post(f"/zaken/{ids[n]}/acties/{trigger}", headers={"X-Request-Id": rid})
            body = response.get_data(as_text=True)
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 302:
                    acknowledged.append(rid)
                elif response.status_code == 503 and "probeer het opnieuw" in body.lower():
                    polite_503[0] += 1
                elif response.status_code != 422:  # 422: a 503'd action had committed after all
                    problems.append(f"{rid}: {response.status_code}")
                if "Traceback" in body:
                    problems.append(f"{rid}: stack trace")
            if response.status_code in (302, 422):
                trigger = "replan" if trigger == "evaluate" else "evaluate"
            if response.status_code == 503:
                time.sleep(0.05)

    def sweeper() -> None:
        sweep = TimerSweep(svc.db, svc.registry, svc.clock, TimerSettings(lease=LEASE), worker_id="sweeper")
        while not stop.is_set():
            try:
                sweep.sweep(stop)
            except DatabaseBusy:
                sweep_errors["unavailable"] += 1
            time.sleep(0.1)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=sweeper))
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        private_pg.restart("fast")
        time.sleep(1.0)
        private_pg.restart("immediate")  # crash-like: no checkpoint, connections cut
        # The app serves again without being restarted: new acknowledgements keep coming.
        seen = len(acknowledged)
        deadline = time.monotonic() + 30
        while len(acknowledged) < seen + 2 * CLIENTS and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(acknowledged) >= seen + 2 * CLIENTS, "the app did not recover after the restart"
    finally:
        stop.set()
        for t in threads:
            t.join(60)

    # A deterministic outage: the server is down, a user and the load balancer ask.
    client = app.test_client()
    login_as(client, coach.user_id)
    private_pg.stop("fast")
    try:
        down = client.post(f"/zaken/{timer_cases[0]}/acties/withdraw", headers={"X-Request-Id": "while-down"})
        health = app.test_client().get("/healthz")  # a load balancer: no session
    finally:
        private_pg.start()
    assert down.status_code == 503 and "probeer het opnieuw" in down.get_data(as_text=True).lower()
    assert "Traceback" not in down.get_data(as_text=True)
    assert health.status_code == 503 and health.json["database"] == "unreachable"
    assert app.test_client().get("/healthz").json["database"] == "ok"
    after = client.post(f"/zaken/{ids[0]}/acties/replan", headers={"X-Request-Id": "after"})
    assert after.status_code in (302, 422)
    if after.status_code == 302:
        acknowledged.append("after")

    # Timers that fell due during the outage fire once now; a claim whose commit was cut off
    # by the restart waits for its lease to expire, then any worker takes it over.
    sweep = TimerSweep(svc.db, svc.registry, svc.clock, TimerSettings(lease=LEASE), worker_id="after")
    fired_after = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        fired_after += sweep.sweep().count(Outcome.FIRED)
        with svc.db.read() as s:
            left = s.scalar(select(func.count()).select_from(Timer).where(
                Timer.case_id.in_(timer_cases), Timer.status != "fired"))
        if not left:
            break
        time.sleep(0.5)
    assert problems == [], problems[:10]
    fault_log("PostgreSQL restart", restarts={"fast": 1, "immediate": 1, "stop/start": 1},
              requests=sum(statuses.values()), statuses=dict(statuses), polite_503=polite_503[0],
              acknowledged=len(acknowledged), timers_fired_after=fired_after, sweep_errors=dict(sweep_errors))
    assert_nothing_lost(svc.db, svc.registry, acknowledged=acknowledged, label="postgresql restart")
    with svc.db.read() as s:
        statuses_by_timer = dict(s.execute(select(Timer.status, func.count()).where(
            Timer.case_id.in_(timer_cases)).group_by(Timer.status)).all())
    assert statuses_by_timer == {"fired": len(timer_cases)}, statuses_by_timer
    svc.db.dispose()
