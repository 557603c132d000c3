"""`python -m bench`: the benchmark of issue 9, in one process run so the ratios compare.

    python -m bench                      # SQLite files under $BENCH_DIR or /tmp/jobtraject-bench
    python -m bench --json               # ... and end with one JSON object
    python -m bench --db postgresql+psycopg://postgres@127.0.0.1:5432/test
                                         # PostgreSQL: throwaway databases on that server
    python -m bench --cases 100000 --scales 10000 100000 1000000

See docs/benchmark.md for what is measured and how long it takes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine

from bench import fair, inbox_pg, inbox_scale, summary, timer_burst, transitions
from bench.world import fresh_database

TARGETS = {
    "ratio_to_baseline": 0.5,
    "transitions_per_s": 2000,
    "timers_per_s_1_worker": 1000,
    "page_p95_ms": 50,
    "rss_growth_mb": 50,
    "growth_factor_1m_vs_10k": 2.0,
    "inbox_requests_per_s": 150,
    "inbox_p99_ms": 250,
}
DEFAULT_PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def load_now() -> float:
    """The 1-minute load average: printed beside each figure (the machine is shared)."""
    return round(os.getloadavg()[0], 2)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def part_transitions(server: str | None, pairs: int, block: int, pg: bool) -> dict[str, Any]:
    """The engine against the same-work baseline, interleaved (bench/fair.py); on SQLite with
    `synchronous=NORMAL` (the application's setting) and `FULL` (fsync at every commit)."""
    runs = {}
    for sync in (None,) if pg else ("NORMAL", "FULL"):
        log(f"[1/3] transitions: {pairs} interleaved pairs of {block} company trajectories x "
            f"{transitions.STEPS_PER_TRAJECTORY} use cases{f', synchronous={sync}' if sync else ''} ...")
        run = fair.run_fair(server, pairs, block, sync)
        run["load"] = load_now()
        runs["postgresql" if pg else f"synchronous_{sync.lower()}"] = run
    main = runs["postgresql" if pg else "synchronous_normal"]
    return {
        "transition_runs": runs,
        "trajectories": pairs * block,
        "transitions_per_s": main["engine_per_s_median"],
        "transitions_per_cpu_s": main["engine_per_cpu_s_median"],
        "ratio_to_baseline": main["ratio_wall_median"],
        "ratio_cpu_to_baseline": main["ratio_cpu_median"],
    }


def part_timers(server: str | None, timers: int, pg: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for workers in (1, 2, 4) if pg else (1,):
        log(f"[2/3] timer burst: {timers} due evaluations, {workers} worker process(es) ...")
        with fresh_database(server, f"burst{workers}") as url:
            r = timer_burst.run_burst(url, timers, workers, batch=25)
        out[f"timers_per_s_{workers}_worker{'s' if workers > 1 else ''}"] = round(r.per_second, 1)
        out[f"timer_burst_seconds_{workers}"] = round(r.seconds, 2)
        out[f"timers_per_cpu_s_{workers}"] = round(r.per_cpu_second, 1)  # the workers' CPU, all of them
        out[f"timer_burst_per_worker_{workers}"] = r.per_worker
        out[f"timer_burst_load_{workers}"] = load_now()
        if workers == 1:
            out["worker_rss_start_mb"] = round(r.rss_start_mb, 1)
            out["worker_rss_peak_mb"] = round(r.rss_peak_mb, 1)
            out["worker_rss_growth_mb"] = round(r.rss_growth_mb, 1)
    out["timers"] = timers
    return out


def pg_for_pages(primary: str | None, wanted: str | None) -> str | None:
    """The PostgreSQL server the pages are compared on: the primary one, else `wanted` when it answers."""
    if primary and not primary.startswith("sqlite"):
        return primary
    if not wanted:
        return None
    try:
        engine = create_engine(wanted, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return wanted
    except Exception as exc:  # no server: the pages are measured on SQLite alone, and said so
        log(f"      no PostgreSQL at {wanted} ({type(exc).__name__}): pages on SQLite only")
        return None


def _timing(p: inbox_scale.PageTiming) -> dict[str, Any]:
    if p.skipped:
        return {"skipped": p.skipped, "path": p.path}
    return {"path": p.path, "p50_ms": round(p.p50_ms, 1), "p95_ms": round(p.p95_ms, 1), "requests": p.requests}


def part_inbox(server: str | None, primary: int, scales: list[int], requests: int, page_requests: int,
               wrk_seconds: int, pages_pg: str | None, gunicorn_workers: list[int]) -> dict[str, Any]:
    """Pages at each scale on the primary database; at `primary` cases on SQLite and PostgreSQL
    (when one answers), requests interleaved; then the inbox under wrk -c16 on the production servers."""
    pg = bool(server) and not server.startswith("sqlite")
    main_db = "postgresql" if pg else "sqlite"
    out: dict[str, Any] = {"scales": {}}
    for n in sorted(set(scales) | {primary}):
        servers = {main_db: server}
        if n == primary:
            other = pg_for_pages(server, pages_pg) if not pg else None
            if pg:
                servers["sqlite"] = None
            elif other:
                servers["postgresql"] = other
        with ExitStack() as stack:
            urls, data = {}, {}
            for name, srv in servers.items():
                log(f"[3/3] pages at scale: generating {n:,} cases on {name} (and the demo's plans) ...")
                urls[name] = stack.enter_context(fresh_database(srv, f"inbox{n}"))
                data[name] = inbox_scale.generate(urls[name], n, datetime.now(UTC), with_plans=True)
                log(f"      generated {data[name].rows} in {data[name].seconds:.0f} s")
            count = page_requests if n == primary else requests
            log(f"      {count} requests per page{' interleaved between ' + ' and '.join(servers) if len(servers) > 1 else ''} ...")
            timings = inbox_scale.measure_pages_interleaved({k: (urls[k], data[k]) for k in servers}, count)
            entry: dict[str, Any] = {"generate_seconds": round(data[main_db].seconds, 1), "rows": data[main_db].rows,
                                     "load": load_now(), "pages": {}, "by_db": {}}
            for t in timings:
                entry["by_db"].setdefault(t.db, {})[t.page] = _timing(t)
            entry["pages"] = entry["by_db"][main_db]
            if n == primary and wrk_seconds > 0:
                entry["wrk_inbox"] = wrk_servers(urls[main_db], data[main_db], wrk_seconds, gunicorn_workers)
            out["scales"][str(n)] = entry
    main = out["scales"][str(primary)]["pages"]

    def p95(page: str) -> float | None:
        return main.get(page, {}).get("p95_ms")

    out.update(inbox_p95_ms=p95("inbox"), queue_p95_ms=p95("queue"), case_page_p95_ms=p95("case"),
               plan_page_p95_ms=p95("plan"), dashboard_p95_ms=p95("dashboard"),
               skipped_pages=[k for k, v in main.items() if "skipped" in v])
    return out


def wrk_servers(url: str, data: inbox_scale.DataSet, seconds: int, gunicorn_workers: list[int]) -> dict[str, Any]:
    """`wrk -t2 -c16` on the inbox: waitress (`jobtraject serve`, 8 threads) and gunicorn with N sync
    workers, two rounds in opposite order (A B C C B A), so a load swing hits all alike."""
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed: make wrk"}
    variants = [None, *(f"gunicorn{w}" for w in gunicorn_workers)]
    runs: dict[str, list[dict[str, Any]]] = {}
    for order in (variants, variants[::-1]):
        for variant in order:
            name = variant or "waitress8"
            log(f"      wrk -t2 -c16 -d{seconds}s on / with {name} ...")
            r = inbox_pg.load(url, data, "/", 16, seconds, 2, 8, variant)
            r["load"] = load_now()
            runs.setdefault(name, []).append(r)
    out: dict[str, Any] = {}
    for name, rs in runs.items():
        rps = [r["requests_per_s"] for r in rs if r.get("requests_per_s") is not None]
        p99 = [r["p99_ms"] for r in rs if r.get("p99_ms") is not None]
        out[name] = {"requests_per_s": round(statistics.mean(rps), 1) if rps else None,
                     "requests_per_s_runs": rps, "p99_ms": round(statistics.mean(p99), 1) if p99 else None,
                     "p99_ms_runs": p99, "non_2xx": sum(r.get("non_2xx") or 0 for r in rs),
                     "load": [r["load"] for r in rs]}
    return out


def judge(result: dict[str, Any]) -> dict[str, bool | None]:
    """Which targets of issue 9 this run met (None: not measured in this run)."""
    t: dict[str, bool | None] = {}
    if "ratio_to_baseline" in result:
        t["transitions >= 50% of baseline (CPU, median of pairs)"] = (
            result["ratio_cpu_to_baseline"] >= TARGETS["ratio_to_baseline"])
        t["transitions >= 2000/s"] = result["transitions_per_s"] >= TARGETS["transitions_per_s"]
    if "timers_per_s_1_worker" in result:
        t["timers >= 1000/s with 1 worker"] = result["timers_per_s_1_worker"] >= TARGETS["timers_per_s_1_worker"]
        t["worker RSS growth < 50 MB"] = result["worker_rss_growth_mb"] < TARGETS["rss_growth_mb"]
        if "timers_per_s_4_workers" in result:
            t["4 workers faster than 1"] = result["timers_per_s_4_workers"] > result["timers_per_s_1_worker"]
    for key in ("inbox_p95_ms", "case_page_p95_ms", "plan_page_p95_ms", "dashboard_p95_ms", "queue_p95_ms"):
        if result.get(key) is not None:
            t[f"{key} <= 50 at {result['n_cases']:,}"] = result[key] <= TARGETS["page_p95_ms"]
    scales = result.get("scales", {})
    if "10000" in scales and "1000000" in scales:
        for page, small in scales["10000"]["pages"].items():
            big = scales["1000000"]["pages"].get(page, {})
            if "p95_ms" in small and "p95_ms" in big:
                t[f"{page} at 1M <= 2x 10k"] = big["p95_ms"] <= TARGETS["growth_factor_1m_vs_10k"] * small["p95_ms"]
    return t


def table(result: dict[str, Any]) -> str:
    lines = [f"jobtraject benchmark: {result['db']}, {os.cpu_count()} CPUs, load before {result['load_before']}",
             ""]

    def row(label: str, value: Any, note: str = "") -> None:
        lines.append(f"  {label:<44} {value!s:>14}  {note}")

    if "transition_runs" in result:
        lines.append("1. transitions: engine (services, audit, tasks, timers) against hand-written SQL doing the "
                     "same statements, interleaved")
        for run in result["transition_runs"].values():
            lines.extend(fair.lines(run))
    if "timers_per_s_1_worker" in result:
        lines.append(f"2. timer burst ({result['timers']} due at once, each its own transaction)")
        row("1 worker process", f"{result['timers_per_s_1_worker']:.0f}/s",
            f"{result['timer_burst_seconds_1']} s, {result.get('timers_per_cpu_s_1', 0):.0f} per worker CPU second")
        for w in (2, 4):
            if f"timers_per_s_{w}_workers" in result:
                row(f"{w} worker processes", f"{result[f'timers_per_s_{w}_workers']:.0f}/s",
                    f"{result[f'timer_burst_seconds_{w}']} s, {result.get(f'timers_per_cpu_s_{w}', 0):.0f} per "
                    f"workers' CPU second, per worker {result[f'timer_burst_per_worker_{w}']}")
        row("worker RSS start -> peak", f"{result['worker_rss_start_mb']} -> {result['worker_rss_peak_mb']} MB",
            f"growth {result['worker_rss_growth_mb']} MB")
    if "scales" in result:
        lines.append("3. pages through the Flask app (p50 / p95 ms, logged in as a JoB coach)")
        for n, entry in result["scales"].items():
            for db, pages in entry["by_db"].items():
                cells = [f"{page} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}" if "p95_ms" in v else f"{page} -"
                         for page, v in pages.items()]
                row(f"{int(n):,} cases, {db}", "", "  ".join(cells))
            for server, w in (entry.get("wrk_inbox") or {}).items():
                if isinstance(w, dict) and "requests_per_s" in w:
                    row(f"  wrk -t2 -c16 on /, {server}", f"{w['requests_per_s']}/s",
                        f"runs {w['requests_per_s_runs']}, p99 {w['p99_ms_runs']} ms, non-2xx {w['non_2xx']}")
                else:
                    row("  wrk", "", str(w))
        if result.get("skipped_pages"):
            lines.append(f"  skipped: {', '.join(result['skipped_pages'])}")
    lines.append("targets:")
    for name, ok in result["targets"].items():
        lines.append(f"  [{'met' if ok else 'NOT met'}] {name}")
    lines.append(f"total {result['seconds_total']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help="the same figures as one JSON object: at the end of the output, or into FILE")
    parser.add_argument("--db", default=None,
                        help="PostgreSQL server URL (throwaway databases are created on it); default SQLite files")
    parser.add_argument("--cases", type=int, default=100_000, help="inbox data set size (default 100,000)")
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000],
                        help="data set sizes to show how page cost grows (1,000,000 takes ~15 min)")
    parser.add_argument("--pairs", type=int, default=10, help="engine/baseline block pairs (default 10)")
    parser.add_argument("--block", type=int, default=25, help="trajectories per block (default 25)")
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page at the other scales")
    parser.add_argument("--page-requests", type=int, default=500,
                        help="timed requests per page and database at --cases (default 500)")
    parser.add_argument("--pages-pg", default=DEFAULT_PG,
                        help="SQLite runs: the PostgreSQL server the pages are compared on when it answers "
                             "(default BENCH_PG_URL or the local one; '' for none)")
    parser.add_argument("--gunicorn-workers", type=int, nargs="*", default=[2, 4],
                        help="gunicorn worker counts measured against waitress under wrk")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="per wrk run; 0 skips the wrk runs")
    parser.add_argument("--only", nargs="+", choices=("transitions", "timers", "inbox"),
                        default=["transitions", "timers", "inbox"])
    args = parser.parse_args(argv)
    server = args.db
    pg = bool(server) and not server.startswith("sqlite")
    started = time.monotonic()
    result: dict[str, Any] = {"db": "postgresql" if pg else "sqlite", "n_cases": args.cases,
                              "load_before": round(os.getloadavg()[0], 2), "python": platform.python_version()}
    if "transitions" in args.only:
        result.update(part_transitions(server, args.pairs, args.block, pg))
    if "timers" in args.only:
        result.update(part_timers(server, args.timers, pg))
    if "inbox" in args.only:
        result.update(part_inbox(server, args.cases, args.scales, args.requests, args.page_requests,
                                 args.wrk_seconds, args.pages_pg or None, args.gunicorn_workers))
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["seconds_total"] = round(time.monotonic() - started, 1)
    result["targets"] = judge(result)
    result["summary"] = summary.rows(result, TARGETS)
    print(table(result))
    print(summary.table(result["summary"], result["seconds_total"]))
    if args.json == "-":
        print(json.dumps(result, sort_keys=True))
    elif args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, sort_keys=True, indent=1)
        log(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
