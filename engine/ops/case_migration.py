"""Move running cases from version N of a workflow to N+1, as a registered migration declares.

`plan_migration` (the dry run) says per running case what would change: the state mapping,
timers and tasks added or removed, due dates moved, or why the case is refused.
`migrate_cases` performs the same plan, recomputed inside one write transaction per case:
the case is locked and written with its version check (a concurrent transition is never
overwritten), one audit row (`MIGRATION_TRIGGER`, from/to version in the payload) extends
its hash chain, and its waiting timers and tasks are replaced as planned. State counters
follow by themselves (database triggers on `wf_case`).

What "would schedule" means: the new version's timers and tasks, computed with the same
due-date rules as `engine.runtime` (`due_at`), as if the case had entered its (new) state at
the moment it entered the old one, with its data as it is now. A timer or state task that
already fired or was opened during the case's current visit of the state is not scheduled
again; a state task the new version adds gets its full time from the migration on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.case_json import copy_json as _copy_json
from engine.case_json import json_safe
from engine.clock import ensure_utc
from engine.errors import DatabaseBusy
from engine.registry import CompiledWorkflow, Registry
from engine.runtime import _task_row, _write_audit, due_at, load_case
from engine.spec import ANY_STATE, SYSTEM_ACTOR, Actor, CaseView, TaskSpec
from engine.store.db import Database
from engine.store.models import Case, Task, Timer
from engine.versioning import MIGRATION_TRIGGER, WorkflowMigration

WAITING_TIMERS = ("pending", "claimed", "incident")
MIGRATED_NOTE = "vervangen bij migratie naar versie {to}"


@dataclass(frozen=True)
class Change:
    """One timer or task the migration adds, removes, moves or keeps.

    `kind` is `added`, `removed`, `moved` (same name, other due moment) or `kept`.
    """

    what: str  # "timer" | "task"
    kind: str
    name: str
    label: str = ""  # a timer's trigger, a task's title
    old_due: datetime | None = None
    new_due: datetime | None = None
    row_id: int | None = None  # the existing row (removed, moved, kept)
    spec: TaskSpec | None = None  # the new version's task, for an added task
    standing: bool = False  # a standing task (open in any state while its `when` holds)


@dataclass
class CasePlan:
    """What migrating one case means; `refused` says why it cannot be done (nothing changes)."""

    case_id: int
    from_state: str
    to_state: str | None
    refused: str | None = None
    data_changed: bool = False
    changes: list[Change] = field(default_factory=list)
    new_data: dict[str, Any] | None = None

    @property
    def visible(self) -> list[Change]:
        """The changes a reader cares about: everything but what stays as it was."""
        return [c for c in self.changes if c.kind != "kept"]

    def kept(self, what: str) -> int:
        return sum(1 for c in self.changes if c.what == what and c.kind == "kept")


@dataclass
class MigrationPlan:
    migration: WorkflowMigration
    cases: list[CasePlan]

    @property
    def refused(self) -> list[CasePlan]:
        return [c for c in self.cases if c.refused]


@dataclass(frozen=True)
class CaseOutcome:
    """What happened to one case: `migrated`, `refused`, `skipped` (no longer on the old version) or `failed`."""

    case_id: int
    status: str
    reason: str | None
    plan: CasePlan | None


def _key(ts: TaskSpec) -> str:
    return ts.key or ts.title[:64]


def _view(case: Case, state: str, data: dict[str, Any]) -> CaseView:
    return CaseView(id=case.id, workflow=case.workflow, version=case.version, state=state,
                    organisation_id=case.organisation_id, parent_id=case.parent_id, data=data)


def _utc(value: datetime | None) -> datetime | None:
    return ensure_utc(value) if value is not None else None


def plan_case(session: Session, registry: Registry, migration: WorkflowMigration, case: Case,
              now: datetime) -> CasePlan:
    """Compute what migrating `case` would change; reads its timer and task rows, writes nothing."""
    new = registry.get(migration.workflow, migration.to_version)
    plan = CasePlan(case_id=case.id, from_state=case.state, to_state=None)
    why = migration.refusal(case.state, new.spec)
    if why is not None:
        plan.refused = why
        return plan
    plan.to_state = migration.target_state(case.state, new.spec)
    data = _copy_json(case.data)
    if migration.data is not None:
        try:
            data = json_safe(migration.data(_copy_json(case.data)), "data")
        except Exception as exc:  # noqa: BLE001 - a refusal per case, never a crash
            plan.refused = f"De gegevens van de zaak kunnen niet worden omgezet ({type(exc).__name__})."
            return plan
    plan.data_changed = data != case.data
    plan.new_data = data
    timers = session.execute(select(Timer.id, Timer.name, Timer.trigger, Timer.status, Timer.state, Timer.due_at,
                                    Timer.created_at).where(Timer.case_id == case.id)).all()
    busy = [t for t in timers if t.status in ("claimed", "incident")]
    if busy:
        t = busy[0]
        plan.refused = (f"Timer {t.id} wordt nu uitgevoerd; probeer het zo opnieuw." if t.status == "claimed" else
                        f"Timer {t.id} staat als incident open; los dat eerst op (jobtraject incidents).")
        return plan
    entered = ensure_utc(case.state_entered_at)
    view = _view(case, plan.to_state, data)
    plan.changes += _timer_changes(new, case, plan.to_state, view, entered, timers)
    tasks = session.execute(select(Task.id, Task.key, Task.title, Task.state, Task.status, Task.due_at,
                                   Task.created_at).where(Task.case_id == case.id)).all()
    plan.changes += _state_task_changes(new, case, plan.to_state, view, entered, now, tasks)
    plan.changes += _standing_task_changes(new, view, now, tasks)
    return plan


def _timer_changes(new: CompiledWorkflow, case: Case, state: str, view: CaseView, entered: datetime,
                   rows: list[Any]) -> list[Change]:
    waiting = {r.name: r for r in rows if r.status == "pending"}
    # Timers of this visit of the state that already fired or were skipped are not scheduled again.
    done = {r.name for r in rows if r.status in ("fired", "skipped") and r.state == case.state
            and ensure_utc(r.created_at) >= entered}
    changes: list[Change] = []
    for tm in new.timers_for(state):
        name = tm.name or tm.fire
        when = _utc(due_at(tm.after, view, entered))  # stored, like every moment, in UTC
        if when is None or name in done:
            continue
        row = waiting.pop(name, None)
        if row is None:
            changes.append(Change("timer", "added", name, tm.fire, new_due=when))
        else:
            same = ensure_utc(row.due_at) == when and row.trigger == tm.fire
            changes.append(Change("timer", "kept" if same else "moved", name, tm.fire,
                                  old_due=ensure_utc(row.due_at), new_due=when, row_id=row.id))
    changes += [Change("timer", "removed", r.name, r.trigger, old_due=ensure_utc(r.due_at), row_id=r.id)
                for r in waiting.values()]
    return changes


def _state_task_changes(new: CompiledWorkflow, case: Case, state: str, view: CaseView, entered: datetime,
                        now: datetime, rows: list[Any]) -> list[Change]:
    mine = [r for r in rows if r.state == case.state and r.state != ANY_STATE]
    open_rows = {r.key: r for r in mine if r.status == "open"}
    seen = {r.key for r in mine if ensure_utc(r.created_at) >= entered}
    changes: list[Change] = []
    for ts in new.tasks_for(state):
        if ts.when is not None and not ts.when(view):
            continue
        row = open_rows.pop(_key(ts), None)
        if row is None:
            if _key(ts) not in seen:
                due = _utc(due_at(ts.due, view, now))
                changes.append(Change("task", "added", _key(ts), ts.title, new_due=due, spec=ts))
            continue
        due = _utc(due_at(ts.due, view, ensure_utc(row.created_at)))
        kind = "kept" if due == _utc(row.due_at) else "moved"
        changes.append(Change("task", kind, row.key, row.title, old_due=_utc(row.due_at), new_due=due, row_id=row.id))
    changes += [Change("task", "removed", r.key, r.title, old_due=_utc(r.due_at), row_id=r.id)
                for r in open_rows.values()]
    return changes


def _standing_task_changes(new: CompiledWorkflow, view: CaseView, now: datetime,
                           rows: list[Any]) -> list[Change]:
    """Standing tasks as `engine.runtime._reconcile_standing_tasks` would leave them under the new table."""
    open_rows = {r.key: r for r in rows if r.state == ANY_STATE and r.status == "open"}
    changes: list[Change] = []
    for ts in new.standing_tasks:
        wanted = ts.when is None or bool(ts.when(view))
        row = open_rows.pop(_key(ts), None)
        if wanted and row is None:
            changes.append(Change("task", "added", _key(ts), ts.title, new_due=_utc(due_at(ts.due, view, now)), spec=ts,
                                  standing=True))
        elif wanted and row is not None:
            due = _utc(ts.due(view, now)) if callable(ts.due) else _utc(row.due_at)
            kind = "kept" if due == _utc(row.due_at) else "moved"
            changes.append(Change("task", kind, row.key, row.title, old_due=_utc(row.due_at), new_due=due,
                                  row_id=row.id, standing=True))
        elif row is not None:
            changes.append(Change("task", "removed", row.key, row.title, old_due=_utc(row.due_at), row_id=row.id,
                                  standing=True))
    changes += [Change("task", "removed", r.key, r.title, old_due=_utc(r.due_at), row_id=r.id, standing=True)
                for r in open_rows.values()]
    return changes


def running_case_ids(session: Session, registry: Registry, migration: WorkflowMigration) -> list[int]:
    """The cases still on the old version and not in a final state, in id order."""
    old = registry.get(migration.workflow, migration.from_version)
    return list(session.scalars(
        select(Case.id).where(Case.workflow == migration.workflow, Case.workflow_version == migration.from_version,
                              Case.state.not_in(sorted(old.final_states))).order_by(Case.id)
    ))


def plan_migration(db: Database, registry: Registry, workflow: str, from_version: int, to_version: int,
                   now: datetime) -> MigrationPlan:
    """The dry run: every running case's plan, read in one read scope; changes nothing."""
    migration = registry.migration(workflow, from_version, to_version)
    with db.read() as s:
        plans = [plan_case(s, registry, migration, case, now) for case_id in running_case_ids(s, registry, migration)
                 if (case := s.get(Case, case_id)) is not None]
    return MigrationPlan(migration, plans)


