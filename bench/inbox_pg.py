"""The inbox on a big database under concurrent users: EXPLAIN ANALYZE of its SELECTs, p95 with wrk.

    python -m bench.inbox_pg --db postgresql+psycopg://postgres@127.0.0.1:5432/test --cases 100000 \\
        --keep jt_bench_inbox100k explain        # generate once (kept), then EXPLAIN ANALYZE
    python -m bench.inbox_pg ... --keep jt_bench_inbox100k load --connections 16 --seconds 20
    python -m bench.inbox_pg versions --base /tmp/base --path / /wachtrij --seconds 10 --pairs 2
        # this checkout against another (waitress 8 threads and gunicorn 2 workers), in turn

Why a kept database: generating 100,000 cases on PostgreSQL takes minutes, and a before/after
comparison must run on the same rows. `explain` captures the SELECTs a request of the inbox
(and the queue) sends, with their parameters, and runs each under `EXPLAIN (ANALYZE, BUFFERS)`.
`load` serves the database with `jobtraject serve` on a loopback port and lets `wrk` (bounded
in time and connections) report requests per second and p50/p95/p99 latency.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

import workflows.storage.models  # noqa: F401 - registers the domain tables on Base.metadata
from bench import inbox_scale
from bench.world import workdir
from engine.store.db import Database

P95_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("LATENCY p50=%.1f p95=%.1f p99=%.1f ms\\n", latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def kept_database(server: str, name: str, n: int) -> tuple[str, inbox_scale.DataSet]:
    """The database `name` on `server` with `n` generated cases: made once, reused after."""
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    meta = workdir() / f"{name}.json"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if exists and not meta.exists():
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = None
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    if not meta.exists():
        db = Database(url)
        db.create_all()
        db.dispose()
        print(f"generating {n:,} cases in {name} ...", file=sys.stderr, flush=True)
        data = inbox_scale.generate(url, n, datetime.now(UTC), with_plans=True)  # ends with VACUUM ANALYZE
        meta.write_text(json.dumps(asdict(data)))
    return url, inbox_scale.DataSet(**json.loads(meta.read_text()))


def captured(url: str, data: inbox_scale.DataSet, path: str) -> list[tuple[str, Any]]:
    """The SELECTs one request of `path` sends (after a warm-up request), with their parameters."""
    from webui import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret"})
    db = app.extensions["jobtraject"].db
    client = inbox_scale.logged_in_client(app, inbox_scale.session_values(app, data.coach_id))
    client.get(path)
    seen: list[tuple[str, Any]] = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, params, *_a: seen.append((statement, params)))
    assert client.get(path).status_code == 200
    db.dispose()
    return [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")]


def explain(url: str, data: inbox_scale.DataSet, paths: list[str]) -> None:
    raw = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        for pattern in paths:  # "/zaken/{case_id}", "/plannen/{plan_id}": a case or plan of the data set
            path = pattern.format(case_id=data.case_ids[0], plan_id=data.plan_ids[0] if data.plan_ids else 0)
            for statement, params in captured(url, data, path):
                cur = psycopg.ClientCursor(raw)
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
                took = re.search(r"Execution Time: ([\d.]+) ms", plan)
                print(f"== {path}: {took.group(1) if took else '?'} ms\n{statement}\n{params}\n{plan}\n")
                raw.rollback()
    finally:
        raw.close()


def load(url: str, data: inbox_scale.DataSet, path: str, connections: int, seconds: int, threads: int,
         serve_threads: int, variant: str | None = None, root: Path | None = None) -> dict[str, Any]:
    """`jobtraject serve` (waitress, `serve_threads` threads) under `wrk -c connections` for `seconds`;
    `variant` (bench/serve_variant.py): the same server with or without one read session per request.
    `root`: serve the code of another checkout (`versions`), with this checkout's data key."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: make wrk")
    from webui import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret"})
    cookie = inbox_scale.session_cookie(app, inbox_scale.session_values(app, data.coach_id))
    app.extensions["jobtraject"].db.dispose()
    port = inbox_scale._free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret"}
    if root is not None:  # the other checkout's packages first; the same sealed names need the same key
        env.update(PYTHONPATH=str(root), DATA_KEY_FILE=app.config["DATA_KEY_FILE"])
    jobtraject = Path(sys.executable).with_name("jobtraject")
    if variant and variant.startswith("gunicorn"):  # "gunicorn4": the documented production server, 4 workers
        command = [str(jobtraject.with_name("gunicorn")), "--workers", variant.removeprefix("gunicorn"), "--bind",
                   f"127.0.0.1:{port}", "--timeout", "60", "webui.wsgi:app"]
    elif variant and variant.startswith("waitress"):  # "waitress8": `jobtraject serve` with 8 threads
        command = [sys.executable, "-c", "from webui.cli import main; main()", "serve", "--host", "127.0.0.1",
                   "--port", str(port), "--threads", variant.removeprefix("waitress"), "--no-scheduler"]
    elif variant:
        command = [sys.executable, "-m", "bench.serve_variant", variant, str(port), str(serve_threads)]
    else:
        command = [str(jobtraject), "serve", "--host", "127.0.0.1", "--port", str(port), "--threads",
                   str(serve_threads), "--no-scheduler"]
    server = subprocess.Popen(command, cwd=root or inbox_scale.ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(P95_SCRIPT)
    try:
        inbox_scale.wait_for_server(server, port)
        target = f"http://127.0.0.1:{port}{path}"
        warm_up(target, cookie)
        result = subprocess.run([wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", script.name,
                                 "-H", f"Cookie: {cookie}", target], capture_output=True, text=True,
                                timeout=seconds + 60)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
        lat = re.search(r"LATENCY p50=([\d.]+) p95=([\d.]+) p99=([\d.]+)", result.stdout)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", result.stdout)
        total = re.search(r"(\d+) requests in", result.stdout)
        return {"path": path, "variant": variant, "connections": connections, "serve_threads": serve_threads,
                "requests": int(total.group(1)) if total else None,
                "requests_per_s": float(rps.group(1)) if rps else None,
                "p50_ms": float(lat.group(1)) if lat else None, "p95_ms": float(lat.group(2)) if lat else None,
                "p99_ms": float(lat.group(3)) if lat else None, "non_2xx": int(non2xx.group(1)) if non2xx else 0}
    finally:
        Path(script.name).unlink(missing_ok=True)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def warm_up(target: str, cookie: str, seconds: float = 60, connections: int = 16) -> None:
    """Until the page answers 200 a few times in a row, then a second of `connections` requests
    at once. gunicorn's master listens before its workers have imported the app, and a worker's
    or thread's first requests (templates compiled, statements built for the person) are its
    start-up, not the page's cost: sequential requests may all reach one worker and leave the
    others cold for the first wrk requests, which then make the p99."""
    import time
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def get() -> int:
        with urllib.request.urlopen(urllib.request.Request(target, headers={"Cookie": cookie}), timeout=30) as r:
            r.read()
            return r.status

    deadline, ok = time.monotonic() + seconds, 0
    while ok < 8 and time.monotonic() < deadline:
        try:
            ok = ok + 1 if get() == 200 else 0
        except OSError:
            ok = 0
            time.sleep(0.3)
    with ThreadPoolExecutor(max_workers=connections) as pool:
        until = time.monotonic() + 1.0
        while time.monotonic() < until:
            list(pool.map(lambda _: get(), range(connections)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox_pg", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("explain", "load", "ab", "servers", "versions"))
    parser.add_argument("--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--keep", default="jt_bench_inbox100k", help="the kept database's name")
    parser.add_argument("--path", nargs="+", default=["/", "/wachtrij", "/zaken/{case_id}", "/plannen/{plan_id}"])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--serve-threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=3, help="ab: pairs of runs")
    parser.add_argument("--base", type=Path, help="versions: a checkout of the code to compare with "
                        "(e.g. `git archive main | tar -x -C /tmp/base`)")
    parser.add_argument("--servers", nargs="+", default=["waitress8", "gunicorn2"], help="versions: servers")
    args = parser.parse_args(argv)
    url, data = kept_database(args.db, args.keep, args.cases)
    args.path = [p.format(case_id=data.case_ids[0], plan_id=data.plan_ids[0] if data.plan_ids else 0)
                 for p in args.path]
    if args.what == "explain":
        explain(url, data, args.path)
    elif args.what == "ab":  # one read session per request or not, in turn: ABBA
        for path in args.path:
            for i in range(args.pairs):
                order = ("unshared", "shared") if i % 2 == 0 else ("shared", "unshared")
                for variant in order:
                    print(json.dumps(load(url, data, path, args.connections, args.seconds, args.threads,
                                          args.serve_threads, variant)), flush=True)
    elif args.what == "servers":  # waitress (threads) against gunicorn (processes), in turn
        servers = ["shared", "gunicorn2", "gunicorn4"]
        for i in range(args.pairs):
            for variant in servers if i % 2 == 0 else servers[::-1]:
                for path in args.path:
                    print(json.dumps(load(url, data, path, args.connections, args.seconds, args.threads,
                                          args.serve_threads, variant)), flush=True)
    elif args.what == "versions":  # this checkout against --base, in turn (ABBA), on each server
        if args.base is None:
            parser.error("versions needs --base")
        for server in args.servers:
            for path in args.path:
                for i in range(args.pairs):
                    for code in (("base", "this") if i % 2 == 0 else ("this", "base")):
                        result = load(url, data, path, args.connections, args.seconds, args.threads,
                                      args.serve_threads, server, args.base if code == "base" else None)
                        print(json.dumps({"code": code, "load": os.getloadavg()[0], **result}), flush=True)
    else:
        for path in args.path:
            print(json.dumps(load(url, data, path, args.connections, args.seconds, args.threads,
                                  args.serve_threads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
