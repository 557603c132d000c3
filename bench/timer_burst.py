"""Part 2: a burst of due timers swept by real worker processes, with the worker's memory.

The timers are the fault tests' evaluations (`tests.timer_workflow`), seeded in bulk as
`create_case` writes them (`tests.faults.harness.seed_due_timers`), and swept by
`tests.faults.worker_proc`: the engine's `TimerSweep`, each timer fired in its own
transaction. Afterwards every timer must have fired exactly once and every audit chain must
verify. The parent samples each worker's resident memory (VmRSS) from /proc while it sweeps
and each worker reports its CPU seconds from "go" to its end (start-up and imports not
counted): on a shared machine the wall-clock rate follows the load, the rate per CPU second
much less.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from engine.store.db import Database
from tests.faults.harness import (
    assert_every_due_timer_fired_exactly_once,
    finish,
    seed_due_timers,
    spawn,
)


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


class RssSampler(threading.Thread):
    """Samples a process's resident set every 20 ms until it exits."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.start_kb = rss_kb(pid) or 0
        self.peak_kb = self.start_kb
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            kb = rss_kb(self.pid)
            if kb is None:
                return
            self.peak_kb = max(self.peak_kb, kb)
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop_event.set()


@dataclass
class BurstResult:
    timers: int
    workers: int
    seconds: float
    per_worker: list[int]
    rss_start_mb: float
    rss_peak_mb: float
    cpu_seconds: float  # the workers' user + system time

    @property
    def per_second(self) -> float:
        return self.timers / self.seconds

    @property
    def per_cpu_second(self) -> float:
        return self.timers / self.cpu_seconds

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_peak_mb - self.rss_start_mb


def run_burst(url: str, timers: int, workers: int, batch: int = 100, deadline: float = 900.0) -> BurstResult:
    """Seed `timers` due timers in the empty database at `url`, sweep them with `workers` processes."""
    db = Database(url)
    try:
        seed_due_timers(db, timers)
        procs = [spawn(url, f"bench-worker-{i}", "--batch", str(batch), "--deadline", str(deadline))
                 for i in range(workers)]
        samplers = [RssSampler(w.proc.pid) for w in procs]
        for s in samplers:
            s.start()
        started = time.monotonic()
        for w in procs:
            w.go()
        finish(procs, timeout=deadline + 30)
        seconds = time.monotonic() - started
        cpu_seconds = sum(w.summary()["cpu_seconds"] for w in procs)
        for s in samplers:
            s.stop()
        by_worker = assert_every_due_timer_fired_exactly_once(db, timers)
        return BurstResult(
            timers=timers, workers=workers, seconds=seconds, per_worker=sorted(by_worker.values()),
            rss_start_mb=max(s.start_kb for s in samplers) / 1024,
            rss_peak_mb=max(s.peak_kb for s in samplers) / 1024, cpu_seconds=cpu_seconds,
        )
    finally:
        db.dispose()
