"""The one summary table at the end of `python -m bench`, and the same figures as JSON rows.

Each row: what was measured, on which database, the figure, the machine's 1-minute load
average when it was taken (the machine is shared: absolute figures swing with it, ratios
and interleaved comparisons much less), the issue-21 target and whether it was met.
"""

from __future__ import annotations

from typing import Any

PAGES = ("inbox", "queue", "case", "plan", "dashboard")


def _row(figure: str, db: str, value: str, load: Any, target: str = "", met: bool | None = None) -> dict[str, Any]:
    return {"figure": figure, "db": db, "value": value, "load": load, "target": target, "met": met}


def rows(result: dict[str, Any], targets: dict[str, float]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    main_db = result["db"]
    for name, run in result.get("transition_runs", {}).items():
        db = "postgresql" if name == "postgresql" else f"sqlite {name.removeprefix('synchronous_').upper()}"
        out.append(_row("transitions engine/baseline, CPU: median (min-max) of pairs", db,
                        f"{run['ratio_cpu_median']:.0%} ({run['ratio_cpu_min']:.0%}-{run['ratio_cpu_max']:.0%})",
                        run.get("load"), ">= 50 %", run["ratio_cpu_median"] >= targets["ratio_to_baseline"]))
        out.append(_row("transitions engine/baseline, wall: median (min-max)", db,
                        f"{run['ratio_wall_median']:.0%} ({run['ratio_wall_min']:.0%}-{run['ratio_wall_max']:.0%})",
                        run.get("load")))
    primary = result.get("scales", {}).get(str(result.get("n_cases")))
    if primary:
        n = f"{int(result['n_cases']):,}"
        for db, pages in primary.get("by_db", {}).items():
            for page in PAGES:
                v = pages.get(page)
                if not v or "p95_ms" not in v:
                    continue
                out.append(_row(f"{page} p95 at {n} cases ({v['requests']} requests"
                                f"{', interleaved' if len(primary['by_db']) > 1 else ''})", db,
                                f"{v['p95_ms']:.0f} ms (p50 {v['p50_ms']:.0f})", primary.get("load"), "<= 50 ms",
                                v["p95_ms"] <= targets["page_p95_ms"]))
        for server, w in (primary.get("wrk_inbox") or {}).items():
            if not isinstance(w, dict) or w.get("requests_per_s") is None:
                continue
            ok = w["requests_per_s"] >= targets["inbox_requests_per_s"] and (w["p99_ms"] or 1e9) <= targets["inbox_p99_ms"]
            out.append(_row(f"inbox under wrk -t2 -c16 at {n}, {server} (mean of {len(w['requests_per_s_runs'])})",
                            main_db, f"{w['requests_per_s']:.0f} req/s, p99 {w['p99_ms']:.0f} ms",
                            "/".join(f"{x:g}" for x in w["load"]), ">= 150 req/s, p99 <= 250 ms", ok))
    scales = result.get("scales", {})
    if "10000" in scales and "1000000" in scales:
        for page in PAGES:
            small, big = scales["10000"]["pages"].get(page, {}), scales["1000000"]["pages"].get(page, {})
            if "p95_ms" in small and "p95_ms" in big:
                out.append(_row(f"{page} p95 at 1,000,000 / 10,000 cases", main_db,
                                f"{big['p95_ms'] / small['p95_ms']:.2f}x", scales["1000000"].get("load"), "<= 2x",
                                big["p95_ms"] <= targets["growth_factor_1m_vs_10k"] * small["p95_ms"]))
    for workers in (1, 2, 4):
        rate = result.get(f"timers_per_s_{workers}_worker{'s' if workers > 1 else ''}")
        if rate is None:
            continue
        target = ">= 1,000/s" if workers == 1 and main_db == "sqlite" else ""
        out.append(_row(f"timer burst, {result['timers']:,} due, {workers} worker{'s' if workers > 1 else ''}", main_db,
                        f"{rate:,.0f}/s", result.get(f"timer_burst_load_{workers}"), target,
                        rate >= targets["timers_per_s_1_worker"] if target else None))
    return out


def table(summary: list[dict[str, Any]], seconds: float) -> str:
    head = ("figure", "db", "value", "load", "target", "met")
    cells = [[r["figure"], r["db"], r["value"], "" if r["load"] is None else str(r["load"]), r["target"],
              "" if r["met"] is None else ("yes" if r["met"] else "NO")] for r in summary]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = ["", f"SUMMARY (load: 1-minute load average on this machine when measured; the run took {seconds:.0f} s)",
             fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*c) for c in cells]
    return "\n".join(lines)
