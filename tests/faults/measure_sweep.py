"""Time the 5,000-timer sweep with one, two and four worker processes on PostgreSQL.

    .venv/bin/python -m tests.faults.measure_sweep [--timers 5000] [--workers 1 2 4]

Each run gets a throwaway database on the test server (JOBTRAJECT_TEST_PG_URL), checks that
every timer fired exactly once, and prints the wall time from "go" to the last worker's exit
and the workers' CPU seconds (on a shared machine the wall time swings with the load, the CPU
time per timer much less).
"""

from __future__ import annotations

import argparse
import os
import resource

from engine.store.db import Database
from tests import dbs
from tests.faults.test_timer_workers import sweep_with_processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} before the runs")
    for n in args.workers:
        url = dbs.create_pg_database()
        try:
            db = Database(url)
            db.create_all()
            db.dispose()
            before = _children_cpu()
            seconds, by_worker = sweep_with_processes(url, n, args.timers, deadline=900)
            cpu = _children_cpu() - before
        finally:
            dbs.drop_pg_database(url)
        print(f"PostgreSQL, {n} worker(s): {args.timers} timers fired exactly once in {seconds:.1f} s "
              f"({args.timers / seconds:.0f} per second; workers' CPU {cpu:.1f} s, {args.timers / cpu:.0f} timers "
              f"per CPU second); per worker: {sorted(by_worker.values())}; load {os.getloadavg()[0]:.1f}")


def _children_cpu() -> float:
    """CPU seconds of the worker processes that have exited (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
