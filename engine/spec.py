"""Workflow definitions as data: states, transitions, guards, timers and tasks.

A domain expert reads a workflow as a table; `validate()` rejects inconsistent tables at
registry time (unreachable states, dead ends, timers firing unknown triggers, ambiguous
triggers) and `compile_machine()` turns a table into one shared `transitions.Machine`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.errors import WorkflowDefinitionError

SYSTEM = "system"
ANY_STATE = "*"


@dataclass(frozen=True)
class Actor:
    """Who does something: a user in a role and organisation, or the system (timers)."""

    user_id: int | None
    role: str
    organisation_id: int | None
    name: str = ""

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM


SYSTEM_ACTOR = Actor(user_id=None, role=SYSTEM, organisation_id=None, name="Systeem")


@dataclass(frozen=True)
class CaseView:
    """What guards and effects may read of the case (never the ORM row itself)."""

    id: int | None
    workflow: str
    version: int
    state: str
    organisation_id: int | None
    parent_id: int | None
    data: Mapping[str, Any]


@dataclass
class SpawnRequest:
    workflow: str
    data: dict[str, Any]
    organisation_id: int | None


@dataclass
class FollowUp:
    """A trigger to fire on another case in the same transaction (e.g. the parent)."""

    case_id: int
    trigger: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class Mail:
    """A message to queue in the outbox in the same transaction."""

    to_user_id: int | None
    to_addr: str | None
    subject: str
    body_text: str
    body_html: str | None = None
    dedupe_key: str | None = None


@dataclass
class Ctx:
    """Everything a guard or effect may use: never the clock, never a session."""

    now: datetime
    actor: Actor
    trigger: str
    case: CaseView
    payload: dict[str, Any]
    data: dict[str, Any]
    reason: str | None = None
    request_id: str | None = None
    rejections: list[tuple[str, str, str]] = field(default_factory=list)  # (guard, reason, field)
    spawns: list[SpawnRequest] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)

    def spawn(self, workflow: str, data: dict[str, Any], organisation_id: int | None = None) -> None:
        self.spawns.append(
            SpawnRequest(workflow, data, organisation_id if organisation_id is not None else self.case.organisation_id)
        )

    def fire(self, case_id: int, trigger: str, payload: dict[str, Any] | None = None) -> None:
        self.follow_ups.append(FollowUp(case_id, trigger, payload or {}))


GuardFn = Callable[[CaseView, Ctx], bool]
ReasonFn = Callable[[CaseView, Ctx], str]


@dataclass(frozen=True)
class Guard:
    """A yes/no question with the Dutch reason shown when the answer is no."""

    fn: GuardFn
    reason: str | ReasonFn
    name: str
    field: str = ""  # the payload field the reason belongs next to (a form shows it there)

    def check(self, case: CaseView, ctx: Ctx) -> str | None:
        """Return None when satisfied, else the reason."""
        if self.fn(case, ctx):
            return None
        return self.reason(case, ctx) if callable(self.reason) else self.reason

    def __call__(self, case: CaseView, ctx: Ctx) -> bool:
        return bool(self.fn(case, ctx))


def guard(reason: str | ReasonFn, *, field: str = "") -> Callable[[GuardFn], Guard]:
    """Decorator: `@guard("Er is nog geen Harrie aangewezen")` on `def has_harrie(case, ctx)`."""

    def wrap(fn: GuardFn) -> Guard:
        return Guard(fn=fn, reason=reason, name=fn.__name__, field=field)

    return wrap


@dataclass(frozen=True)
class State:
    name: str
    label: str
    description: str = ""
    initial: bool = False
    final: bool = False


Effect = Callable[[Ctx], None]
PayloadCleaner = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Transition:
    """`trigger` moves a case from one of `source` to `dest` (None: stays, data-only)."""

    trigger: str
    source: str | tuple[str, ...]
    dest: str | None
    guards: tuple[Guard, ...] = ()
    by: tuple[str, ...] = ()
    label: str = ""
    effect: Effect | None = None
    payload: PayloadCleaner | None = None
    cancels_tasks: bool = False
    reason_required: bool = False

    def sources(self, states: Iterable[State]) -> tuple[str, ...]:
        if self.source == ANY_STATE:
            return tuple(s.name for s in states if not s.final)
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


DueRule = timedelta | Callable[[CaseView, datetime], datetime | None]


@dataclass(frozen=True)
class WorkingDays:
    """An offset counted in Dutch working days (weekends and public holidays skipped)."""

    days: int


@dataclass(frozen=True)
class Timer:
    """While a case is in `in_state`, fire `fire` as SYSTEM when `after` has passed.

    `after` is a timedelta from entering the state, or a function of the case and the
    entry time returning the due moment (None: no timer for this case).
    """

    in_state: str
    fire: str
    after: DueRule
    name: str = ""


@dataclass(frozen=True)
class TaskSpec:
    """On entering `on_enter`, open a task for `role`, due after `due`.

    With `on_enter=ANY_STATE` the task is *standing*: it is open exactly while the case is
    in a non-final state and `when(case)` holds, whatever the state. The runtime reconciles
    standing tasks after every transition: it opens them when `when` becomes true, closes
    them (done by the actor, or cancelled by a `cancels_tasks` transition) when it becomes
    false, and moves their due date when a callable `due` gives another moment. State
    changes never close them. Use them for work that outlives a phase (a signature, an
    evaluation that is late).
    """

    on_enter: str
    role: str
    title: str
    due: DueRule | WorkingDays | None = None
    remind_before: tuple[timedelta, ...] = ()
    key: str = ""
    assign_to: Callable[[CaseView], int | None] | None = None
    when: Callable[[CaseView], bool] | None = None
    action: str = ""  # the action that does this task's work: performing it closes the task

    @property
    def task_key(self) -> str:
        return self.key or self.title[:64]

    @property
    def checklist(self) -> bool:
        """Ticked off by hand: it stands for no action and does not follow the data."""
        return not self.action and self.when is None


@dataclass(frozen=True)
class Workflow:
    name: str
    version: int
    label: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    timers: tuple[Timer, ...] = ()
    tasks: tuple[TaskSpec, ...] = ()
    description: str = ""
    actions: tuple[Any, ...] = ()  # engine.actions.Action: what people do, declared once
    # (workflow, trigger) whose effect starts this one as a child case; such a workflow is
    # never started on its own (engine.starting refuses it, naming that action).
    started_by: tuple[str, str] | None = None

    @property
    def initial(self) -> State:
        return next(s for s in self.states if s.initial)

    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def state_label(self, name: str) -> str:
        try:
            return self.state(name).label
        except KeyError:
            return name

    @property
    def triggers(self) -> set[str]:
        return {t.trigger for t in self.transitions}

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources(self.states)]

    def transitions_for(self, state: str, trigger: str) -> list[Transition]:
        return [t for t in self.transitions_from(state) if t.trigger == trigger]

    def timers_for(self, state: str) -> list[Timer]:
        return [t for t in self.timers if t.in_state == state]

    def tasks_for(self, state: str) -> list[TaskSpec]:
        return [t for t in self.tasks if t.on_enter == state]

    @property
    def standing_tasks(self) -> list[TaskSpec]:
        return [t for t in self.tasks if t.on_enter == ANY_STATE]

    def label_for(self, trigger: str) -> str:
        for t in self.transitions:
            if t.trigger == trigger and t.label:
                return t.label
        return trigger


def validate(wf: Workflow) -> None:
    """Raise WorkflowDefinitionError listing every inconsistency in the table."""
    problems: list[str] = []
    names = [s.name for s in wf.states]
    if len(set(names)) != len(names):
        problems.append("duplicate state names")
    known = set(names)
    initials = [s for s in wf.states if s.initial]
    if len(initials) != 1:
        problems.append(f"exactly one initial state needed, found {len(initials)}")
    for t in wf.transitions:
        for src in t.sources(wf.states):
            if src not in known:
                problems.append(f"transition {t.trigger!r}: unknown source state {src!r}")
        if t.dest is not None and t.dest not in known:
            problems.append(f"transition {t.trigger!r}: unknown destination state {t.dest!r}")
        if not t.by:
            problems.append(f"transition {t.trigger!r}: no role may fire it (by=...)")
        for g in t.guards:
            if not isinstance(g, Guard):
                problems.append(f"transition {t.trigger!r}: guards must be Guard objects, not {g!r}")
    # The same trigger from the same source twice is only allowed as guarded branches.
    seen: dict[tuple[str, str], list[Transition]] = {}
    for t in wf.transitions:
        for src in t.sources(wf.states):
            seen.setdefault((src, t.trigger), []).append(t)
    for (src, trig), ts in seen.items():
        if len(ts) > 1 and any(not t.guards for t in ts[:-1]):
            problems.append(f"trigger {trig!r} is ambiguous from state {src!r}")
    # Reachability from the initial state.
    if initials:
        reach = {initials[0].name}
        frontier = [initials[0].name]
        while frontier:
            cur = frontier.pop()
            for t in wf.transitions_from(cur):
                if t.dest and t.dest not in reach:
                    reach.add(t.dest)
                    frontier.append(t.dest)
        for s in wf.states:
            if s.name not in reach:
                problems.append(f"state {s.name!r} is unreachable")
    for s in wf.states:
        outgoing = [t for t in wf.transitions_from(s.name) if t.dest is not None and t.dest != s.name]
        if not s.final and not outgoing:
            problems.append(f"state {s.name!r} is a dead end (not final, no way out)")
    for tm in wf.timers:
        if tm.in_state not in known:
            problems.append(f"timer {tm.name or tm.fire!r}: unknown state {tm.in_state!r}")
            continue
        ts = wf.transitions_for(tm.in_state, tm.fire)
        if not ts:
            problems.append(f"timer {tm.name or tm.fire!r}: trigger {tm.fire!r} cannot fire from {tm.in_state!r}")
        elif not any(SYSTEM in t.by for t in ts):
            problems.append(f"timer {tm.name or tm.fire!r}: trigger {tm.fire!r} may not be fired by SYSTEM")
    standing_keys: set[str] = set()
    for task in wf.tasks:
        if task.on_enter == ANY_STATE:
            key = task.key or task.title[:64]
            if key in standing_keys:
                problems.append(f"standing task {key!r} declared twice")
            standing_keys.add(key)
        elif task.on_enter not in known:
            problems.append(f"task {task.title!r}: unknown state {task.on_enter!r}")
    from engine.actions import validate_actions  # actions build on this module

    problems.extend(validate_actions(wf))
    if problems:
        raise WorkflowDefinitionError(f"workflow {wf.name} v{wf.version}: " + "; ".join(problems))


def copy_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    return copy.deepcopy(dict(data or {}))
