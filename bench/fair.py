"""Part 1, fairly: the engine and a hand-written SQL baseline doing the same statements, in turn.

Why this shape (issue 21): one long engine phase followed by one short baseline phase let
the machine's drift (4.5x on this shared 2-core machine) decide the ratio, and a baseline
that skipped the engine's reads and used other durability settings measured something else.

- **Same statements.** The engine's first trajectory is recorded statement by statement
  (every SELECT, INSERT and UPDATE, per transaction). The baseline replays that sequence in
  hand-written SQL on the raw DBAPI connection: the same reads at the same places (the case
  row, `FOR UPDATE` on PostgreSQL; the employer; the access check's organisation; the
  candidate; the Harrie; the standing tasks), the same writes, the same audit hash
  (`engine.audit.entry_hash`) and version check. Both counts are printed per use case.
- **Same durability.** Both sides use the same engine configuration; on SQLite the run is
  repeated with `PRAGMA synchronous=NORMAL` (the application's setting: a commit does not
  wait for fsync, the WAL is synced at checkpoints) and `FULL` (fsync at every commit).
  PostgreSQL fsyncs the WAL at every commit (its `synchronous_commit` and `fsync` are shown).
- **Interleaved.** Engine (A) and baseline (B) alternate in short blocks, ABBA ABBA ..., each
  pair giving one ratio; the result is the median of the pairs' ratios with min-max beside
  it, for wall time and for this process's CPU time (on PostgreSQL the server's CPU is not
  in it: the client's CPU ratio is the engine's own overhead).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text

from bench import transitions as tr
from bench.world import fresh_database
from engine.audit import GENESIS, entry_hash
from engine.store.db import Database

Op = tuple[str, str, int]  # (verb, what, rows): ("select", "case", 1), ("insert", "task", 3), ...

_WRITE = re.compile(r"^\s*(INSERT INTO|UPDATE)\s+\"?(\w+)\"?", re.I)
# Each SELECT the engine runs in a use case, by a signature of its text.
_SELECTS = (
    ("case", re.compile(r"FROM wf_case\s+WHERE wf_case\.id =", re.I)),
    ("open_trajectory", re.compile(r"FROM wf_case\s+WHERE wf_case\.workflow =", re.I)),
    ("employer", re.compile(r"FROM organisation LEFT OUTER JOIN company", re.I)),
    ("org_parent", re.compile(r"SELECT organisation\.parent_id", re.I)),
    ("candidate", re.compile(r"FROM candidate", re.I)),
    ("user", re.compile(r"FROM app_user", re.I)),
    ("standing", re.compile(r"FROM task\s+WHERE task\.case_id = .* AND task\.state =", re.I | re.S)),
)


def classify(statement: str, parameters: Any, executemany: bool) -> Op:
    m = _WRITE.match(statement)
    if m:
        verb = "insert" if m.group(1).upper().startswith("INSERT") else "update"
        rows = len(parameters) if executemany else max(1, statement.upper().count("), ("))
        return verb, m.group(2).lower(), rows
    for name, pattern in _SELECTS:
        if pattern.search(statement):
            return "select", name, 1
    raise RuntimeError(f"the baseline has no statement for: {statement[:80]}")


@dataclass
class Profile:
    """The engine's statements per committed transaction; a read-only scope's are dropped."""

    steps: list[list[Op]] = field(default_factory=list)
    current: list[tuple[str, Any, bool]] = field(default_factory=list)

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.current.append((statement, parameters, executemany))

    def commit(self, conn) -> None:
        if self.current:
            self.steps.append([classify(*c) for c in self.current])
        self.current = []

    def rollback(self, conn) -> None:
        self.current = []  # the read between two use cases (finding the plan): no use case

    @property
    def statements(self) -> int:
        return sum(len(s) for s in self.steps)


def durable(db: Database, synchronous: str | None) -> str:
    """Set SQLite's `synchronous` on every new connection; say what the database does at commit."""
    if db.sqlite:
        if synchronous:
            event.listen(db.engine, "connect",
                         lambda dbapi, _rec: dbapi.execute(f"PRAGMA synchronous={synchronous}"))
        with db.engine.connect() as conn:
            level = conn.execute(text("PRAGMA synchronous")).scalar()
        names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
        return f"SQLite WAL, synchronous={names[level]}"
    with db.engine.connect() as conn:
        sc = conn.execute(text("SHOW synchronous_commit")).scalar()
        fs = conn.execute(text("SHOW fsync")).scalar()
    return f"PostgreSQL synchronous_commit={sc}, fsync={fs} (the WAL is flushed at each commit)"


