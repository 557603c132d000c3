"""(workflow name, version) -> a validated definition with its one compiled Machine.

One `transitions.Machine(model=None)` per workflow version is built once and fired for
every case row: building machines per request would cost more than the database write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transitions import EventData, Machine

from engine.actions import ActionTable
from engine.errors import WorkflowDefinitionError
from engine.spec import ANY_STATE, Ctx, Guard, TaskSpec, Timer, Transition, Workflow, validate
from engine.versioning import WorkflowMigration, validate_migration


def _guard_condition(g: Guard):
    def condition(event: EventData) -> bool:
        ctx: Ctx = event.kwargs["ctx"]
        reason = g.check(ctx.case, ctx)
        if reason is None:
            return True
        ctx.rejections.append((g.name, reason, g.field))
        return False

    condition.__name__ = g.name
    return condition


def _effect_prepare(t: Transition):
    def prepare(event: EventData) -> None:
        ctx: Ctx = event.kwargs["ctx"]
        if t.effect is not None:
            t.effect(ctx)

    return prepare


@dataclass
class CompiledWorkflow:
    """A definition with its Machine and the lookups every transition needs, built once.

    `Workflow`'s own helpers scan the tables on each call; the runtime asks them several
    times per transition, so the answers are indexed here when the workflow is registered.
    """

    spec: Workflow
    machine: Machine
    triggers: frozenset[str] = frozenset()
    final_states: frozenset[str] = frozenset()
    _branches: dict[tuple[str, str], tuple[Transition, ...]] = field(default_factory=dict)
    _timers: dict[str, tuple[Timer, ...]] = field(default_factory=dict)
    _tasks: dict[str, tuple[TaskSpec, ...]] = field(default_factory=dict)
    standing_tasks: tuple[TaskSpec, ...] = ()
    actions: ActionTable | None = None
    task_specs: dict[str, TaskSpec] = field(default_factory=dict)
    action_task_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # engine.perform's, filled on use

    def __post_init__(self) -> None:
        wf = self.spec
        self.triggers = frozenset(t.trigger for t in wf.transitions)
        self.final_states = frozenset(s.name for s in wf.states if s.final)
        branches: dict[tuple[str, str], list[Transition]] = {}
        for t in wf.transitions:
            for src in t.sources(wf.states):
                branches.setdefault((src, t.trigger), []).append(t)
        self._branches = {k: tuple(v) for k, v in branches.items()}
        self._timers = {s.name: tuple(wf.timers_for(s.name)) for s in wf.states}
        self._tasks = {s.name: tuple(wf.tasks_for(s.name)) for s in wf.states}
        self.standing_tasks = tuple(t for t in wf.tasks if t.on_enter == ANY_STATE)
        self.actions = ActionTable.of(wf)
        self.task_specs = {t.task_key: t for t in wf.tasks}

    def branches(self, state: str, trigger: str) -> tuple[Transition, ...]:
        """`spec.transitions_for(state, trigger)`, from the index."""
        return self._branches.get((state, trigger), ())

    def timers_for(self, state: str) -> tuple[Timer, ...]:
        return self._timers.get(state, ())

    def tasks_for(self, state: str) -> tuple[TaskSpec, ...]:
        return self._tasks.get(state, ())

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def version(self) -> int:
        return self.spec.version


def compile_machine(wf: Workflow) -> Machine:
    """Compile once; guards become conditions, effects become `prepare` callbacks.

    Effects run before the guards on a copy of the case data, so a guard can check what
    the payload brings; if a guard says no the copy is thrown away.
    """
    machine = Machine(
        model=None,
        states=[s.name for s in wf.states],
        initial=wf.initial.name,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )
    for t in wf.transitions:
        for src in t.sources(wf.states):
            machine.add_transition(
                trigger=t.trigger,
                source=src,
                dest=t.dest,
                prepare=[_effect_prepare(t)],
                conditions=[_guard_condition(g) for g in t.guards],
            )
    return machine


@dataclass
class Registry:
    _by_key: dict[tuple[str, int], CompiledWorkflow] = field(default_factory=dict)
    _latest: dict[str, CompiledWorkflow] = field(default_factory=dict)  # pages ask per row
    # (workflow, action) -> the use-case function that writes an action's domain rows
    # (`Action.records`); bound by the layer that owns those tables, checked by `check_recorders`.
    recorders: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Answers the write path asks on every action and that only change when recorders are
    # bound (engine.perform: does this action need the ORM session, which tasks close with it).
    answers: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def bind_recorders(self, workflow: str, recorders: dict[str, Any]) -> None:
        for action, fn in recorders.items():
            self.recorders[(workflow, action)] = fn
        self.answers.clear()
        self.check_recorders(workflow)

    def check_recorders(self, workflow: str) -> None:
        """Every action that writes rows has its recorder, and every recorder its action."""
        problems = []
        for compiled in self.all():
            if compiled.name != workflow or compiled.actions is None:
                continue
            for action in compiled.actions.by_name.values():
                if action.records and (workflow, action.name) not in self.recorders:
                    problems.append(f"action {action.name!r} writes rows but has no recorder")
        for wf, name in self.recorders:
            if wf == workflow and not any(c.actions and name in c.actions.by_name for c in self.all() if c.name == wf):
                problems.append(f"recorder for unknown action {name!r}")
        if problems:
            raise WorkflowDefinitionError(f"workflow {workflow}: " + "; ".join(problems))
    _migrations: dict[tuple[str, int, int], WorkflowMigration] = field(default_factory=dict)

    def register(self, wf: Workflow) -> CompiledWorkflow:
        validate(wf)
        key = (wf.name, wf.version)
        if key in self._by_key:
            raise WorkflowDefinitionError(f"workflow {wf.name} v{wf.version} registered twice")
        compiled = CompiledWorkflow(spec=wf, machine=compile_machine(wf))
        self._by_key[key] = compiled
        current = self._latest.get(wf.name)
        if current is None or current.version < wf.version:
            self._latest[wf.name] = compiled
        return compiled

    def register_migration(self, migration: WorkflowMigration) -> WorkflowMigration:
        """Register a migration between two registered versions (see engine.versioning)."""
        old = self.get(migration.workflow, migration.from_version).spec
        new = self.get(migration.workflow, migration.to_version).spec
        validate_migration(migration, old, new)
        if migration.key in self._migrations:
            raise WorkflowDefinitionError(
                f"migration {migration.workflow} v{migration.from_version} -> v{migration.to_version} registered twice"
            )
        self._migrations[migration.key] = migration
        return migration

    def migration(self, name: str, from_version: int, to_version: int) -> WorkflowMigration:
        try:
            return self._migrations[(name, from_version, to_version)]
        except KeyError:
            raise KeyError(f"no migration of {name} from v{from_version} to v{to_version}") from None

    def migrations(self) -> list[WorkflowMigration]:
        return [self._migrations[k] for k in sorted(self._migrations)]

    def get(self, name: str, version: int | None = None) -> CompiledWorkflow:
        if version is None:
            return self.latest(name)
        try:
            return self._by_key[(name, version)]
        except KeyError:
            raise KeyError(f"unknown workflow {name} v{version}") from None

    def latest(self, name: str) -> CompiledWorkflow:
        try:
            return self._latest[name]
        except KeyError:
            raise KeyError(f"unknown workflow {name}") from None

    def all(self) -> list[CompiledWorkflow]:
        return [self._by_key[k] for k in sorted(self._by_key)]

    def names(self) -> list[str]:
        return sorted({n for (n, _v) in self._by_key})
