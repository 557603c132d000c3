"""CPU per page request in the web process, and an A/B of two code trees: `python -m bench.page_cpu`.

Why: on the shared 2-core machine wall-clock p95 swings several times with the load, so a
page change is judged by the web process's own CPU time per request (`time.process_time`)
beside wall time, and two versions of the code are compared interleaved on the same
database. Each code tree runs in its own worker process (its root first on `sys.path`), both
serving the same database through the Flask test client, logged in as the data set's coach;
the driver sends them blocks of requests in turn (A B B A ...) and reports, per page, the
median of the per-pair ratios A/B (CPU and wall) with p50/p95 of each side.

    python -m bench.page_cpu measure --db URL --meta DATASET.json [--pages case plan dashboard]
    python -m bench.page_cpu profile --db URL --meta DATASET.json --page plan [--requests 50]
    python -m bench.page_cpu ab --a-root /tmp/main-code --b-root . --db URL --meta DATASET.json --pairs 10

DATASET.json is the `inbox_scale.DataSet` written when the data set was generated (see
`bench.inbox_pg.kept_database`). Pages: `case` (the generated trajectories, as in the
benchmark), `case_demo` (the demo's richest company trajectory), `plan` (the demo's running
plans' overview), `plan_<section>` (a section page), `dashboard`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("tijdlijn", "doelen", "evaluaties", "invra", "uren", "instrumenten", "ontwikkeling", "acties")


# -- in the worker ------------------------------------------------------------------------------


class Pages:
    """A logged-in test client on one database and the paths of each page kind."""

    def __init__(self, url: str, meta: dict[str, Any]) -> None:
        from sqlalchemy import text

        from bench import inbox_scale
        from webui import create_app

        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret", "WTF_CSRF_ENABLED": True})
        self.db = self.app.extensions["jobtraject"].db
        data = inbox_scale.DataSet(**meta)
        self.client = inbox_scale.logged_in_client(self.app, inbox_scale.session_values(self.app, data.coach_id))
        self.case_ids = data.case_ids
        self.plan_ids = data.plan_ids
        with self.db.read() as s:  # the demo's company trajectory with the most audit rows
            self.demo_case = s.execute(text(
                "SELECT id FROM wf_case WHERE workflow = 'company_trajectory' AND id > :n "
                "ORDER BY audit_seq DESC, id LIMIT 1"), {"n": data.n_cases}).scalar()
        self.i = 0

    def path(self, page: str) -> str:
        self.i += 1
        if page == "case":
            return f"/zaken/{self.case_ids[self.i % len(self.case_ids)]}"
        if page == "case_demo":
            return f"/zaken/{self.demo_case}"
        if page == "dashboard":
            return "/dashboard"
        plan = self.plan_ids[self.i % len(self.plan_ids)]
        if page == "plan":
            return f"/plannen/{plan}"
        if page.startswith("plan_"):
            return f"/plannen/{plan}/{page.removeprefix('plan_')}"
        raise SystemExit(f"unknown page {page}")

    def get(self, page: str) -> dict[str, Any]:
        path = self.path(page)
        c0, t0 = time.process_time(), time.perf_counter()
        resp = self.client.get(path)
        body = resp.get_data()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if resp.status_code != 200:
            raise RuntimeError(f"{path} answered {resp.status_code}")
        return {"wall_ms": wall * 1000, "cpu_ms": cpu * 1000, "bytes": len(body)}

    def statements(self, page: str) -> int:
        from sqlalchemy import event

        seen: list[str] = []

        def before(_c, _cur, statement, *_a) -> None:
            seen.append(statement)

        event.listen(self.db.engine, "before_cursor_execute", before)
        try:
            self.get(page)
        finally:
            event.remove(self.db.engine, "before_cursor_execute", before)
        return len([s for s in seen if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))])


def serve_worker(url: str, meta_file: str) -> None:
    """Read `page n` lines on stdin, answer one JSON line each (the n requests' figures)."""
    pages = Pages(url, json.loads(Path(meta_file).read_text()))
    import webui

    print(json.dumps({"ready": True, "code": str(Path(webui.__file__).parents[1])}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "statements":
            print(json.dumps({"statements": pages.statements(cmd[1])}), flush=True)
            continue
        page, n = cmd[0], int(cmd[1])
        print(json.dumps([pages.get(page) for _ in range(n)]), flush=True)


# -- the driver ---------------------------------------------------------------------------------


def _p(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(0, int(len(s) * q) - 1)] if q < 1 else s[-1]


class Worker:
    def __init__(self, root: str, url: str, meta: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(Path(root).resolve())}
        self.proc = subprocess.Popen(  # this file by its path: the other tree may not have it
            [sys.executable, str(Path(__file__).resolve()), "worker", url, meta],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=str(Path(root).resolve()))
        hello = json.loads(self.proc.stdout.readline())
        self.code = hello["code"]

    def ask(self, line: str) -> Any:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def ab(a_root: str, b_root: str, url: str, meta: str, pages: list[str], pairs: int, block: int,
       warmup: int) -> dict[str, Any]:
    """A and B in turn, ABBA..., `pairs` pairs of `block` requests per page; ratios A/B (>1: B is faster)."""
    a, b = Worker(a_root, url, meta), Worker(b_root, url, meta)
    print(f"A: {a.code}\nB: {b.code}", file=sys.stderr)
    out: dict[str, Any] = {}
    try:
        for page in pages:
            a.ask(f"{page} {warmup}")
            b.ask(f"{page} {warmup}")
            runs: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
            cpu_ratios, wall_ratios = [], []
            for i in range(pairs):
                order = (("A", a), ("B", b)) if i % 2 == 0 else (("B", b), ("A", a))
                got = {}
                for name, w in order:
                    got[name] = w.ask(f"{page} {block}")
                    runs[name] += got[name]
                cpu_ratios.append(sum(r["cpu_ms"] for r in got["A"]) / sum(r["cpu_ms"] for r in got["B"]))
                wall_ratios.append(sum(r["wall_ms"] for r in got["A"]) / sum(r["wall_ms"] for r in got["B"]))
            out[page] = {
                "statements": {"A": a.ask(f"statements {page}")["statements"],
                               "B": b.ask(f"statements {page}")["statements"]},
                "bytes": {k: statistics.median(r["bytes"] for r in v) for k, v in runs.items()},
                "cpu_ms_p50": {k: round(statistics.median(r["cpu_ms"] for r in v), 2) for k, v in runs.items()},
                "wall_ms_p50": {k: round(statistics.median(r["wall_ms"] for r in v), 2) for k, v in runs.items()},
                "wall_ms_p95": {k: round(_p([r["wall_ms"] for r in v], 0.95), 2) for k, v in runs.items()},
                "cpu_ratio_A_over_B": [round(statistics.median(cpu_ratios), 3), round(min(cpu_ratios), 3),
                                       round(max(cpu_ratios), 3)],
                "wall_ratio_A_over_B": [round(statistics.median(wall_ratios), 3), round(min(wall_ratios), 3),
                                        round(max(wall_ratios), 3)],
                "requests": {k: len(v) for k, v in runs.items()},
            }
            print(json.dumps({page: out[page]}), flush=True)
    finally:
        a.close()
        b.close()
    return out


def measure(url: str, meta: str, pages: list[str], requests: int, warmup: int) -> dict[str, Any]:
    """One code tree (this one), in process: CPU and wall per request, statements, HTML size."""
    p = Pages(url, json.loads(Path(meta).read_text()))
    out = {}
    for page in pages:
        for _ in range(warmup):
            p.get(page)
        runs = [p.get(page) for _ in range(requests)]
        out[page] = {"cpu_ms_p50": round(statistics.median(r["cpu_ms"] for r in runs), 2),
                     "cpu_ms_p95": round(_p([r["cpu_ms"] for r in runs], 0.95), 2),
                     "wall_ms_p50": round(statistics.median(r["wall_ms"] for r in runs), 2),
                     "wall_ms_p95": round(_p([r["wall_ms"] for r in runs], 0.95), 2),
                     "bytes": statistics.median(r["bytes"] for r in runs), "statements": p.statements(page),
                     "requests": requests}
        print(json.dumps({page: out[page]}), flush=True)
    return out


GROUPS = (("jinja2", "jinja"), ("markupsafe", "jinja"), ("<template>", "jinja (templates)"),
          ("wtforms", "wtforms"), ("flask_wtf", "wtforms"), ("sqlalchemy", "sqlalchemy"),
          ("psycopg", "db driver"), ("sqlite3", "db driver"), ("werkzeug", "flask/werkzeug"),
          ("flask", "flask/werkzeug"), ("cryptography", "crypto"), ("/engine/", "project engine"),
          ("/workflows/", "project workflows"), ("/webui/", "project webui"))


def _group(filename: str) -> str:
    for needle, name in GROUPS:
        if needle in filename:
            return name
    if filename.startswith("~") or filename == "":
        return "builtins"
    return "other python"


def profile(url: str, meta: str, page: str, requests: int, out: str | None, top: int, cpu: bool = False) -> None:
    """cProfile of `requests` requests (after a warm-up): own time per library and the top functions.
    `cpu`: this process's CPU time as the profiler's clock (waiting for the database not counted)."""
    p = Pages(url, json.loads(Path(meta).read_text()))
    for _ in range(5):
        p.get(page)
    prof = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
    c0 = time.process_time()
    prof.enable()
    for _ in range(requests):
        p.get(page)
    prof.disable()
    per_request = (time.process_time() - c0) / requests * 1000
    stats = pstats.Stats(prof)
    if out:
        stats.dump_stats(out)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    by: dict[str, float] = {}
    calls: dict[str, int] = {}
    for (filename, _line, _fn), (_cc, nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        g = _group(filename)
        by[g] = by.get(g, 0) + tt
        calls[g] = calls.get(g, 0) + nc
    print(f"{page}: {per_request:.1f} ms CPU per request under the profiler; own time by library:")
    for g, t in sorted(by.items(), key=lambda kv: -kv[1]):
        print(f"  {g:20s} {100 * t / total:5.1f} %  {calls[g] / requests:8.0f} calls/request")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Started by path (the A/B's workers, or to profile another tree with PYTHONPATH=tree): its
    # folder (bench/, with a `transitions.py`) must not shadow packages.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    if argv[:1] == ["worker"]:
        serve_worker(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.page_cpu", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("measure", "profile", "ab"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--meta", required=True, help="the data set's JSON (inbox_scale.DataSet)")
    parser.add_argument("--pages", nargs="+", default=["case", "case_demo", "plan", "dashboard"])
    parser.add_argument("--page", default="plan")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--block", type=int, default=10)
    parser.add_argument("--a-root")
    parser.add_argument("--b-root", default=str(ROOT))
    parser.add_argument("--out", help="profile: write the pstats file here")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--cpu", action="store_true", help="profile: CPU time as the clock (no waiting)")
    args = parser.parse_args(argv)
    if args.what == "measure":
        result: Any = measure(args.db, args.meta, args.pages, args.requests, args.warmup)
    elif args.what == "profile":
        profile(args.db, args.meta, args.page, args.requests, args.out, args.top, args.cpu)
        return 0
    else:
        if not args.a_root:
            raise SystemExit("ab needs --a-root (the other code tree)")
        result = ab(args.a_root, args.b_root, args.db, args.meta, args.pages, args.pairs, args.block, args.warmup)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
