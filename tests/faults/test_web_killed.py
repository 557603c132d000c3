"""kill -9 of the web process at random moments while clients fire transitions.

A real `jobtraject serve` (waitress, tests/faults/app_proc.py) on a free loopback port,
driven over HTTP by client threads with CSRF tokens and session cookies, is killed with
SIGKILL at random times and started again, ITERATIONS times. Afterwards every action a
client saw acknowledged (302) is stored, and the invariants hold: nothing half-applied.
JOBTRAJECT_KILL_ITERATIONS raises the number of kills (default 4 per database).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from engine.store.db import Database
from tests.faults.harness import (
    ROOT,
    assert_nothing_lost,
    coach_world,
    database_url,
    fault_log,
    session_cookie,
    web_app,
)
from tests.smtp import free_port

pytestmark = pytest.mark.slow
ITERATIONS = int(os.environ.get("JOBTRAJECT_KILL_ITERATIONS", "4"))
CLIENTS = 3
SECRET = "fault-tests"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 302 is the acknowledgement we look for
        return None


class Server:
    def __init__(self, url: str) -> None:
        self.url = url
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.url, "SECRET_KEY": SECRET}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.app_proc", "serve", "--host", "127.0.0.1", "--port",
             str(self.port), "--threads", "4", "--no-scheduler"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                if self.proc.poll() is not None:
                    raise AssertionError(f"server exited: {self.proc.stderr.read()[-2000:]}") from None
                time.sleep(0.1)
        raise AssertionError("server did not come up in 60 s")

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self.proc.stderr.close()


class Client:
    """One browser: a cookie jar, the CSRF token from the case page, a journal of acknowledged actions."""

    def __init__(self, server: Server, cookie: str, case_id: int, n: int) -> None:
        self.server, self.case_id, self.n = server, case_id, n
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.cookie = cookie
        self.token: str | None = None
        self.acknowledged: list[str] = []
        self.outcomes: Counter[str] = Counter()

    def _request(self, path: str, data: dict | None = None, rid: str | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(f"{self.server.base}{path}", data=body)
        if not any(c.name == "session" for c in self.jar):
            req.add_header("Cookie", f"session={self.cookie}")
        if rid:
            req.add_header("X-Request-Id", rid)
        try:
            with self.opener.open(req, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, exc.read().decode()
            except (OSError, http.client.HTTPException):  # killed mid-body: the status line counts
                return exc.code, ""

    def run(self, stop: threading.Event) -> None:
        trigger, i = "evaluate", 0
        while not stop.is_set():
            try:
                if self.token is None:
                    status, html = self._request(f"/zaken/{self.case_id}/acties/{trigger}")  # its own page
                    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
                    if status != 200 or not found:
                        self.outcomes[f"page {status}"] += 1
                        time.sleep(0.1)
                        continue
                    self.token = found.group(1)
                rid = f"k{self.n}-{i}"
                i += 1
                status, _ = self._request(f"/zaken/{self.case_id}/acties/{trigger}", {"csrf_token": self.token}, rid)
            except (OSError, http.client.HTTPException):  # killed under us: not acknowledged, retry
                self.outcomes["connection lost"] += 1
                time.sleep(0.05)
                continue
            self.outcomes[str(status)] += 1
            if status == 302:
                self.acknowledged.append(rid)
            if status in (302, 422):  # 422: the previous, unacknowledged action had been stored
                trigger = "replan" if trigger == "evaluate" else "evaluate"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_web_process_killed_at_random_moments_loses_no_acknowledged_action(kind, tmp_path, request):
    url = database_url(kind, tmp_path, request)
    app = web_app(url)
    app.config["SECRET_KEY"] = SECRET
    coach, _org, ids = coach_world(app, n_cases=CLIENTS)
    cookie = session_cookie(app, coach.user_id)
    app.extensions["jobtraject"].db.dispose()

    server = Server(url)
    clients = [Client(server, cookie, ids[n], n) for n in range(CLIENTS)]
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,)) for c in clients]
    rng = random.Random(int(os.environ.get("JOBTRAJECT_FAULT_SEED", "20261203")))
    kills = 0
    server.start()
    for t in threads:
        t.start()
    try:
        for _ in range(ITERATIONS):
            time.sleep(rng.uniform(0.2, 1.2))
            server.kill()
            kills += 1
            server.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        server.kill()

    outcomes = sum((c.outcomes for c in clients), Counter())
    acknowledged = [rid for c in clients for rid in c.acknowledged]
    fault_log("kill -9 web process", kind=kind, kills=kills, outcomes=dict(outcomes), acknowledged=len(acknowledged))
    assert not any(t.is_alive() for t in threads)
    assert set(outcomes) <= {"302", "422", "connection lost", "page 503"}, outcomes
    assert len(acknowledged) > ITERATIONS, "the clients got work done between the kills"
    db = Database(url)
    try:
        assert_nothing_lost(db, app.extensions["jobtraject"].registry, acknowledged=acknowledged,
                            label=f"kill -9 web {kind}")
    finally:
        db.dispose()
