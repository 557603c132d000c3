"""A/B of one engine change, interleaved in one process: `python -m bench.ab VARIANT`.

Why: on this shared machine the speed drifts by 2-4x within minutes, so two separate runs
compare the machine, not the code. Here the old way (A) and the new way (B) run in turn
(ABBA ...) in short blocks on the same database; each pair gives one ratio B/A of rates,
wall and CPU, and the result is their median with min-max.

Variants (each switches one thing in this process, nothing in the code base):
- `flush`: a transition's case write through the ORM flush (A, what happened since the
  personal-data hook listened to every flush) or one Core UPDATE (B).
- `sweep`: the timer sweep firing each timer of a batch on a pool checkout of its own (A) or
  all of them, each in its own transaction, on one connection per batch (B,
  `engine.jobs.timers._BatchConnection`). (Round 7's `sweep`, ORM session against the
  session-less unit, is gone with the ORM path of the sweep.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import transitions as tr
from bench.world import fresh_database
from engine.jobs.timers import _BatchConnection
from engine.store.db import Database

_BATCH_RENEW = _BatchConnection.renew


def _flush_toggle(new: bool) -> None:
    import engine.runtime as runtime
    from engine.store.orm_shortcuts import flush_listened

    def old(session: Any) -> bool:
        return bool(session.dispatch.before_flush or session.dispatch.after_flush)

    runtime.flush_listened = flush_listened if new else old  # type: ignore[assignment]


def _trajectory_blocks(url: str, pairs: int, block: int) -> tuple[Callable[[], None], Database]:
    db = Database(url)
    people = tr.setup_world(db, 2 + 2 * pairs * block)
    _svc, company = tr.services_for(db)
    ids = iter(people.candidate_ids)
    for _ in range(2):
        tr.one_trajectory(company, people, next(ids))  # warm-up

    def run() -> None:
        for _ in range(block):
            tr.one_trajectory(company, people, next(ids))

    return run, db


def _sweep_toggle(new: bool) -> None:
    from engine.jobs import timers

    def own_checkouts(batch: Any) -> None:
        batch.close()  # conn None: each timer checks out its own connection, as before

    timers._BatchConnection.renew = _BATCH_RENEW if new else own_checkouts  # type: ignore[method-assign]


def _sweep_blocks(url: str, pairs: int, block: int) -> tuple[Callable[[], None], Database]:
    from engine.clock import SystemClock
    from engine.jobs.timers import TimerSettings, TimerSweep, _BatchConnection
    from tests.faults.harness import registry, seed_due_timers

    db = Database(url)
    seed_due_timers(db, 2 * pairs * block + 10)
    sweep = TimerSweep(db, registry(), SystemClock(), TimerSettings(batch_size=block))

    def run() -> None:
        ids = sweep.claim(block)
        assert len(ids) == block, len(ids)
        with _BatchConnection(db) as batch:  # as `TimerSweep.sweep` fires a batch
            for timer_id in ids:
                assert sweep.fire(timer_id, batch.conn).value == "fired"

    for timer_id in sweep.claim(10):  # warm-up
        sweep.fire(timer_id)
    return run, db


VARIANTS: dict[str, tuple[Callable[[bool], None], Callable[[str, int, int], tuple[Callable[[], None], Database]],
                          str]] = {
    "flush": (_flush_toggle, _trajectory_blocks, "use cases"),
    "sweep": (_sweep_toggle, _sweep_blocks, "timers"),
}


def run_ab(variant: str, server: str | None, pairs: int, block: int) -> dict[str, Any]:
    toggle, blocks, unit = VARIANTS[variant]
    wall: list[float] = []
    cpu: list[float] = []
    with fresh_database(server, f"ab-{variant}") as url:
        run, db = blocks(url, pairs, block)
        try:
            def timed(new: bool) -> tuple[float, float]:
                toggle(new)
                started, c = time.perf_counter(), time.process_time()
                run()
                return time.perf_counter() - started, time.process_time() - c

            for i in range(pairs):
                if i % 2 == 0:
                    a, b = timed(False), timed(True)
                else:
                    b, a = timed(True), timed(False)
                wall.append(a[0] / b[0])  # rate B / rate A
                cpu.append(a[1] / b[1])
        finally:
            toggle(True)
            db.dispose()
    return {"variant": variant, "db": "sqlite" if server is None else "postgresql", "pairs": pairs,
            "block": block, "unit": unit, "ratio_wall_median": round(statistics.median(wall), 3),
            "ratio_wall_min": round(min(wall), 3), "ratio_wall_max": round(max(wall), 3),
            "ratio_cpu_median": round(statistics.median(cpu), 3), "ratio_cpu_min": round(min(cpu), 3),
            "ratio_cpu_max": round(max(cpu), 3), "ratios_wall": [round(r, 3) for r in wall],
            "ratios_cpu": [round(r, 3) for r in cpu]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("--db", default=None, help="PostgreSQL server URL; default SQLite files")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--block", type=int, default=20, help="trajectories (or timers) per block")
    args = parser.parse_args(argv)
    r = run_ab(args.variant, args.db, args.pairs, args.block)
    print(f"{r['variant']} on {r['db']}: {r['pairs']} ABBA pairs; rate new/old: wall {r['ratio_wall_median']:.2f} "
          f"({r['ratio_wall_min']:.2f}-{r['ratio_wall_max']:.2f}), CPU {r['ratio_cpu_median']:.2f} "
          f"({r['ratio_cpu_min']:.2f}-{r['ratio_cpu_max']:.2f}), median (min-max)")
    print(json.dumps(r, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
