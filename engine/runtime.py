"""Apply one transition to one case inside the caller's transaction. Never commits.

`apply_transition` does everything a phase change means: check the trigger and the
actor's role, clean the payload, run effects and guards through the compiled Machine,
then write the new state, one audit row, close/open tasks, cancel/schedule timers, queue
mail, start child cases and fire follow-up triggers. If anything fails the caller's
transaction rolls back and nothing of it remains.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import GENESIS, entry_hash
from engine.case_json import contains_nul, copy_json, json_safe, json_safe_dumped  # noqa: F401 - json_safe: re-exported
from engine.case_rows import Tx, _attach, _save_case, load_case  # noqa: F401 - load_case, Tx: re-exported
from engine.clock import ensure_utc
from engine.errors import (
    GuardRejected,
    InvalidPayload,
    NotPermitted,
    TransitionNotAllowed,
    UnknownTrigger,
)
from engine.registry import CompiledWorkflow, Registry
from engine.spec import (
    ANY_STATE,
    SYSTEM_ACTOR,
    Actor,
    CaseView,
    Ctx,
    Mail,
    TaskSpec,
    Workflow,
    WorkingDays,
)
from engine.starting import refuse_direct_start
from engine.store import case_statements as st
from engine.store.driver_sql import Dumped
from engine.store.models import Case, User
from engine.workdays import add_working_days

START_TRIGGER = "start"
MAX_FOLLOW_UP_DEPTH = 8

def view_of(case: Case, data: dict[str, Any] | None = None) -> CaseView:
    """What guards, effects, timers and tasks read of the case. Built without the frozen
    dataclass's `__init__` (a guarded `object.__setattr__` per field; three views a transition)."""
    view = _new_view(CaseView)
    view.__dict__.update(
        id=case.id,
        workflow=case.workflow,
        version=case.version,
        state=case.state,
        organisation_id=case.organisation_id,
        parent_id=case.parent_id,
        data=case.data if data is None else data,
    )
    return view


_new_view = object.__new__


@dataclass(frozen=True)
class TriggerOption:
    trigger: str
    label: str
    allowed: bool
    reason: str | None


def allowed_trigger_names(wf: Workflow, state: str, actor: Actor | None = None) -> list[str]:
    names: list[str] = []
    for t in wf.transitions_from(state):
        if (actor is None or actor.role in t.by) and t.trigger not in names:
            names.append(t.trigger)
    return names


def apply_transition(
    session: Tx,
    registry: Registry,
    case: Case,
    trigger: str,
    actor: Actor,
    now: datetime,
    payload: dict[str, Any] | None = None,
    *,
    reason: str | None = None,
    request_id: str | None = None,
    _depth: int = 0,
) -> Case:
    wf = registry.get(case.workflow, case.workflow_version)
    spec = wf.spec
    if trigger not in wf.triggers:
        raise UnknownTrigger(f"Onbekende actie '{trigger}'.", trigger=trigger)
    branches = wf.branches(case.state, trigger)
    if not branches:
        raise TransitionNotAllowed(
            trigger, case.state, allowed_trigger_names(spec, case.state, actor), spec.state_label(case.state)
        )
    if not any(actor.role in b.by for b in branches):
        raise NotPermitted(
            f"Uw rol mag de actie '{spec.label_for(trigger)}' niet uitvoeren.", trigger=trigger, role=actor.role
        )
    if payload is not None and not isinstance(payload, dict):
        raise InvalidPayload({"payload": "De gegevens moeten een object zijn."})
    clean = dict(payload or {})
    cleaner = next((b.payload for b in branches if b.payload is not None), None)
    if cleaner is not None:
        clean = cleaner(clean)
    clean_json = json_safe_dumped(clean)
    clean = clean_json.value
    reason = (reason or "").strip() or None
    if reason is not None:
        reason = json_safe(reason, "reason")
    if any(b.reason_required for b in branches) and not reason:
        raise InvalidPayload({"reason": "Geef een reden op."})

    from_state = case.state
    # The effects change a copy; in a session-less unit the case is this transaction's own
    # plain row, dropped on any error, so its data is changed in place (no copy).
    data = copy_json(case.data) if isinstance(session, Session) else case.data
    ctx = Ctx(
        now=now,
        actor=actor,
        trigger=trigger,
        case=view_of(case, data),
        payload=clean,
        data=data,
        reason=reason,
        request_id=request_id,
    )
    ok = wf.machine.events[trigger].trigger(case, ctx=ctx)
    if not ok:
        case.state = from_state  # transitions never moved it; be explicit for the reader
        name, why, field = ctx.rejections[0] if ctx.rejections else ("", "Deze actie is nu niet mogelijk.", "")
        if field:  # a guard about one field: its reason goes next to that field
            raise InvalidPayload({field: why}, why)
        raise GuardRejected(trigger, why, name)
    taken = next(
        b for b in branches if (b.dest or from_state) == case.state and actor.role in b.by
    ) if len(branches) > 1 else branches[0]
    to_state = case.state
    data_json = json_safe_dumped(ctx.data, "data")
    case.data = data_json.value
    case.updated_at = now
    moved = taken.dest is not None  # reflexive transitions leave and re-enter
    if moved:
        case.state_entered_at = now
        case.closed_at = now if to_state in wf.final_states else None
    _write_audit(session, case, trigger, actor, now, from_state, to_state, clean, reason, request_id, clean_json)
    _save_case(session, case, data_json)  # the version check: a concurrent change raises StaleDataError
    if moved:
        _leave_state(session, case.id, from_state, actor, now, cancel=taken.cancels_tasks)
        _enter_state(session, wf, case, now)
    _reconcile_standing_tasks(session, wf, case, actor, now, cancel=taken.cancels_tasks)
    _queue_mails(session, ctx.mails, now)
    for spawn in ctx.spawns:
        create_case(
            session, registry, spawn.workflow, spawn.data, actor=actor, now=now,
            organisation_id=spawn.organisation_id, parent_id=case.id, request_id=request_id,
        )
    for follow in ctx.follow_ups:
        if _depth >= MAX_FOLLOW_UP_DEPTH:
            raise RuntimeError("follow-up triggers nest too deep")
        # Lock the other case as fire_trigger locks its own (and re-read it once locked):
        # otherwise a concurrent change to it makes this audit insert collide, not wait.
        target = load_case(session, follow.case_id, lock=True)
        if target is None:
            continue
        apply_transition(
            session, registry, target, follow.trigger, SYSTEM_ACTOR, now, follow.payload,
            request_id=request_id, _depth=_depth + 1,
        )
    return case


