"""The one write path: perform an action on a case, in one transaction.

Order matters and is the same for the web, the API and every use case: the case the actor
may see (else 404) -> the version the actor saw is still current (409, checked inside the
write transaction) -> the action exists -> it is possible in this phase -> the actor's role
may do it (403) -> the payload, field by field (422) -> the preconditions, asked of the
case as it is (422 with the Dutch reason) -> the action's domain rows (its recorder) -> the
transition with its guards, effect, audit row, tasks, timers and mail -> the tasks this
action does are completed. One commit point: `Database.write`. Any error rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.actions import Action, clean_payload, payload_schema
from engine.errors import (
    CaseNotFound,
    GuardRejected,
    InvalidPayload,
    NotPermitted,
    StaleCase,
    TransitionNotAllowed,
    UnknownTrigger,
)
from engine.registry import CompiledWorkflow
from engine.runtime import Tx, apply_transition, view_of
from engine.spec import Actor, Ctx, copy_data
from engine.store import row_statements as rs
from engine.store.driver_sql import DriverStatement
from engine.store.models import Case, Task
from engine.store.unit import write_unit

if TYPE_CHECKING:
    from engine.services import CaseSnapshot, Services


@dataclass
class Unit:
    """What a recorder may use: the open transaction, the locked case and the clean payload.

    A recorder writes the action's domain rows and returns the payload of the transition it
    makes (ids of those rows, never their text); `result` is handed back to the caller.
    Rows are written with `insert`/`update` and read with `rows` (plain columns, statements
    compiled once, on the transaction's connection); `session` is the ORM session of a
    recorder that is not `@sessionless` (it writes sealed personal data).
    """

    tx: Tx
    case: Case
    actor: Actor
    now: datetime
    payload: dict[str, Any]
    reason: str | None = None
    result: Any = None

    @property
    def session(self) -> Session:
        """The ORM session (only for recorders not marked `@sessionless`)."""
        if not isinstance(self.tx, Session):
            raise TypeError("a @sessionless recorder has no ORM session: use insert/update/rows")
        return self.tx

    def insert(self, table: Table, row: dict[str, Any]) -> int:
        """Insert one row of plain (not sealed) columns; returns its new id."""
        stmt = rs.insert_returning_key(table, tuple(row))
        (key,) = stmt.mappings(self.tx, row)[0].values()
        return key

    def update(self, table: Table, where: dict[str, Any], values: dict[str, Any]) -> int:
        """Set `values` on the rows matching `where` (column = value each); returns the row count."""
        stmt = rs.update_where(table, tuple(where), tuple(values))
        return stmt.execute(self.tx, {**{f"w_{k}": v for k, v in where.items()},
                                      **{f"v_{k}": v for k, v in values.items()}})

    def rows(self, table: Table, columns: tuple[str, ...], where: dict[str, Any]) -> list[dict[str, Any]]:
        """The `columns` of the rows matching `where` (plain columns only: sealed ones stay sealed)."""
        return rs.select_where(table, columns, tuple(where)).mappings(self.tx, {f"w_{k}": v for k, v in where.items()})


Recorder = Callable[[Unit], dict[str, Any]]
_SESSIONLESS = "_jobtraject_sessionless"


def sessionless(fn: Recorder) -> Recorder:
    """Mark a recorder that writes only through `Unit.insert`/`update`/`rows` (no ORM session)."""
    setattr(fn, _SESSIONLESS, True)
    return fn


def _needs_session(svc: Services, name: str, workflow: str | None) -> bool:
    """True when an action of this name (in this workflow, or any) has a recorder that needs the ORM.

    Asked on each action; answered once per registry (`Registry.answers`, cleared when
    recorders are bound) instead of scanning every recorder each time."""
    registry = svc.registry
    key = ("needs_session", name, workflow)
    known = registry.answers.get(key)
    if known is None:
        known = registry.answers[key] = any(
            n == name and (workflow is None or wf == workflow) and not getattr(fn, _SESSIONLESS, False)
            for (wf, n), fn in registry.recorders.items())
    return known


@dataclass(frozen=True)
class Performed:
    case: CaseSnapshot
    result: Any = None


@dataclass(frozen=True)
class ActionOption:
    """An action as one person sees it on one case now: may they, and if not, why not."""

    name: str
    label: str
    allowed: bool
    reason: str | None
    hint: str = ""
    irreversible: bool = False
    reason_required: bool = False
    schema: dict[str, Any] = field(default_factory=dict)

    @property
    def trigger(self) -> str:  # the web's older vocabulary
        return self.name


def _action(compiled: CompiledWorkflow, name: str) -> Action:
    table = compiled.actions
    action = table.get(name) if table is not None else None
    if action is not None:
        return action
    doers = table.for_trigger(name) if table is not None else []
    if doers:
        labels = ", ".join(f"'{a.label}' ({a.name})" for a in doers)
        raise UnknownTrigger(f"Deze stap legt meer vast dan een faseovergang; gebruik de actie {labels}.",
                             trigger=name, actions=[a.name for a in doers])
    raise UnknownTrigger(f"Onbekende actie '{name}'.", trigger=name)


def _ctx(case: Case, actor: Actor, now: datetime, trigger: str, payload: dict[str, Any], *,
         copy: bool = True, data: dict[str, Any] | None = None) -> Ctx:
    """`copy=False`: the case is a session-less unit's own plain row (dropped on any error).
    `data`: a copy of the case's data the caller made (one for all the actions a page lists)."""
    if data is None:
        data = copy_data(case.data) if copy else case.data
    return Ctx(now=now, actor=actor, trigger=trigger, case=view_of(case, data), payload=payload, data=data)


def why_not(compiled: CompiledWorkflow, action: Action, case: Case, actor: Actor, now: datetime,
            payload: dict[str, Any], *, preconditions: bool = True, data: dict[str, Any] | None = None) -> str | None:
    """The first reason this action cannot be done now (preconditions, then the transition's guards);
    `data`: a copy of the case's data to check against (guards only read it)."""
    ctx = _ctx(case, actor, now, action.trigger, payload, data=data)
    for g in action.preconditions if preconditions else ():
        reason = g.check(ctx.case, ctx)
        if reason is not None:
            return reason
    first: str | None = None
    for branch in compiled.branches(case.state, action.trigger):
        if actor.role not in branch.by:
            continue
        reasons = [r for g in branch.guards if (r := g.check(ctx.case, ctx)) is not None]
        if not reasons:
            return None
        first = first or reasons[0]
    return first


def options(compiled: CompiledWorkflow, case: Case, actor: Actor, now: datetime,
            examples: dict[str, dict[str, Any]] | None = None) -> list[ActionOption]:
    """Every action this actor's role may do in the case's phase, each with its reason if not now."""
    table = compiled.actions
    out: list[ActionOption] = []
    if table is None:
        return out
    data: dict[str, Any] | None = None  # one copy of the case's data for all the checks (guards only read)
    for action in table.by_name.values():
        if actor.role not in action.roles or not table.possible_in(action, case.state):
            continue
        if data is None:
            data = copy_data(case.data)
        reason = why_not(compiled, action, case, actor, now, dict((examples or {}).get(action.name, {})), data=data)
        out.append(ActionOption(action.name, action.label, reason is None, reason, action.hint,
                                action.irreversible, action.reason_required, payload_schema(action)))
    return out


# Tasks that stand for an action close with it: one UPDATE per task key (usually one).
_CLOSE_ACTION_TASKS = DriverStatement(
    update(Task.__table__)
    .where(Task.__table__.c.case_id == bindparam("b_case"), Task.__table__.c.status == "open",
           Task.__table__.c.key == bindparam("b_key"))
    .values(status="done", completed_by_id=bindparam("b_by"), completed_at=bindparam("b_at"))
)


def _action_task_keys(compiled: CompiledWorkflow, name: str) -> tuple[str, ...]:
    """The keys of the tasks that stand for this action, once per compiled workflow and action."""
    keys = compiled.action_task_keys.get(name)
    if keys is None:
        keys = compiled.action_task_keys[name] = tuple(dict.fromkeys(
            ts.task_key for ts in compiled.spec.tasks if ts.action == name and ts.when is None))
    return keys


def _complete_tasks(tx: Tx, compiled: CompiledWorkflow, case: Case, action: Action, actor: Actor,
                    now: datetime) -> None:
    """Tasks that stand for this action close with it (standing ones follow their data instead)."""
    keys = _action_task_keys(compiled, action.name)
    if not keys:
        return
    rows = [{"b_case": case.id, "b_key": k, "b_by": actor.user_id, "b_at": now} for k in keys]
    _CLOSE_ACTION_TASKS.execute(tx, rows if len(rows) > 1 else rows[0])


def perform(svc: Services, actor: Actor, case_id: int, name: str, payload: Any = None, *,
            expected_version: int | None = None, reason: str | None = None,
            request_id: str | None = None, workflow: str | None = None) -> Performed:
    """Perform one action on one case in one transaction (see the module docstring).

    `workflow`: the page's own workflow; a case of another workflow is 'not found' there.
    """
    now = svc.clock.now()
    steps = _Steps(svc, actor, case_id, name, payload, expected_version, reason, request_id, workflow, now)
    try:
        if _needs_session(svc, name, workflow):
            return _in_orm_session(svc, steps)
        with write_unit(svc.db) as tx:
            return steps.run(tx)
    except StaleDataError as exc:
        raise StaleCase(case_id, expected_version) from exc


def _in_orm_session(svc: Services, steps: _Steps) -> Performed:
    """The fallback: the same steps in an ORM session, for a recorder that needs one."""
    with svc.db.write() as s:
        return steps.run(s)


@dataclass
class _Steps:
    """One `perform` call's arguments; `run` does the steps in the given transaction."""

    svc: Services
    actor: Actor
    case_id: int
    name: str
    payload: Any
    expected_version: int | None
    reason: str | None
    request_id: str | None
    workflow: str | None
    now: datetime

    def run(self, tx: Tx) -> Performed:
        from engine.services import CaseSnapshot

        svc, actor, case_id, now = self.svc, self.actor, self.case_id, self.now
        case = svc._load_case(tx, actor, case_id, for_update=True)
        if self.workflow is not None and case.workflow != self.workflow:
            raise CaseNotFound(case_id)
        compiled = svc.registry.get(case.workflow, case.workflow_version)
        if self.expected_version is not None and case.version != self.expected_version:
            raise StaleCase(case_id, self.expected_version, case.version)
        action = _action(compiled, self.name)
        table = compiled.actions
        assert table is not None
        if not compiled.branches(case.state, action.trigger):  # `table.possible_in`, from the index
            possible = [a.name for a in table.by_name.values()
                        if actor.role in a.roles and table.possible_in(a, case.state)]
            raise TransitionNotAllowed(action.name, case.state, possible, compiled.spec.state_label(case.state))
        if actor.role not in action.roles:
            raise NotPermitted(f"Uw rol mag de actie '{action.label}' niet uitvoeren.", action=action.name,
                               role=actor.role)
        clean = clean_payload(action, self.payload)
        reason = self.reason.strip() if isinstance(self.reason, str) else None
        if action.reason_required and not reason:
            raise InvalidPayload({"reason": "Geef een reden op."})
        if action.preconditions:
            ctx = _ctx(case, actor, now, action.trigger, clean, copy=isinstance(tx, Session))
            for g in action.preconditions:
                why = g.check(ctx.case, ctx)
                if why is not None:
                    if g.field:
                        raise InvalidPayload({g.field: why}, why)
                    raise GuardRejected(action.trigger, why, g.name)
        if action.declared:  # the transition's own "only if", before any row is written
            why = why_not(compiled, action, case, actor, now, clean, preconditions=False)
            if why is not None:
                raise GuardRejected(action.trigger, why)
        unit = Unit(tx, case, actor, now, clean, reason)
        trigger_payload = clean
        if action.records:
            trigger_payload = svc.registry.recorders[(case.workflow, action.name)](unit)
        check = svc.payload_checks.get(case.workflow)
        if check is not None and trigger_payload:
            trigger_payload = check(tx, svc.registry, case, action.trigger, trigger_payload)
        apply_transition(tx, svc.registry, case, action.trigger, actor, now, trigger_payload,
                         reason=unit.reason, request_id=self.request_id)
        _complete_tasks(tx, compiled, case, action, actor, now)
        if isinstance(tx, Session):
            tx.flush()
        return Performed(CaseSnapshot.of(case), unit.result)
