"""Inbox and plan page before and after sealing personal data: an interleaved A/B.

    python -m bench.encryption_pages --before /path/to/checkout/of/main [--rounds 6 --requests 60]

The two code versions cannot share one process, so each round runs both, alternately, as
a child process on its own fresh demo database (SQLite), through the Flask test client,
logged in as a JoB coach; a child prints the median wall and CPU time per request. The
figures are ratios after/before per round; the median ratio is reported (README).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
PAGES = {"inbox": "/", "plan": "/plannen/2"}


def child(requests: int) -> dict[str, float]:
    from engine.clock import FixedClock
    from tests.helpers import T0
    from tests.web.conftest import Auth
    from webui import create_app
    from webui.migrate import upgrade
    from workflows.demo import load_demo

    folder = Path(tempfile.mkdtemp(prefix="jt-enc-bench-"))
    os.environ["DATA_KEY_FILE"] = str(folder / "data_key")
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b", "TESTING": True}, clock=FixedClock(T0))
    load_demo(app.extensions["jobtraject"])
    client = app.test_client()
    Auth(client).login("sanne@job.example")
    out = {}
    for name, path in PAGES.items():
        assert client.get(path).status_code == 200
        walls, cpus = [], []
        for _ in range(requests):
            w, c = time.perf_counter(), time.process_time()
            client.get(path)
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
        out[f"{name}_wall_ms"] = statistics.median(walls) * 1000
        out[f"{name}_cpu_ms"] = statistics.median(cpus) * 1000
    return out


def run(code: Path, requests: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", f"import json, bench.encryption_pages as b; "
                           f"print(json.dumps(b.child({requests})))"],
                          cwd=code, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the code before sealing")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    # The child code of this file is the same in both: copy it next to the old code.
    (args.before / "bench" / "encryption_pages.py").write_text(Path(__file__).read_text())
    ratios: dict[str, list[float]] = {}
    for i in range(args.rounds):
        order = [("before", args.before), ("after", HERE)]
        results = dict((label, run(code, args.requests)) for label, code in (order if i % 2 == 0 else order[::-1]))
        for key in results["after"]:
            ratios.setdefault(key, []).append(results["after"][key] / results["before"][key])
        print(f"round {i + 1}: " + ", ".join(f"{k} {results['before'][k]:.2f} -> {results['after'][k]:.2f}"
                                             for k in results["after"]), flush=True)
    print("median ratio after/before: " + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in ratios.items()))


if __name__ == "__main__":
    main()
