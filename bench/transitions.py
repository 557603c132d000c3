"""Part 1: company trajectories through the real services, and the hand-written SQL baseline.

Each trajectory is 16 use cases (16 transactions): start, the adviesgesprek, the
bedrijfsanalyse, the eindgesprek with vacancy and INVRA profile, werving, sollicitatie with
a Harrie, an interview and a hire (which starts the candidate's plan as a child case), the
trajectplan, and finally JoB stops the plan, whose follow-up closes the trajectory. Every
step goes through `CompanyServices.fire` / `Services.fire_trigger` exactly as the web UI
calls them: audit hash chain, tasks, timers, version check, payload checks.

The baseline does the same writes per transaction with hand-written SQL on the raw driver
connection: it reads the case, merges the payload into the data, hashes the audit row and
then replays, statement for statement, the inserts and updates the engine made for the same
step of the first trajectory (recorded with a `before_cursor_execute` listener).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select

from engine.clock import FixedClock
from engine.services import Services
from engine.spec import Actor
from engine.store.db import Database
from engine.store.models import Case, Organisation, User
from tests.company_payloads import ANALYSIS, CLOSING, MEETING, PROFILE, VACANCY
from tests.company_steps import CompanySteps as CompanyServices
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER, ORG_EMPLOYER, ORG_JOB, ORG_WSP, WSP
from workflows.storage.models import Candidate, Company
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.catalog import build_registry, payload_checks

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


STEPS_PER_TRAJECTORY = 16


@dataclass
class People:
    job: Actor
    wsp: Actor
    boss: Actor
    harrie: Actor
    company_id: int
    candidate_ids: list[int]


def setup_world(db: Database, n: int) -> People:
    """JoB, a WSP region, one employer with its boss and Harrie, and `n` candidates (bulk)."""
    with db.write() as s:
        job_org = Organisation(name="JoB Jobcoaching", kind=ORG_JOB, created_at=T0)
        wsp_org = Organisation(name="WSP Rijk van Nijmegen", kind=ORG_WSP, created_at=T0)
        s.add_all([job_org, wsp_org])
        s.flush()
        bakery = Organisation(name="Bakkerij De Korenaar", kind=ORG_EMPLOYER, parent_id=wsp_org.id, created_at=T0)
        s.add(bakery)
        s.flush()
        s.add(Company(organisation_id=bakery.id, kvk_number="12345678", employees=48))
        actors = []
        for email, role, org in (("sanne@job.example", JOB, job_org), ("lisa@wsp.example", WSP, wsp_org),
                                 ("marieke@korenaar.example", OPDRACHTGEVER, bakery),
                                 ("harrie@korenaar.example", HARRIE, bakery)):
            u = User(email=email, name=email.split("@")[0], role=role, organisation_id=org.id, active=True,
                     is_coordinator=False, notify="none", session_epoch=0, created_at=T0)
            s.add(u)
            s.flush()
            actors.append(Actor(u.id, role, org.id, u.name))
        rows = [{"first_name": "Kandidaat", "last_name": str(i), "target_group": "wajong", "created_at": T0}
                for i in range(n)]
        s.execute(insert(Candidate), rows)
        s.flush()
        ids = list(s.scalars(select(Candidate.id).order_by(Candidate.id)))
        return People(*actors, company_id=bakery.id, candidate_ids=ids)


def services_for(db: Database) -> tuple[Services, CompanyServices]:
    svc = Services(db=db, registry=build_registry(), clock=FixedClock(T0), policy=JobAccessPolicy(db),
                   payload_checks=payload_checks())
    return svc, CompanyServices(svc)


@dataclass
class ReadTime:
    """Time spent reading between use cases (finding the plan a hire started): not a
    transition, and not in the baseline, so the engine's rate leaves it out."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0


