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
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench import fair, inbox_scale, timer_burst, transitions
from bench.world import fresh_database

TARGETS = {
    "ratio_to_baseline": 0.5,
    "transitions_per_s": 2000,
    "timers_per_s_1_worker": 1000,
    "page_p95_ms": 50,
    "rss_growth_mb": 50,
    "growth_factor_1m_vs_10k": 2.0,
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def part_transitions(server: str | None, pairs: int, block: int, pg: bool) -> dict[str, Any]:
    """The engine against the same-work baseline, interleaved (bench/fair.py); on SQLite with
    `synchronous=NORMAL` (the application's setting) and `FULL` (fsync at every commit)."""
    runs = {}
    for sync in (None,) if pg else ("NORMAL", "FULL"):
        log(f"[1/3] transitions: {pairs} interleaved pairs of {block} company trajectories x "
            f"{transitions.STEPS_PER_TRAJECTORY} use cases{f', synchronous={sync}' if sync else ''} ...")
        runs["postgresql" if pg else f"synchronous_{sync.lower()}"] = fair.run_fair(server, pairs, block, sync)
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
    for workers in (1, 4) if pg else (1,):
        log(f"[2/3] timer burst: {timers} due evaluations, {workers} worker process(es) ...")
        with fresh_database(server, f"burst{workers}") as url:
            r = timer_burst.run_burst(url, timers, workers, batch=25)
        out[f"timers_per_s_{workers}_worker{'s' if workers > 1 else ''}"] = round(r.per_second, 1)
        out[f"timer_burst_seconds_{workers}"] = round(r.seconds, 2)
        out[f"timer_burst_per_worker_{workers}"] = r.per_worker
        if workers == 1:
            out["worker_rss_start_mb"] = round(r.rss_start_mb, 1)
            out["worker_rss_peak_mb"] = round(r.rss_peak_mb, 1)
            out["worker_rss_growth_mb"] = round(r.rss_growth_mb, 1)
    out["timers"] = timers
    return out


def part_inbox(server: str | None, primary: int, scales: list[int], requests: int, wrk_seconds: int
               ) -> dict[str, Any]:
    out: dict[str, Any] = {"scales": {}}
    for n in sorted(set(scales) | {primary}):
        log(f"[3/3] inbox at scale: generating {n:,} cases ...")
        with fresh_database(server, f"inbox{n}") as url:
            data = inbox_scale.generate(url, n, datetime.now(UTC))
            log(f"      generated {data.rows} in {data.seconds:.0f} s; {requests} requests per page ...")
            pages = inbox_scale.measure_pages(url, data, requests)
            entry: dict[str, Any] = {"generate_seconds": round(data.seconds, 1), "rows": data.rows, "pages": {}}
            for p in pages:
                entry["pages"][p.page] = (
                    {"skipped": p.skipped, "path": p.path} if p.skipped else
                    {"path": p.path, "p50_ms": round(p.p50_ms, 1), "p95_ms": round(p.p95_ms, 1),
                     "requests": p.requests})
            if n == primary and wrk_seconds > 0:
                log(f"      wrk on jobtraject serve for {wrk_seconds} s ...")
                entry["wrk_inbox"] = inbox_scale.measure_wrk(url, data, wrk_seconds)
            out["scales"][str(n)] = entry
    main = out["scales"][str(primary)]["pages"]

    def p95(page: str) -> float | None:
        return main.get(page, {}).get("p95_ms")

    out.update(inbox_p95_ms=p95("inbox"), queue_p95_ms=p95("queue"), case_page_p95_ms=p95("case"),
               dashboard_p95_ms=p95("dashboard"),
               skipped_pages=[k for k, v in main.items() if "skipped" in v])
    out["wrk_requests_per_s"] = out["scales"][str(primary)].get("wrk_inbox", {}).get("requests_per_s")
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
    for key in ("inbox_p95_ms", "case_page_p95_ms", "dashboard_p95_ms", "queue_p95_ms"):
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
            f"{result['timer_burst_seconds_1']} s")
        if "timers_per_s_4_workers" in result:
            row("4 worker processes", f"{result['timers_per_s_4_workers']:.0f}/s",
                f"{result['timer_burst_seconds_4']} s, per worker {result['timer_burst_per_worker_4']}")
        row("worker RSS start -> peak", f"{result['worker_rss_start_mb']} -> {result['worker_rss_peak_mb']} MB",
            f"growth {result['worker_rss_growth_mb']} MB")
    if "scales" in result:
        lines.append("3. pages through the Flask app (p50 / p95 ms, logged in as a JoB coach)")
        for n, entry in result["scales"].items():
            cells = []
            for page, v in entry["pages"].items():
                cells.append(f"{page} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}" if "p95_ms" in v else f"{page} -")
            row(f"{int(n):,} cases (generated in {entry['generate_seconds']:.0f} s)", "", "  ".join(cells))
            if "wrk_inbox" in entry:
                w = entry["wrk_inbox"]
                row("  wrk -t2 -c8 on / (jobtraject serve)", f"{w.get('requests_per_s')}/s",
                    f"p99 {w.get('p99')}, non-2xx {w.get('non_2xx')}" if "skipped" not in w else w["skipped"])
        if result.get("skipped_pages"):
            lines.append(f"  skipped (route does not exist in this build): {', '.join(result['skipped_pages'])}")
    lines.append("targets:")
    for name, ok in result["targets"].items():
        lines.append(f"  [{'met' if ok else 'NOT met'}] {name}")
    lines.append(f"total {result['seconds_total']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end the output with one JSON object")
    parser.add_argument("--db", default=None,
                        help="PostgreSQL server URL (throwaway databases are created on it); default SQLite files")
    parser.add_argument("--cases", type=int, default=100_000, help="inbox data set size (default 100,000)")
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000],
                        help="data set sizes to show how page cost grows (1,000,000 takes ~15 min)")
    parser.add_argument("--pairs", type=int, default=10, help="engine/baseline block pairs (default 10)")
    parser.add_argument("--block", type=int, default=25, help="trajectories per block (default 25)")
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="0 skips the wrk run")
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
        result.update(part_inbox(server, args.cases, args.scales, args.requests, args.wrk_seconds))
    result["load_after"] = round(os.getloadavg()[0], 2)
    result["seconds_total"] = round(time.monotonic() - started, 1)
    result["targets"] = judge(result)
    print(table(result))
    if args.json:
        print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
