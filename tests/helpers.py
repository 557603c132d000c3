"""Small helpers to build real rows for tests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from engine.spec import Actor
from engine.store.case_counts import CaseStateCount
from engine.store.db import Database
from engine.store.models import AuditEntry, Case, Organisation, OutboxMessage, Task, Timer, User

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def make_org(db: Database, name: str = "Bakkerij De Korenaar", kind: str = "employer",
             parent_id: int | None = None) -> int:
    with db.write() as s:
        org = Organisation(name=name, kind=kind, parent_id=parent_id, created_at=T0)
        s.add(org)
        s.flush()
        return org.id


def make_user(db: Database, org_id: int, role: str, email: str, name: str = "Test Gebruiker") -> Actor:
    with db.write() as s:
        u = User(email=email, name=name, role=role, organisation_id=org_id, active=True,
                 is_coordinator=False, notify="digest", session_epoch=0, created_at=T0)
        s.add(u)
        s.flush()
        return Actor(user_id=u.id, role=role, organisation_id=org_id, name=name)


def snapshot(db: Database) -> dict[str, list]:
    """Every row of every engine table, to assert 'the database is exactly as it was'."""
    out: dict[str, list] = {}
    with db.read() as s:
        for model in (Case, AuditEntry, Task, Timer, OutboxMessage, CaseStateCount):
            rows = s.execute(select(model.__table__)).all()
            out[model.__tablename__] = sorted(tuple(map(str, r)) for r in rows)
    return out


def count(db: Database, model, *where) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def case_problems(db: Database, registry, case_id: int) -> list[str]:
    """What is inconsistent about one case: its audit head, open tasks, pending timers.

    Empty when the case is exactly as a committed transition leaves it: state equals the
    last audit entry's `to`, sequences are gap-free, and the open tasks and pending timers
    are those its current state opens (optional ones, with a `when` or a computed due
    moment, may be absent).
    """
    with db.read() as s:
        case = s.get(Case, case_id)
        trail = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)).all()
        tasks = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).all()
        timers = s.scalars(select(Timer).where(Timer.case_id == case_id, Timer.status == "pending")).all()
    spec = registry.get(case.workflow, case.workflow_version).spec
    problems = []
    if [e.seq for e in trail] != list(range(1, len(trail) + 1)):
        problems.append(f"audit sequence {[e.seq for e in trail]} has gaps")
    if not trail or trail[-1].to_state != case.state or case.audit_seq != trail[-1].seq:
        problems.append(f"state {case.state!r} is not the last audited state")
    if any(t.state != case.state for t in tasks) or any(t.state != case.state for t in timers):
        problems.append("open tasks or pending timers of another state")
    task_specs = spec.tasks_for(case.state)
    required_tasks = sorted(ts.key or ts.title[:64] for ts in task_specs if ts.when is None)
    open_keys = sorted(t.key for t in tasks)
    allowed_tasks = sorted(ts.key or ts.title[:64] for ts in task_specs)
    if not (set(required_tasks) <= set(open_keys) <= set(allowed_tasks)) or len(open_keys) != len(set(open_keys)):
        problems.append(f"open tasks {open_keys} in {case.state!r}, expected {required_tasks}")
    timer_specs = spec.timers_for(case.state)
    required_timers = sorted(tm.fire for tm in timer_specs if not callable(tm.after))
    pending = sorted(t.trigger for t in timers)
    if not (set(required_timers) <= set(pending) <= {tm.fire for tm in timer_specs}) or len(pending) != len(set(pending)):
        problems.append(f"pending timers {pending} in {case.state!r}, expected {required_timers}")
    return problems