def one_trajectory(company: CompanyServices, p: People, candidate_id: int, reads: ReadTime | None = None) -> int:
    """The 16 use cases of one trajectory, from start to a closed trajectory."""
    case_id = company.start_trajectory(p.job, p.company_id).id
    fire = company.fire
    fire(p.wsp, case_id, "record_advisory_meeting", MEETING)
    fire(p.wsp, case_id, "start_company_analysis")
    fire(p.wsp, case_id, "record_company_analysis", ANALYSIS)
    fire(p.wsp, case_id, "finish_company_analysis")
    fire(p.wsp, case_id, "record_closing_meeting", CLOSING)
    fire(p.job, case_id, "record_vacancy", VACANCY)
    fire(p.job, case_id, "record_workplace_profile", PROFILE)
    fire(p.job, case_id, "open_recruitment")
    company.propose_candidate(p.job, case_id, candidate_id)
    company.name_harrie(p.boss, case_id, p.harrie.user_id)
    fire(p.job, case_id, "start_interviews")
    fire(p.boss, case_id, "record_interview", {"candidate_id": candidate_id, "date": "2026-11-23",
                                               "harrie_present": True})
    company.hire_candidate(p.boss, case_id, candidate_id, start_date="2026-12-01", contract_hours=24,
                           fulltime=False)
    fire(p.job, case_id, "start_trajectplan")
    started, cpu = time.perf_counter(), time.process_time()
    plan_id = plan_of(company, case_id)
    if reads is not None:
        reads.seconds += time.perf_counter() - started
        reads.cpu_seconds += time.process_time() - cpu
    company.services.fire_trigger(p.job, plan_id, "stop", {"reason": "ander_werk"})
    return case_id


def plan_of(company: CompanyServices, case_id: int) -> int:
    """The candidate plan the hire started (a read between two use cases, timed apart)."""
    with company.db.read() as s:
        return s.scalar(select(Case.id).where(Case.parent_id == case_id))


# -- recording the engine's writes -----------------------------------------------------

WRITE = re.compile(r"^\s*(INSERT INTO|UPDATE)\s+\"?(\w+)\"?", re.I)


@dataclass
class Recorder:
    """The INSERT/UPDATE statements per committed transaction, as (verb, table, rows)."""

    steps: list[list[tuple[str, str, int]]] = field(default_factory=list)
    current: list[tuple[str, str, int]] = field(default_factory=list)
    selects: int = 0
    statements: int = 0

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements += 1
        m = WRITE.match(statement)
        if not m:
            if statement.lstrip().upper().startswith("SELECT"):
                self.selects += 1
            return
        verb = "insert" if m.group(1).upper().startswith("INSERT") else "update"
        rows = len(parameters) if executemany else max(1, statement.upper().count("), ("))
        self.current.append((verb, m.group(2).lower(), rows))

    def commit(self, conn) -> None:
        if self.current:
            self.steps.append(self.current)
        self.current = []


# -- the engine run --------------------------------------------------------------------


@dataclass
class EngineRun:
    trajectories: int
    transactions: int
    seconds: float
    cpu_seconds: float
    write_profile: list[list[tuple[str, str, int]]]
    statements_per_transaction: float

    @property
    def per_second(self) -> float:
        return self.transactions / self.seconds


def run_engine(url: str, n: int, profile: Any = None) -> EngineRun:
    db = Database(url)
    try:
        p = setup_world(db, n)
        _svc, company = services_for(db)
        rec = Recorder()
        event.listen(db.engine, "before_cursor_execute", rec.before)
        event.listen(db.engine, "commit", rec.commit)
        first = one_trajectory(company, p, p.candidate_ids[0])  # warm-up and the write profile
        assert company.services.get_case(p.job, first).state == "afgerond", "the trajectory did not close"
        event.remove(db.engine, "commit", rec.commit)
        event.remove(db.engine, "before_cursor_execute", rec.before)
        profile_steps = rec.steps
        assert len(profile_steps) == STEPS_PER_TRAJECTORY, [len(s) for s in profile_steps]
        # No listener during the timed run: a cursor listener sends the engine's statements
        # through SQLAlchemy's slower path (engine/store/driver_sql.py), so count on the warm-up.
        if profile is not None:
            profile.start()
        reads = ReadTime()
        started, cpu = time.perf_counter(), time.process_time()
        for cid in p.candidate_ids[1:n]:
            one_trajectory(company, p, cid, reads)
        seconds, cpu = time.perf_counter() - started - reads.seconds, time.process_time() - cpu - reads.cpu_seconds
        if profile is not None:
            profile.stop()
        transactions = (n - 1) * STEPS_PER_TRAJECTORY
        return EngineRun(n - 1, transactions, seconds, cpu, profile_steps, rec.statements / STEPS_PER_TRAJECTORY)
    finally:
        db.dispose()


