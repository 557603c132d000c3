"""Instructions per use case of the engine and of the fair baseline, counted by callgrind.

`python -m bench.instructions [--db URL] [--trajectories N]` (needs `valgrind`).

Why: on the shared 2-core machine timings of one code version drift by 2-4x between runs, so
two versions of the engine cannot be compared by separate timed runs. Instructions executed
by this process do not depend on the load: the same code gives the same count to within
0.1 %. Each side runs in its own process under `valgrind --tool=callgrind` with counting
switched on only around the measured trajectories (after the world is set up and warmed
up), so the count is the use cases' alone: Python, SQLAlchemy, the driver and SQLite's own
C code (on PostgreSQL the server's work is in another process and not counted). What it
does not see: time in system calls (fsync at commit) and waiting.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

from sqlalchemy import event

from bench import transitions as tr
from bench.fair import Baseline, Profile, durable
from bench.world import fresh_database
from engine.store.db import Database


def _counting(on: bool) -> None:
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], capture_output=True,
                   check=False)


def _measure(side: str, server: str | None, n: int) -> None:
    """Inside valgrind: set up, warm up, count `n` trajectories of one side."""
    synchronous = None if server else "NORMAL"
    with fresh_database(server, "instr-engine") as eng_url, fresh_database(server, "instr-base") as base_url:
        edb = Database(eng_url)
        durable(edb, synchronous)
        people = tr.setup_world(edb, n + 5)
        _svc, company = tr.services_for(edb)
        if side == "engine":
            ids = iter(people.candidate_ids)
            for _ in range(3):
                tr.one_trajectory(company, people, next(ids))
            _counting(True)
            for _ in range(n):
                tr.one_trajectory(company, people, next(ids))
            _counting(False)
        else:
            bdb = Database(base_url)
            durable(bdb, synchronous)
            tr.setup_world(bdb, n + 5)
            prof = Profile()
            listeners = (("before_cursor_execute", prof.before), ("commit", prof.commit),
                         ("rollback", prof.rollback))
            for name, fn in listeners:
                event.listen(edb.engine, name, fn)
            tr.one_trajectory(company, people, people.candidate_ids[0])  # the statements to replay
            for name, fn in listeners:
                event.remove(edb.engine, name, fn)
            base = Baseline(bdb, people, prof.steps)
            for _ in range(3):
                base.trajectory(people.candidate_ids[0])
            _counting(True)
            for _ in range(n):
                base.trajectory(people.candidate_ids[0])
            _counting(False)
            base.close()
            bdb.dispose()
        edb.dispose()


def count(side: str, server: str | None, n: int) -> float:
    """Instructions per use case of one side (a child process under callgrind)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
               sys.executable, "-m", "bench.instructions", "--child", side, "--trajectories", str(n)]
        if server:
            cmd += ["--db", server]
        subprocess.run(cmd, check=True, capture_output=True)
        with open(out) as f:
            totals = re.search(r"^totals: (\d+)", f.read(), re.M)
    assert totals, "callgrind wrote no totals"
    return int(totals.group(1)) / (n * tr.STEPS_PER_TRAJECTORY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="a PostgreSQL server URL (default: SQLite, synchronous=NORMAL)")
    parser.add_argument("--trajectories", type=int, default=5)
    parser.add_argument("--child", choices=("engine", "baseline"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _measure(args.child, args.db, args.trajectories)
        return
    engine = count("engine", args.db, args.trajectories)
    base = count("baseline", args.db, args.trajectories)
    print(f"instructions per use case ({args.db or 'SQLite'}, {args.trajectories} trajectories): "
          f"engine {engine:,.0f}, baseline {base:,.0f}, baseline/engine {base / engine:.1%}")


if __name__ == "__main__":
    main()