def create_case(
    session: Tx,
    registry: Registry,
    workflow: str,
    data: dict[str, Any],
    *,
    actor: Actor,
    now: datetime,
    organisation_id: int | None,
    parent_id: int | None = None,
    request_id: str | None = None,
    version: int | None = None,
) -> Case:
    """Insert a case in its initial state with its first audit row, tasks and timers."""
    if parent_id is None:
        refuse_direct_start(registry, workflow)  # e.g. a plan: only a hire's effect starts one
    wf = registry.get(workflow, version)
    spec = wf.spec
    data_json = json_safe_dumped(data, "data")
    row: dict[str, Any] = {
        "workflow": spec.name, "workflow_version": spec.version, "state": spec.initial.name,
        "data": data_json, "organisation_id": organisation_id, "parent_id": parent_id,
        "created_at": now, "updated_at": now, "state_entered_at": now, "closed_at": None, "audit_seq": 0,
        "last_hash": GENESIS, "version": 1,
    }
    if isinstance(session, Session) and (session.new or session.dirty):
        session.flush()  # rows the caller added first (the case may refer to them)
    row["id"] = st.INSERT_CASE.mappings(session, row)[0]["id"]
    row["data"] = data_json.value
    case = _attach(session, row)
    _write_audit(session, case, START_TRIGGER, actor, now, None, case.state, {}, None, request_id, Dumped({}, "{}"))
    _save_case(session, case, data_json)
    _enter_state(session, wf, case, now)
    _reconcile_standing_tasks(session, wf, case, actor, now, cancel=False)
    return case


def _write_audit(
    session: Tx,
    case: Case,
    trigger: str,
    actor: Actor,
    now: datetime,
    from_state: str | None,
    to_state: str,
    payload: dict[str, Any],
    reason: str | None,
    request_id: str | None,
    payload_json: Dumped | None = None,
) -> None:
    seq = case.audit_seq + 1
    prev = case.last_hash or GENESIS
    digest = entry_hash(
        prev_hash=prev, case_id=case.id, seq=seq, at=now, actor_user_id=actor.user_id,
        actor_role=actor.role, trigger=trigger, from_state=from_state, to_state=to_state,
        payload=payload, reason=reason, request_id=request_id,
    )
    st.INSERT_AUDIT.execute(
        session,
        {
            "case_id": case.id, "seq": seq, "at": now, "actor_user_id": actor.user_id,
            "actor_role": actor.role, "trigger": trigger, "from_state": from_state,
            "to_state": to_state, "payload": payload_json or payload, "reason": reason,
            "request_id": request_id, "prev_hash": prev, "hash": digest,
        },
    )
    case.audit_seq = seq
    case.last_hash = digest


def _leave_state(session: Tx, case_id: int, state: str, actor: Actor, now: datetime, *, cancel: bool) -> None:
    st.CLOSE_TASKS.execute(session, {"b_case": case_id, "b_state": state, "b_status": "cancelled" if cancel else "done",
                                   "b_by": actor.user_id, "b_at": now})
    st.CANCEL_TIMERS.execute(session, {"b_case": case_id, "b_state": state})


def due_at(rule: Any, view: CaseView, entered: datetime) -> datetime | None:
    if rule is None:
        return None
    if isinstance(rule, timedelta):
        return entered + rule
    if isinstance(rule, WorkingDays):
        return add_working_days(entered, rule.days)
    return rule(view, entered)