def migrate_cases(db: Database, registry: Registry, workflow: str, from_version: int, to_version: int,
                  now: datetime, actor: Actor = SYSTEM_ACTOR) -> list[CaseOutcome]:
    """Migrate every running case, one transaction each; one broken case never stops the others."""
    migration = registry.migration(workflow, from_version, to_version)
    with db.read() as s:
        ids = running_case_ids(s, registry, migration)
    outcomes = []
    for case_id in ids:
        try:
            outcomes.append(migrate_case(db, registry, migration, case_id, now, actor))
        except (StaleDataError, DatabaseBusy) as exc:
            outcomes.append(CaseOutcome(case_id, "failed", f"De zaak werd tegelijk gewijzigd of de database was "
                                        f"bezet ({type(exc).__name__}); probeer het opnieuw.", None))
        except Exception as exc:  # noqa: BLE001 - reported per case; the transaction rolled back
            outcomes.append(CaseOutcome(case_id, "failed", f"Fout: {type(exc).__name__}.", None))
    return outcomes


def migrate_case(db: Database, registry: Registry, migration: WorkflowMigration, case_id: int, now: datetime,
                 actor: Actor = SYSTEM_ACTOR) -> CaseOutcome:
    """Migrate one case in one transaction, planned again under the case's lock."""
    old = registry.get(migration.workflow, migration.from_version)
    with db.write() as s:
        if not db.sqlite:
            # The timer sweep locks a timer row before its case: take the same order, so the two never deadlock.
            s.execute(select(Timer.id).where(Timer.case_id == case_id, Timer.status.in_(WAITING_TIMERS))
                      .order_by(Timer.id).with_for_update())
        case = load_case(s, case_id, lock=True)
        if not db.sqlite:
            # Again under the case's lock: timers a transition committed while we waited (none can come now).
            s.execute(select(Timer.id).where(Timer.case_id == case_id, Timer.status.in_(WAITING_TIMERS))
                      .order_by(Timer.id).with_for_update())
        if case is None or case.workflow != migration.workflow or case.workflow_version != migration.from_version:
            return CaseOutcome(case_id, "skipped", "De zaak staat niet (meer) op deze versie.", None)
        if case.state in old.final_states:
            return CaseOutcome(case_id, "skipped", "De zaak is afgesloten.", None)
        plan = plan_case(s, registry, migration, case, now)
        if plan.refused:
            return CaseOutcome(case_id, "refused", plan.refused, plan)
        _apply(s, migration, case, plan, now, actor)
    return CaseOutcome(case_id, "migrated", None, plan)


