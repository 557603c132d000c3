"""A timer worker process for the fault tests: the engine's TimerSweep on a real database.

Run as `python -m tests.faults.worker_proc --url URL --name NAME [options]`. It prints
`ready`, waits for a line on stdin (so every worker starts at the same moment), sweeps
until no timer is pending or claimed (or the deadline passes) and prints a JSON summary.
`--hold` claims one batch and fires it slowly, printing each fired id: the test kills it
with SIGKILL in the middle of that batch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta

from sqlalchemy import func, select

from engine.clock import SystemClock
from engine.jobs.timers import Outcome, TimerSettings, TimerSweep
from engine.registry import Registry
from engine.store.db import Database
from engine.store.models import Timer
from tests.timer_workflow import EVALUATION


def memory_kib() -> dict[str, int]:
    """This process's resident set now (VmRSS) and at its peak (VmHWM), in KiB."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])
    return out


def unfinished(db: Database) -> int:
    """Due timers not yet fired (timers due later are not this run's work)."""
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Timer).where(
            Timer.status.in_(("pending", "claimed")), Timer.due_at <= SystemClock().now()))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--lease", type=float, default=30.0)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--deadline", type=float, default=90.0)
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("--slow", type=float, default=0.1)
    args = parser.parse_args()

    registry = Registry()
    registry.register(EVALUATION)
    db = Database(args.url)
    sweep = TimerSweep(db, registry, SystemClock(),
                       TimerSettings(lease=timedelta(seconds=args.lease), batch_size=args.batch), worker_id=args.name)
    print("ready", flush=True)
    sys.stdin.readline()
    memory_at_start = memory_kib()
    started, cpu_started = time.monotonic(), time.process_time()

    if args.hold:
        ids = sweep.claim()
        print(json.dumps({"claimed": ids}), flush=True)
        for timer_id in ids:
            outcome = sweep.fire(timer_id)
            print(json.dumps({"fired": timer_id, "outcome": outcome.value}), flush=True)
            time.sleep(args.slow)
        return 0

    fired = 0
    while time.monotonic() - started < args.deadline:
        report = sweep.sweep()
        fired += report.count(Outcome.FIRED)
        if report.claimed == 0:
            if unfinished(db) == 0:
                break
            time.sleep(0.2)  # timers held by someone else's lease: wait for it to expire
    print(json.dumps({"name": args.name, "fired": fired, "seconds": round(time.monotonic() - started, 3),
                      "cpu_seconds": round(time.process_time() - cpu_started, 3),  # the sweep's, imports not
                      "rss_start_kib": memory_at_start["VmRSS"], "peak_kib": memory_kib()["VmHWM"]}),
          flush=True)
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