def _enter_state(session: Tx, wf: CompiledWorkflow, case: Case, now: datetime) -> None:
    view = view_of(case)
    timer_rows = []
    for tm in wf.timers_for(case.state):
        when = due_at(tm.after, view, now)
        if when is None:
            continue
        timer_rows.append(
            {
                "case_id": case.id, "state": case.state, "trigger": tm.fire, "name": tm.name or tm.fire,
                "due_at": when, "status": "pending", "attempts": 0, "created_at": now,
            }
        )
    if timer_rows:
        st.INSERT_TIMER.execute(session, timer_rows)
    task_rows = [_task_row(ts, view, case, now, dumped=True) for ts in wf.tasks_for(case.state) if ts.when is None or ts.when(view)]
    if task_rows:
        st.INSERT_TASK.execute(session, task_rows)


def _reconcile_standing_tasks(
    session: Tx, wf: CompiledWorkflow, case: Case, actor: Actor, now: datetime, *, cancel: bool
) -> None:
    """Make the case's open standing tasks match their `when` (see `TaskSpec`)."""
    standing = wf.standing_tasks
    if not standing:
        return
    view = view_of(case)
    final = case.state in wf.final_states
    open_rows = {t["key"]: t for t in st.OPEN_STANDING.mappings(session, {"b_case": case.id})}
    new_rows, due_changes, closed = [], [], []
    for ts in standing:
        key = ts.key or ts.title[:64]
        wanted = not final and (ts.when is None or bool(ts.when(view)))
        row = open_rows.get(key)
        if wanted and row is None:
            new_rows.append(_task_row(ts, view, case, now, dumped=True))
        elif wanted and row is not None and callable(ts.due):
            due = ts.due(view, now)
            old = ensure_utc(row["due_at"]) if row["due_at"] is not None else None
            if due != old:
                due_changes.append({"b_id": row["id"], "b_due": due})
        elif not wanted and row is not None:
            closed.append({"b_id": row["id"], "b_status": "cancelled" if cancel else "done", "b_by": actor.user_id,
                           "b_at": now})
    if new_rows:
        st.INSERT_TASK.execute(session, new_rows)
    if due_changes:
        st.SET_TASK_DUE.execute(session, due_changes)
    if closed:
        st.CLOSE_TASK.execute(session, closed)


def _task_row(ts: TaskSpec, view: CaseView, case: Case, now: datetime, *, dumped: bool = False) -> dict[str, Any]:
    """A task row; `dumped`: its reminders with their JSON text (for the runtime's `INSERT_TASK`,
    a `DriverStatement`; an ORM `Task` or another statement takes the plain list)."""
    reminders = _reminders(ts.remind_before)
    return {
        "case_id": case.id,
        "key": ts.key or ts.title[:64],
        "state": ANY_STATE if ts.on_enter == ANY_STATE else case.state,
        "role": ts.role,
        "assignee_id": ts.assign_to(view) if ts.assign_to else None,
        "title": ts.title,
        "created_at": now,
        "due_at": due_at(ts.due, view, now),
        "remind_before": Dumped(list(reminders.value), reminders.text) if dumped else list(reminders.value),
        "status": "open",
    }


def _reminders(remind_before: tuple[timedelta, ...]) -> Dumped:
    """A task's reminders as stored (seconds before it is due), with their JSON text: once per spec."""
    dumped = _REMINDERS.get(remind_before)
    if dumped is None:
        seconds = [int(r.total_seconds()) for r in remind_before]
        dumped = _REMINDERS[remind_before] = Dumped(seconds, json.dumps(seconds))
    return dumped  # shared: callers copy the list


_REMINDERS: dict[tuple[timedelta, ...], Dumped] = {}


def _queue_mails(session: Tx, mails: list[Mail], now: datetime) -> None:
    if not mails:
        return
    user_ids = {m.to_user_id for m in mails if m.to_user_id and not m.to_addr}
    emails: dict[int, str] = {}
    if user_ids and isinstance(session, Session):
        emails = dict(session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
    elif user_ids:  # a WriteUnit runs no SQLAlchemy transaction of its own: one driver SELECT per person
        emails = {uid: rows[0]["email"] for uid in user_ids if (rows := st.USER_EMAIL.mappings(session, {"b_id": uid}))}
    rows = []
    for m in mails:
        to_addr = m.to_addr or emails.get(m.to_user_id or 0)
        if not to_addr:
            continue
        rows.append(
            {
                "created_at": now, "to_user_id": m.to_user_id, "to_addr": to_addr, "subject": m.subject,
                "body_text": m.body_text, "body_html": m.body_html,
                "message_id": f"<{uuid.uuid4().hex}@jobtraject>", "dedupe_key": m.dedupe_key,
                "status": "pending", "attempts": 0, "next_attempt_at": now,
            }
        )
    if rows:
        st.INSERT_OUTBOX.execute(session, rows)