def _apply(s: Session, migration: WorkflowMigration, case: Case, plan: CasePlan,
           now: datetime, actor: Actor) -> None:
    assert plan.to_state is not None and plan.new_data is not None
    renamed = plan.to_state != plan.from_state
    payload = {"from_version": migration.from_version, "to_version": migration.to_version}
    case.state = plan.to_state
    case.workflow_version = migration.to_version
    case.data = plan.new_data
    case.updated_at = now
    _write_audit(s, case, MIGRATION_TRIGGER, actor, now, plan.from_state, plan.to_state, payload, None, None)
    s.flush()  # one UPDATE with the version check (version_id_col): StaleDataError if someone else wrote
    note = MIGRATED_NOTE.format(to=migration.to_version)
    timers = [c for c in plan.changes if c.what == "timer"]
    replaced = [c for c in timers if c.kind in ("removed", "moved") or (renamed and c.kind == "kept")]
    if replaced:
        done = s.execute(update(Timer).where(Timer.id.in_([c.row_id for c in replaced]), Timer.status == "pending")
                         .values(status="cancelled", last_error=note).execution_options(synchronize_session=False))
        if done.rowcount != len(replaced):  # a sweep took one meanwhile: roll back rather than fire it twice
            raise StaleDataError(f"a timer of case {case.id} was taken while it was being migrated")
    fresh = [c for c in timers if c.kind in ("added", "moved") or (renamed and c.kind == "kept")]
    for c in fresh:
        s.add(Timer(case_id=case.id, state=plan.to_state, trigger=c.label, name=c.name, due_at=c.new_due,
                    status="pending", attempts=0, created_at=now))
    view = _view(case, plan.to_state, plan.new_data)
    for c in plan.changes:
        if c.what != "task":
            continue
        if c.kind == "added":
            assert c.spec is not None
            s.add(Task(**{**_task_row(c.spec, view, case, now), "due_at": c.new_due}))
        elif c.kind == "removed":
            s.execute(update(Task).where(Task.id == c.row_id, Task.status == "open")
                      .values(status="cancelled", completed_by_id=actor.user_id, completed_at=now))
        else:  # kept or moved: the same row (assignee, history) in the new state, with the new due moment
            values: dict[str, Any] = {"due_at": c.new_due} if c.kind == "moved" else {}
            if renamed and not c.standing:
                values["state"] = plan.to_state
            if values:
                s.execute(update(Task).where(Task.id == c.row_id).values(**values))
    s.flush()