class Baseline:
    """The recorded statements in hand-written SQL on one raw DBAPI connection."""

    def __init__(self, db: Database, people: tr.People, profile: list[list[Op]]) -> None:
        self.db, self.people, self.profile = db, people, profile
        self.pg = pg = not db.sqlite
        self.raw = db.engine.raw_connection()
        self.dbapi = self.raw.driver_connection
        if pg:
            self.dbapi.autocommit = False
        self.cur = self.dbapi.cursor()
        self.statements = 0
        self.per_step: list[int] = []
        self.now = tr.T0 if pg else tr.T0.isoformat(sep=" ")
        j = "CAST(? AS JSONB)" if pg else "?"

        def q(sql: str) -> str:
            return sql.replace("?", "%s") if pg else sql

        lock = " FOR UPDATE" if pg else ""
        self.sql = {
            "case": q("SELECT id, workflow, workflow_version, state, data, organisation_id, parent_id, created_at, "
                      "updated_at, state_entered_at, closed_at, audit_seq, last_hash, version FROM wf_case "
                      f"WHERE id = ?{lock}"),
            "open_trajectory": q("SELECT id FROM wf_case WHERE workflow = ? AND organisation_id = ? "
                                 "AND closed_at IS NULL LIMIT 1"),
            "employer": q("SELECT organisation.kind, company.organisation_id FROM organisation LEFT OUTER JOIN "
                          "company ON company.organisation_id = organisation.id WHERE organisation.id = ?"),
            "org_parent": q("SELECT parent_id FROM organisation WHERE id = ?"),
            "candidate": q("SELECT erased_at FROM candidate WHERE id = ?"),
            "user": q("SELECT active, role, organisation_id FROM app_user WHERE id = ?"),
            "standing": q("SELECT id, key, due_at FROM task WHERE case_id = ? AND state = '*' AND status = 'open'"),
            "insert case": q(
                "INSERT INTO wf_case (workflow, workflow_version, state, data, organisation_id, parent_id, "
                "created_at, updated_at, state_entered_at, audit_seq, last_hash, version) "
                f"VALUES (?, 1, ?, {j}, ?, ?, ?, ?, ?, 0, ?, 1) RETURNING id"),
            "update case": q(f"UPDATE wf_case SET state = ?, data = {j}, updated_at = ?, state_entered_at = ?, "
                             "audit_seq = ?, last_hash = ?, version = ? WHERE id = ? AND version = ?"),
            "insert audit": q(
                "INSERT INTO audit_entry (case_id, seq, at, actor_user_id, actor_role, trigger, from_state, "
                f"to_state, payload, reason, request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {j}, "
                "NULL, NULL, ?, ?)"),
            "insert task": q(
                "INSERT INTO task (case_id, key, state, role, assignee_id, title, created_at, due_at, "
                f"remind_before, status) VALUES (?, ?, ?, 'job', NULL, 'Taak', ?, ?, {j}, 'open')"),
            "update task": q("UPDATE task SET status = 'done', completed_by_id = ?, completed_at = ? "
                             "WHERE case_id = ? AND status = 'open' AND state = ?"),
            "insert timer": q("INSERT INTO timer (case_id, state, trigger, name, due_at, status, attempts, "
                              "created_at) VALUES (?, ?, 'tick', 'tick', ?, 'pending', 0, ?)"),
            "update timer": q("UPDATE timer SET status = 'cancelled', last_error = 'case left the state' "
                              "WHERE case_id = ? AND status = 'pending' AND state = ?"),
            "update candidate": q("UPDATE candidate SET contract_hours = ? WHERE id = ?"),
        }

    def _ex(self, key: str, params: tuple[Any, ...]) -> None:
        self.statements += 1
        self.cur.execute(self.sql[key], params)

    def _many(self, key: str, rows: list[tuple[Any, ...]]) -> None:
        self.statements += 1
        self.cur.executemany(self.sql[key], rows)

    def _begin(self) -> None:
        if not self.pg:
            self.dbapi.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        if self.pg:
            self.dbapi.commit()
        else:
            self.dbapi.execute("COMMIT")

    def _read_case(self, case_id: int) -> list[Any]:
        self._ex("case", (case_id,))
        row = self.cur.fetchone()
        data = row[4]
        return [case_id, row[3], json.loads(data) if isinstance(data, str) else dict(data), row[13], row[11],
                row[12]]

    def trajectory(self, candidate_id: int) -> None:
        """One trajectory: each recorded transaction replayed, statement for statement."""
        p, now = self.people, self.now
        ids = [0, 0]  # trajectory, plan
        for step, ops in enumerate(self.profile):
            self._begin()
            payload = tr.PAYLOADS[step]
            target: list[Any] = []
            cases_read = 0
            for verb, what, rows in ops:
                if verb == "select":
                    if what == "case":
                        first = ids[1] if step == tr.STEPS_PER_TRAJECTORY - 1 else ids[0]
                        target = self._read_case(first if not cases_read else
                                                 (ids[0] if target[0] == ids[1] else ids[1]))
                        cases_read += 1
                        continue
                    arg = {"open_trajectory": ("company_trajectory", p.company_id), "employer": (p.company_id,),
                           "org_parent": (p.company_id,), "candidate": (candidate_id,), "user": (p.harrie.user_id,),
                           "standing": (target[0] if target else ids[0],)}[what]
                    self._ex(what, arg)
                    self.cur.fetchall()
                    continue
                if what == "wf_case" and verb == "insert":
                    plan = bool(ids[0])
                    self._ex("insert case", ("candidate_plan" if plan else "company_trajectory",
                                             "loopt" if plan else "adviesgesprek", "{}",
                                             None if plan else p.company_id, ids[0] or None, now, now, now, GENESIS))
                    new = self.cur.fetchone()[0]
                    ids[1 if plan else 0] = new
                    target = [new, None, {}, 1, 0, GENESIS]
                    continue
                case_id, state, data, version, seq, prev = target
                if what == "audit_entry":
                    data.update(payload)
                    digest = entry_hash(prev_hash=prev, case_id=case_id, seq=seq + 1, at=tr.T0,
                                        actor_user_id=p.job.user_id, actor_role="job", trigger=f"t{step}",
                                        from_state=state, to_state=f"s{step}", payload=payload, reason=None,
                                        request_id=None)
                    self._ex("insert audit", (case_id, seq + 1, now, p.job.user_id, "job", f"t{step}", state,
                                              f"s{step}", json.dumps(payload), prev, digest))
                    target[4], target[5] = seq + 1, digest
                elif what == "wf_case":
                    self._ex("update case", (f"s{step}", json.dumps(data), now, now, seq, prev, version + 1,
                                             case_id, version))
                    target[3] = version + 1
                elif what == "task" and verb == "insert":
                    self._many("insert task", [(case_id, f"k{i}", f"s{step}", now, now, "[172800]")
                                               for i in range(rows)])
                elif what == "task":
                    self._ex("update task", (p.job.user_id, now, case_id, state))
                elif what == "timer" and verb == "insert":
                    self._many("insert timer", [(case_id, f"s{step}", now, now) for _ in range(rows)])
                elif what == "timer":
                    self._ex("update timer", (case_id, state))
                elif what == "candidate":
                    self._ex("update candidate", (24.0, candidate_id))
                else:
                    raise RuntimeError(f"the baseline has no statement for {verb} {what}")
            self._commit()
            self.per_step.append(self.statements - sum(self.per_step))

    def close(self) -> None:
        self.cur.close()
        self.raw.close()


