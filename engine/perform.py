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

from sqlalchemy import update
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
from engine.runtime import apply_transition, view_of
from engine.spec import Actor, Ctx, copy_data
from engine.store.models import Case, Task

if TYPE_CHECKING:
    from engine.services import CaseSnapshot, Services


@dataclass
class Unit:
    """What a recorder may use: the open transaction, the locked case and the clean payload.

    A recorder writes the action's domain rows and returns the payload of the transition it
    makes (ids of those rows, never their text); `result` is handed back to the caller.
    """

    session: Session
    case: Case
    actor: Actor
    now: datetime
    payload: dict[str, Any]
    reason: str | None = None
    result: Any = None


Recorder = Callable[[Unit], dict[str, Any]]


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


def _ctx(case: Case, actor: Actor, now: datetime, trigger: str, payload: dict[str, Any]) -> Ctx:
    data = copy_data(case.data)
    return Ctx(now=now, actor=actor, trigger=trigger, case=view_of(case, data), payload=payload, data=data)


def why_not(compiled: CompiledWorkflow, action: Action, case: Case, actor: Actor, now: datetime,
            payload: dict[str, Any], *, preconditions: bool = True) -> str | None:
    """The first reason this action cannot be done now (preconditions, then the transition's guards)."""
    ctx = _ctx(case, actor, now, action.trigger, payload)
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
    for action in table.by_name.values():
        if actor.role not in action.roles or not table.possible_in(action, case.state):
            continue
        reason = why_not(compiled, action, case, actor, now, dict((examples or {}).get(action.name, {})))
        out.append(ActionOption(action.name, action.label, reason is None, reason, action.hint,
                                action.irreversible, action.reason_required, payload_schema(action)))
    return out


def _complete_tasks(session: Session, compiled: CompiledWorkflow, case: Case, action: Action, actor: Actor,
                    now: datetime) -> None:
    """Tasks that stand for this action close with it (standing ones follow their data instead)."""
    keys = [ts.task_key for ts in compiled.spec.tasks if ts.action == action.name and ts.when is None]
    if not keys:
        return
    session.execute(
        update(Task).where(Task.case_id == case.id, Task.status == "open", Task.key.in_(keys))
        .values(status="done", completed_by_id=actor.user_id, completed_at=now)
        .execution_options(synchronize_session=False)
    )


def perform(svc: Services, actor: Actor, case_id: int, name: str, payload: Any = None, *,
            expected_version: int | None = None, reason: str | None = None,
            request_id: str | None = None, workflow: str | None = None) -> Performed:
    """Perform one action on one case in one transaction (see the module docstring).

    `workflow`: the page's own workflow; a case of another workflow is 'not found' there.
    """
    from engine.services import CaseSnapshot

    now = svc.clock.now()
    try:
        with svc.db.write() as s:
            case = svc._load_case(s, actor, case_id, for_update=True)
            if workflow is not None and case.workflow != workflow:
                raise CaseNotFound(case_id)
            compiled = svc.registry.get(case.workflow, case.workflow_version)
            if expected_version is not None and case.version != expected_version:
                raise StaleCase(case_id, expected_version, case.version)
            action = _action(compiled, name)
            table = compiled.actions
            assert table is not None
            if not table.possible_in(action, case.state):
                possible = [a.name for a in table.by_name.values()
                            if actor.role in a.roles and table.possible_in(a, case.state)]
                raise TransitionNotAllowed(action.name, case.state, possible,
                                           compiled.spec.state_label(case.state))
            if actor.role not in action.roles:
                raise NotPermitted(f"Uw rol mag de actie '{action.label}' niet uitvoeren.", action=action.name,
                                   role=actor.role)
            clean = clean_payload(action, payload)
            reason = reason.strip() if isinstance(reason, str) else None
            if action.reason_required and not reason:
                raise InvalidPayload({"reason": "Geef een reden op."})
            ctx = _ctx(case, actor, now, action.trigger, clean)
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
            unit = Unit(s, case, actor, now, clean, reason)
            trigger_payload = clean
            if action.records:
                trigger_payload = svc.registry.recorders[(case.workflow, action.name)](unit)
            check = svc.payload_checks.get(case.workflow)
            if check is not None and trigger_payload:
                trigger_payload = check(s, svc.registry, case, action.trigger, trigger_payload)
            apply_transition(s, svc.registry, case, action.trigger, actor, now, trigger_payload,
                             reason=unit.reason, request_id=request_id)
            _complete_tasks(s, compiled, case, action, actor, now)
            s.flush()
            snap = CaseSnapshot.of(case)
    except StaleDataError as exc:
        raise StaleCase(case_id, expected_version) from exc
    return Performed(snap, unit.result)
