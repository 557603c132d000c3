"""Use cases: each one function, each one database transaction, the only place that commits.

Errors (`engine.errors`) are raised before or during the transaction and roll it back, so
the database is exactly as it was. After an error, callers re-read; they never reuse rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from engine import inbox
from engine.access import AccessPolicy, OwnOrganisationPolicy
from engine.clock import Clock, SystemClock
from engine.errors import CaseNotFound, NotFound, NotPermitted, StaleCase
from engine.identity import access_log
from engine.perform import ActionOption, Performed, perform
from engine.perform import options as action_options
from engine.registry import Registry
from engine.runtime import (
    TriggerOption,
    Tx,
    apply_transition,
    create_case,
    load_case,
)
from engine.spec import SYSTEM_ACTOR, Actor
from engine.starting import refuse_direct_start
from engine.store.db import Database
from engine.store.models import AuditEntry, Case, Task
from engine.store.unit import write_unit


@dataclass(frozen=True)
class CaseSnapshot:
    """A detached, read-only picture of a case after a use case committed."""

    id: int
    workflow: str
    workflow_version: int
    state: str
    version: int
    data: dict[str, Any]
    organisation_id: int | None
    parent_id: int | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    audit_seq: int

    @classmethod
    def of(cls, case: Case) -> CaseSnapshot:
        # Without the frozen dataclass's `__init__` (a guarded setattr per field): once per action.
        snap = object.__new__(cls)
        snap.__dict__.update(
            id=case.id, workflow=case.workflow, workflow_version=case.workflow_version,
            state=case.state, version=case.version, data=dict(case.data or {}),
            organisation_id=case.organisation_id, parent_id=case.parent_id,
            created_at=case.created_at, updated_at=case.updated_at, closed_at=case.closed_at,
            audit_seq=case.audit_seq,
        )
        return snap


@dataclass(frozen=True)
class TaskSnapshot:
    """A detached picture of a task with the workflow and phase of its case."""

    id: int
    case_id: int
    key: str
    title: str
    role: str
    assignee_id: int | None
    status: str
    state: str
    workflow: str
    case_state: str
    organisation_id: int | None
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by_id: int | None

    @classmethod
    def of(cls, task: Task, case: Case) -> TaskSnapshot:
        return cls(
            id=task.id, case_id=task.case_id, key=task.key, title=task.title, role=task.role,
            assignee_id=task.assignee_id, status=task.status, state=task.state, workflow=case.workflow,
            case_state=case.state, organisation_id=case.organisation_id, created_at=task.created_at,
            due_at=task.due_at, completed_at=task.completed_at, completed_by_id=task.completed_by_id,
        )

# (transaction, registry, case, trigger, payload) -> cleaned payload; raises InvalidPayload.
# The transaction is an ORM session or a session-less unit (engine/store/unit.py): read rows
# with `DriverStatement`s (engine/store/driver_sql.py), which run on either.
PayloadCheck = Callable[[Tx, Registry, Case, str, dict[str, Any]], dict[str, Any]]


@dataclass
class Services:
    db: Database
    registry: Registry
    clock: Clock = field(default_factory=SystemClock)
    policy: AccessPolicy = field(default_factory=OwnOrganisationPolicy)
    # Per workflow: checks of the rows a payload names (guards are pure and cannot read the
    # database). Run inside the transition's transaction, on every path (UI, API, timers).
    payload_checks: dict[str, PayloadCheck] = field(default_factory=dict)
    # Per workflow: the id of the person a case is about (case data -> id), for the
    # read-access log. Reads of such cases by people are logged (UI and API alike).
    read_subjects: dict[str, Callable[[dict[str, Any]], int | None]] = field(default_factory=dict)

    # -- helpers -------------------------------------------------------------------------
    def _load_case(self, session: Tx, actor: Actor, case_id: int, *, for_update: bool = False) -> Case:
        if not isinstance(case_id, int) or isinstance(case_id, bool):
            raise CaseNotFound(case_id)
        case = load_case(session, case_id, lock=for_update and not self.db.sqlite)
        if case is None or not self.policy.can_see(actor, case, session):
            raise CaseNotFound(case_id)
        return case

    # -- use cases -----------------------------------------------------------------------
    def start_case(
        self,
        actor: Actor,
        workflow: str,
        data: dict[str, Any] | None = None,
        *,
        organisation_id: int | None = None,
        parent_id: int | None = None,
        request_id: str | None = None,
    ) -> CaseSnapshot:
        try:
            self.registry.latest(workflow)
        except KeyError:
            raise NotFound(f"Onbekend werkproces '{workflow}'.", workflow=workflow) from None
        refuse_direct_start(self.registry, workflow)
        if not self.policy.can_start(actor, workflow, organisation_id):
            raise NotPermitted("U mag voor deze organisatie geen zaak starten.")
        with write_unit(self.db) as tx:  # session-less, as `perform` (engine/store/unit.py)
            if parent_id is not None:
                self._load_case(tx, actor, parent_id)
            case = create_case(
                tx, self.registry, workflow, data or {}, actor=actor, now=self.clock.now(),
                organisation_id=organisation_id, parent_id=parent_id, request_id=request_id,
            )
            snap = CaseSnapshot.of(case)
        return snap

    def fire_trigger(
        self,
        actor: Actor,
        case_id: int,
        trigger: str,
        payload: dict[str, Any] | None = None,
        *,
        expected_version: int | None = None,
        reason: str | None = None,
        request_id: str | None = None,
    ) -> CaseSnapshot:
        """A person's step by its trigger name: the action of that name, on the one write path.

        A trigger that a declared action fires (e.g. the plan's `set_goal`, fired by the
        action `add_goal` with the goal's row) is refused with the action to use instead.
        """
        if actor.is_system:
            return self.fire_as_system(case_id, trigger, payload, expected_version=expected_version, reason=reason,
                                       request_id=request_id)
        return self.perform(actor, case_id, trigger, payload, expected_version=expected_version, reason=reason,
                            request_id=request_id).case

    def perform(
        self,
        actor: Actor,
        case_id: int,
        action: str,
        payload: Any = None,
        *,
        expected_version: int | None = None,
        reason: str | None = None,
        request_id: str | None = None,
        workflow: str | None = None,
    ) -> Performed:
        """Perform an action (see `engine.perform`): the one write path for people."""
        return perform(self, actor, case_id, action, payload, expected_version=expected_version, reason=reason,
                       request_id=request_id, workflow=workflow)

    def fire_as_system(
        self, case_id: int, trigger: str, payload: dict[str, Any] | None = None, *,
        expected_version: int | None = None, reason: str | None = None, request_id: str | None = None,
    ) -> CaseSnapshot:
        """The system fires a trigger (timers, tests of the calendar): no action, no person."""
        try:
            with self.db.write() as session:
                case = self._load_case(session, SYSTEM_ACTOR, case_id, for_update=True)
                if expected_version is not None and case.version != expected_version:
                    raise StaleCase(case_id, expected_version, case.version)
                check = self.payload_checks.get(case.workflow)
                if check is not None and payload:
                    payload = check(session, self.registry, case, trigger, payload)
                apply_transition(session, self.registry, case, trigger, SYSTEM_ACTOR, self.clock.now(), payload,
                                 reason=reason, request_id=request_id)
                session.flush()
                snap = CaseSnapshot.of(case)
        except StaleDataError as exc:
            raise StaleCase(case_id) from exc
        return snap

    def actions_for(self, actor: Actor, case_id: int,
                    examples: dict[str, dict[str, Any]] | None = None) -> list[ActionOption]:
        """What the actor can do on the case now, each with the reason when not."""
        with self.db.read() as session:
            case = self._load_case(session, actor, case_id)
            compiled = self.registry.get(case.workflow, case.workflow_version)
            return action_options(compiled, case, actor, self.clock.now(), examples)

    # -- reads ---------------------------------------------------------------------------
    def get_case(self, actor: Actor, case_id: int) -> CaseSnapshot:
        with self.db.read() as session:
            snap = CaseSnapshot.of(self._load_case(session, actor, case_id))
        self.log_read(actor, snap.id, snap.workflow, snap.data, "zaak")
        return snap

    def log_read(self, actor: Actor, case_id: int, workflow: str, data: dict[str, Any], what: str) -> None:
        """Record that a person read a case about someone (see `read_subjects`)."""
        subject_of = self.read_subjects.get(workflow)
        subject = subject_of(data) if subject_of is not None and not actor.is_system else None
        if subject is None or not self.db.first_in_request(("read", actor.user_id, case_id, what)):
            return  # a page that shows the case twice logs one read
        with self.db.write(reads_stay_current=True) as session:  # pages never read the access log
            access_log.record(session, actor, subject, case_id, what, self.clock.now())

    def triggers_for(self, actor: Actor, case_id: int) -> list[TriggerOption]:
        """`actions_for` in the older shape (a trigger name is an action's name: fire it as that)."""
        return [TriggerOption(o.name, o.label, o.allowed, o.reason) for o in self.actions_for(actor, case_id)]

    def audit_trail(self, actor: Actor, case_id: int) -> list[AuditEntry]:
        with self.db.read() as session:
            self._load_case(session, actor, case_id)
            rows = session.scalars(
                select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)
            ).all()
            for row in rows:  # only these: the read scope keeps the case it loaded for the page
                session.expunge(row)
            return list(rows)

    def list_cases(
        self,
        actor: Actor,
        *,
        workflow: str | None = None,
        state: str | None = None,
        organisation_id: int | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[CaseSnapshot]:
        """The cases the actor may see (the policy's filter, in SQL), oldest id first.

        Keyset pagination: pass the last id of one page as `after_id` for the next.
        """
        stmt = select(Case).where(self.policy.case_filter(actor))
        if workflow is not None:
            stmt = stmt.where(Case.workflow == workflow)
        if state is not None:
            stmt = stmt.where(Case.state == state)
        if organisation_id is not None:
            stmt = stmt.where(Case.organisation_id == organisation_id)
        if after_id is not None:
            stmt = stmt.where(Case.id > after_id)
        with self.db.read() as session:
            rows = session.scalars(stmt.order_by(Case.id).limit(limit)).all()
            return [CaseSnapshot.of(c) for c in rows]

    def list_tasks(
        self,
        actor: Actor,
        *,
        assignee: str = "me",
        status: str | None = "open",
        due_before: datetime | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[TaskSnapshot]:
        """Tasks on cases the actor may see: `me` (assigned to the actor), `role` (the
        unassigned queue of the actor's role) or `any`; lowest id first, keyset-paginated."""
        stmt = self._tasks_query(actor)
        if assignee == "me":
            stmt = stmt.where(Task.assignee_id == actor.user_id)
        elif assignee == "role":
            stmt = stmt.where(Task.role == actor.role, Task.assignee_id.is_(None))
        if status is not None:
            stmt = stmt.where(Task.status == status)
        if due_before is not None:
            stmt = stmt.where(Task.due_at < due_before)
        if after_id is not None:
            stmt = stmt.where(Task.id > after_id)
        with self.db.read() as session:
            return [TaskSnapshot.of(t, c) for t, c in session.execute(stmt.order_by(Task.id).limit(limit))]

    def get_task(self, actor: Actor, task_id: int) -> TaskSnapshot:
        """One task on a case the actor may see; anything else is 'not found'."""
        with self.db.read() as session:
            row = session.execute(self._tasks_query(actor).where(Task.id == task_id)).first()
        if row is None:
            raise NotFound("Deze taak bestaat niet of u heeft er geen toegang toe.", task_id=task_id)
        return TaskSnapshot.of(row[0], row[1])

    def _tasks_query(self, actor: Actor):
        return select(Task, Case).join(Case, Case.id == Task.case_id).where(self.policy.case_filter(actor))

    def case_tasks(self, actor: Actor, case_id: int) -> list[Task]:
        with self.db.read() as session:
            self._load_case(session, actor, case_id)
            return inbox.case_tasks(session, case_id)
