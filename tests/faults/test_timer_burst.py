"""A burst of timers due at the same moment while people browse.

BURST timers (JOBTRAJECT_BURST_TIMERS, default 1,000 in `make test`; run it with 10,000 for
the full check) fall due at once on SQLite; one worker process sweeps them in batches of
100 while two users load their inbox and case pages. Every timer fires once, every page
answers, and the worker's memory stays flat (its peak RSS grows by less than a bound,
read from /proc/self/status).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.store.db import Database
from engine.store.models import Timer
from tests.faults.harness import (
    assert_nothing_lost,
    fault_log,
    finish,
    login_as,
    registry,
    seed_due_timers,
    spawn,
    web_app,
)
from tests.helpers import make_org, make_user
from workflows.domain.roles import JOB

pytestmark = pytest.mark.slow
BURST = int(os.environ.get("JOBTRAJECT_BURST_TIMERS", "1000"))
MAX_RSS_GROWTH_MIB = 64
BROWSERS = 2
DEADLINE = max(240.0, BURST * 0.08)  # seconds for the worker; generous for a shared 2-core machine


def test_a_burst_of_due_timers_fires_once_while_pages_keep_answering_and_memory_stays_flat(tmp_path):
    url = f"sqlite:///{tmp_path / 'burst.db'}"
    setup = Database(url)
    setup.create_all()
    org = make_org(setup, "JoB Jobcoaching", "job")
    coach = make_user(setup, org, JOB, "coach@job.example", "Sanne")
    seed_due_timers(setup, BURST)
    setup.dispose()
    app = web_app(url)
    svc = app.extensions["jobtraject"]
    later = (svc.clock.now() + timedelta(days=30)).isoformat()
    own = [svc.start_case(coach, "evaluation", {"evaluate_at": later, "coach_id": coach.user_id},
                          organisation_id=org).id for _ in range(5)]

    worker = spawn(url, "burst", "--batch", "100", "--deadline", str(DEADLINE))
    pages: Counter[str] = Counter()
    lock = threading.Lock()
    done = threading.Event()

    def browse(n: int) -> None:
        client = app.test_client()
        login_as(client, coach.user_id)
        rng = random.Random(n)
        while not done.is_set():
            path = rng.choice(["/", f"/zaken/{rng.choice(own)}", f"/zaken/{rng.randint(1, BURST)}"])
            status = client.get(path).status_code
            with lock:
                pages["ok" if status == 200 else f"status {status}"] += 1
            time.sleep(0.05)  # a person reading, not a load generator

    browsers = [threading.Thread(target=browse, args=(n,)) for n in range(BROWSERS)]
    for b in browsers:
        b.start()
    worker.go()
    try:
        finish([worker], timeout=DEADLINE + 20)
    finally:
        done.set()
        for b in browsers:
            b.join(30)
    summary = worker.summary()
    growth_mib = (summary["peak_kib"] - summary["rss_start_kib"]) / 1024
    fault_log("timer burst", timers=BURST, seconds=summary["seconds"], pages=dict(pages),
              worker_rss_start_mib=round(summary["rss_start_kib"] / 1024, 1),
              worker_peak_mib=round(summary["peak_kib"] / 1024, 1), growth_mib=round(growth_mib, 1))
    assert summary["fired"] == BURST
    assert set(pages) == {"ok"} and pages["ok"] >= BROWSERS, pages
    assert growth_mib < MAX_RSS_GROWTH_MIB, f"the worker grew by {growth_mib:.0f} MiB"
    db = Database(url)
    try:
        assert_nothing_lost(db, registry(), label=f"timer burst {BURST}")
        with db.read() as s:
            fired = s.scalar(select(func.count()).select_from(Timer).where(Timer.status == "fired"))
        assert fired == BURST
    finally:
        db.dispose()
    svc.db.dispose()