# -- the hand-written baseline ---------------------------------------------------------


class Sql:
    """Hand-written statements for the raw DBAPI connection of either database."""

    def __init__(self, pg: bool) -> None:
        self.pg = pg
        self.j = "CAST(? AS JSONB)" if pg else "?"

    def q(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def begin(self, cur) -> None:
        if not self.pg:
            cur.execute("BEGIN IMMEDIATE")


def _hash(prev: str, body: list[Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev + text).encode("utf-8")).hexdigest()


def run_baseline(url: str, n: int, write_profile: list[list[tuple[str, str, int]]],
                 payloads: list[dict[str, Any]]) -> tuple[int, float, float]:
    """n trajectories, each the recorded sequence of transactions, in hand-written SQL."""
    db = Database(url)
    pg = not db.sqlite
    sql = Sql(pg)
    raw = db.engine.raw_connection()
    dbapi = raw.driver_connection
    if not pg:
        dbapi.isolation_level = None
    else:
        dbapi.autocommit = False
    cur = dbapi.cursor()
    now = T0.isoformat(sep=" ") if not pg else T0
    ins_case = sql.q(
        "INSERT INTO wf_case (workflow, workflow_version, state, data, organisation_id, parent_id, created_at, "
        "updated_at, state_entered_at, audit_seq, last_hash, version) VALUES (?, 1, ?, '{}', NULL, ?, ?, ?, ?, "
        "0, '', 1) RETURNING id")
    sel_case = sql.q("SELECT state, data, version, audit_seq, last_hash FROM wf_case WHERE id = ?")
    upd_case = sql.q(f"UPDATE wf_case SET state = ?, data = {sql.j}, updated_at = ?, state_entered_at = ?, "
                     "audit_seq = ?, last_hash = ?, version = ? WHERE id = ? AND version = ?")
    ins_audit = sql.q(
        "INSERT INTO audit_entry (case_id, seq, at, actor_user_id, actor_role, trigger, from_state, to_state, "
        f"payload, reason, request_id, prev_hash, hash) VALUES (?, ?, ?, NULL, 'job', ?, ?, ?, {sql.j}, NULL, NULL, "
        "?, ?)")
    ins_task = sql.q(
        "INSERT INTO task (case_id, key, state, role, assignee_id, title, created_at, due_at, follow_up_on, "
        f"remind_before, status) VALUES (?, ?, ?, 'job', NULL, 'Taak', ?, ?, NULL, {sql.j}, 'open')")
    upd_task = sql.q("UPDATE task SET status = 'done', completed_by_id = NULL, completed_at = ? "
                     "WHERE case_id = ? AND status = 'open' AND state = ?")
    ins_timer = sql.q("INSERT INTO timer (case_id, state, trigger, name, due_at, status, attempts, created_at) "
                      "VALUES (?, ?, 'tick', 'tick', ?, 'pending', 0, ?)")
    upd_timer = sql.q("UPDATE timer SET status = 'cancelled', last_error = 'case left the state' "
                      "WHERE case_id = ? AND status = 'pending' AND state = ?")
    upd_candidate = sql.q("UPDATE candidate SET contract_hours = ? WHERE id = ?")
    sel_open = sql.q("SELECT id, key, due_at FROM task WHERE case_id = ? AND state = '*' AND status = 'open'")

    def read(case_id: int) -> list[Any]:
        cur.execute(sel_case, (case_id,))
        state, data, version, seq, prev = cur.fetchone()
        return [case_id, state, json.loads(data) if isinstance(data, str) else dict(data), version, seq, prev]

    def transition(ids: list[int], step: int, writes: list[tuple[str, str, int]]) -> None:
        """One transaction: read the case, merge the payload, hash, then this step's recorded writes.

        `ids` is [trajectory, plan]; the plan's stop (the last step) starts on the plan and its
        follow-up moves the trajectory, as the engine does.
        """
        payload = payloads[step]
        target = read(ids[1] if step == STEPS_PER_TRAJECTORY - 1 else ids[0])
        audits = 0
        for verb, table, rows in writes:
            case_id, state, data, version, seq, prev = target
            if table == "wf_case" and verb == "insert":
                cur.execute(ins_case, ("candidate_plan", "loopt", ids[0], now, now, now))
                ids[1] = cur.fetchone()[0]
                target = [ids[1], None, {}, 1, 0, "0" * 64]
                audits = 0
            elif table == "audit_entry":
                if audits:  # a follow-up on the other case: lock and read it first
                    target = read(ids[0] if case_id == ids[1] else ids[1])
                    case_id, state, data, version, seq, prev = target
                audits += 1
                data.update(payload)
                digest = _hash(prev, [case_id, seq + 1, str(now), None, "job", f"t{step}", state, f"s{step}",
                                      payload, None, None])
                cur.execute(ins_audit, (case_id, seq + 1, now, f"t{step}", state, f"s{step}", json.dumps(payload),
                                        prev, digest))
                target[4], target[5] = seq + 1, digest
            elif table == "wf_case" and verb == "update":
                cur.execute(upd_case, (f"s{step}", json.dumps(data), now, now, seq, prev, version + 1, case_id,
                                       version))
                target[3] = version + 1
            elif table == "task" and verb == "insert":
                cur.executemany(ins_task, [(case_id, f"k{i}", f"s{step}", now, now, "[172800]")
                                           for i in range(rows)])
            elif table == "task" and verb == "update":
                cur.execute(upd_task, (now, case_id, state))
            elif table == "timer" and verb == "insert":
                cur.executemany(ins_timer, [(case_id, f"s{step}", now, now) for _ in range(rows)])
            elif table == "timer" and verb == "update":
                cur.execute(upd_timer, (case_id, state))
            elif table == "candidate":
                cur.execute(upd_candidate, (24.0, 1))
            else:
                raise RuntimeError(f"the baseline has no statement for {verb} {table}")
        if step in (13, STEPS_PER_TRAJECTORY - 1):  # the plan's standing tasks are reconciled
            cur.execute(sel_open, (ids[1],))
            cur.fetchall()

    started, cpu = time.perf_counter(), time.process_time()
    transactions = 0
    for _ in range(n):
        sql.begin(cur)
        cur.execute(ins_case, ("company_trajectory", "adviesgesprek", None, now, now, now))
        ids = [cur.fetchone()[0], 0]
        for verb, table, rows in write_profile[0]:
            if table == "audit_entry":
                digest = _hash("0" * 64, [ids[0], 1, str(now), None, "job", "start", None, "adviesgesprek", {},
                                          None, None])
                cur.execute(ins_audit, (ids[0], 1, now, "start", None, "adviesgesprek", "{}", "0" * 64, digest))
            elif table == "wf_case" and verb == "update":
                cur.execute(upd_case, ("adviesgesprek", "{}", now, now, 1, digest, 2, ids[0], 1))
            elif table == "task" and verb == "insert":
                cur.executemany(ins_task, [(ids[0], f"k{i}", "adviesgesprek", now, now, "[]") for i in range(rows)])
        dbapi.commit() if pg else cur.execute("COMMIT")
        transactions += 1
        for step, writes in enumerate(write_profile[1:], start=1):
            sql.begin(cur)
            transition(ids, step, writes)
            dbapi.commit() if pg else cur.execute("COMMIT")
            transactions += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    cur.close()
    raw.close()
    db.dispose()
    return transactions, seconds, cpu


PAYLOADS: list[dict[str, Any]] = [
    {}, MEETING, {}, ANALYSIS, {}, CLOSING, VACANCY, PROFILE, {}, {"candidate_id": 1}, {"harrie_user_id": 4}, {},
    {"candidate_id": 1, "date": "2026-11-23", "harrie_present": True},
    {"candidate_id": 1, "start_date": "2026-12-01", "contract_hours": 24, "fulltime": False}, {},
    {"reason": "ander_werk"},
]