@dataclass
class Block:
    seconds: float
    cpu: float


def _timed(fn: Callable[[], tuple[float, float]]) -> Block:
    started, cpu = time.perf_counter(), time.process_time()
    excluded = fn()  # seconds not to count (the engine's read between two use cases)
    return Block(time.perf_counter() - started - excluded[0], time.process_time() - cpu - excluded[1])


def run_fair(server: str | None, pairs: int, per_block: int, synchronous: str | None) -> dict[str, Any]:
    """`pairs` engine/baseline pairs of `per_block` trajectories each, alternating ABBA."""
    total = 2 + pairs * per_block
    uses = tr.STEPS_PER_TRAJECTORY
    with fresh_database(server, "fair-engine") as eng_url, fresh_database(server, "fair-base") as base_url:
        edb, bdb = Database(eng_url), Database(base_url)
        try:
            setting = durable(edb, synchronous)
            same = durable(bdb, synchronous)
            assert setting == same, (setting, same)
            people = tr.setup_world(edb, total)
            tr.setup_world(bdb, total)
            _svc, company = tr.services_for(edb)
            prof = Profile()
            listeners = (("before_cursor_execute", prof.before), ("commit", prof.commit),
                         ("rollback", prof.rollback))
            for name, fn in listeners:
                event.listen(edb.engine, name, fn)
            first = tr.one_trajectory(company, people, people.candidate_ids[0])
            for name, fn in listeners:
                event.remove(edb.engine, name, fn)
            assert company.services.get_case(people.job, first).state == "afgerond", "the trajectory did not close"
            assert len(prof.steps) == tr.STEPS_PER_TRAJECTORY, [len(s) for s in prof.steps]
            base = Baseline(bdb, people, prof.steps)
            base.trajectory(people.candidate_ids[0])  # warm-up, and the baseline's own count
            base_statements = base.statements
            engine_steps = [len(ops) for ops in prof.steps]
            assert base.per_step[:uses] == engine_steps, (base.per_step, engine_steps)
            tr.one_trajectory(company, people, people.candidate_ids[1])  # warm-up without the listener
            next_id = iter(people.candidate_ids[2:])

            def engine_block() -> tuple[float, float]:
                reads = tr.ReadTime()
                for _ in range(per_block):
                    tr.one_trajectory(company, people, next(next_id), reads)
                return reads.seconds, reads.cpu_seconds

            def base_block() -> tuple[float, float]:
                for i in range(per_block):
                    base.trajectory(people.candidate_ids[i % len(people.candidate_ids)])
                return 0.0, 0.0

            wall, cpu, eng_rates, base_rates = [], [], [], []
            transactions = per_block * tr.STEPS_PER_TRAJECTORY
            for i in range(pairs):
                if i % 2 == 0:
                    a, b = _timed(engine_block), _timed(base_block)
                else:
                    b, a = _timed(base_block), _timed(engine_block)
                wall.append(b.seconds / a.seconds)  # engine rate / baseline rate
                cpu.append(b.cpu / a.cpu)
                eng_rates.append((transactions / a.seconds, transactions / a.cpu))
                base_rates.append((transactions / b.seconds, transactions / b.cpu))
            base.close()
        finally:
            edb.dispose()
            bdb.dispose()
    return {
        "durability": setting,
        "pairs": pairs,
        "trajectories_per_block": per_block,
        "statements_per_use_case_engine": round(prof.statements / uses, 2),
        "statements_per_use_case_baseline": round(base_statements / uses, 2),
        "ratio_wall_median": round(statistics.median(wall), 3),
        "ratio_wall_min": round(min(wall), 3),
        "ratio_wall_max": round(max(wall), 3),
        "ratio_cpu_median": round(statistics.median(cpu), 3),
        "ratio_cpu_min": round(min(cpu), 3),
        "ratio_cpu_max": round(max(cpu), 3),
        "engine_per_s_median": round(statistics.median(r[0] for r in eng_rates), 1),
        "engine_per_cpu_s_median": round(statistics.median(r[1] for r in eng_rates), 1),
        "baseline_per_s_median": round(statistics.median(r[0] for r in base_rates), 1),
        "baseline_per_cpu_s_median": round(statistics.median(r[1] for r in base_rates), 1),
        "ratios_wall": [round(r, 3) for r in wall],
        "ratios_cpu": [round(r, 3) for r in cpu],
    }


def lines(result: dict[str, Any]) -> list[str]:
    """The summary lines of one fair run."""
    r = result
    return [
        f"  {r['durability']}; {r['pairs']} pairs of {r['trajectories_per_block']} trajectories (ABBA)",
        f"    statements per use case: engine {r['statements_per_use_case_engine']}, "
        f"baseline {r['statements_per_use_case_baseline']}",
        f"    engine   {r['engine_per_s_median']:>8.0f}/s  {r['engine_per_cpu_s_median']:>8.0f}/CPU-s (medians)",
        f"    baseline {r['baseline_per_s_median']:>8.0f}/s  {r['baseline_per_cpu_s_median']:>8.0f}/CPU-s",
        f"    ratio engine/baseline: wall {r['ratio_wall_median']:.0%} ({r['ratio_wall_min']:.0%}-"
        f"{r['ratio_wall_max']:.0%}), CPU {r['ratio_cpu_median']:.0%} ({r['ratio_cpu_min']:.0%}-"
        f"{r['ratio_cpu_max']:.0%})  median (min-max) over pairs",
    ]
