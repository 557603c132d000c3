"""Production serving as documented: gunicorn with several workers answers /healthz and pages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from engine.store.db import Database
from tests.faults.harness import ROOT
from tests.smtp import free_port

pytestmark = pytest.mark.slow
GUNICORN = Path(sys.executable).with_name("gunicorn")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_gunicorn_with_two_workers_serves_healthz_and_the_login_page(tmp_path):
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    Database(url).create_all()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "production-like"}
    proc = subprocess.Popen([str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "webui.wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not come up"
                time.sleep(0.2)
        assert status == 200 and '"database":"ok"' in body.replace(" ", "")
        answers = [get(f"http://127.0.0.1:{port}/login")[0] for _ in range(10)]
        assert answers == [200] * 10
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
