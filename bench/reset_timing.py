"""Does `/wachtwoord-vergeten` take as long for an address with an account as for one without?

    python -m bench.reset_timing [--requests 100] [--db sqlite:///... | postgresql+psycopg://...]

Runs the real app (Flask test client, CSRF on, the demo data on a fresh SQLite file unless
--db is given) and posts the form `--requests` times for a known and for an unknown address,
interleaved (known, unknown, known, ...) so drift hits both alike. The clock moves on an hour
before every request, so the per-account limit of three links per quarter never short-cuts
the known address: each request does the full work. Prints p50/p90 per kind and the p50
difference; a difference under 1 ms does not tell an attacker which addresses have accounts.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

KNOWN = "marieke@korenaar.example"
UNKNOWN = "niemand-{n}@nergens.example"


def _app(url: str | None, folder: Path):
    from engine.clock import FixedClock
    from webui import create_app
    from webui.migrate import upgrade
    from workflows.demo import load_demo

    if url is None:
        url = f"sqlite:///{folder / 'reset.db'}"
        upgrade(url)
        fresh = True
    else:
        fresh = False
    clock = FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True}, clock=clock)
    if fresh:
        load_demo(app.extensions["jobtraject"])
    return app, clock


def _csrf(client) -> str:
    html = client.get("/wachtwoord-vergeten").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def measure(requests: int, url: str | None = None) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        app, clock = _app(url, Path(tmp))
        client = app.test_client()
        token = _csrf(client)
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for n in range(-5, requests):  # five warm-up rounds, not counted
            for kind, email in (("known", KNOWN), ("unknown", UNKNOWN.format(n=n))):
                clock.advance(timedelta(hours=1))
                start = time.perf_counter()
                response = client.post("/wachtwoord-vergeten", data={"email": email, "csrf_token": token})
                elapsed = time.perf_counter() - start
                assert response.status_code == 302, response.status_code
                if n >= 0:
                    times[kind].append(elapsed * 1000)
        app.extensions["jobtraject"].db.dispose()
        return times


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--db", default=None, help="a migrated database with the demo data (default: a fresh SQLite)")
    args = parser.parse_args()
    times = measure(args.requests, args.db)
    for kind, values in times.items():
        print(f"{kind:8s} n={len(values)}  p50 {statistics.median(values):6.2f} ms  p90 {_pct(values, 0.9):6.2f} ms")
    diff = statistics.median(times["known"]) - statistics.median(times["unknown"])
    print(f"p50 difference (known - unknown): {diff:+.2f} ms")


if __name__ == "__main__":
    main()
