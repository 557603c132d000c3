"""(workflow name, version) -> a validated definition with its one compiled Machine.

One `transitions.Machine(model=None)` per workflow version is built once and fired for
every case row: building machines per request would cost more than the database write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from transitions import EventData, Machine

from engine.errors import WorkflowDefinitionError
from engine.spec import Ctx, Guard, Transition, Workflow, validate


def _guard_condition(g: Guard):
    def condition(event: EventData) -> bool:
        ctx: Ctx = event.kwargs["ctx"]
        reason = g.check(ctx.case, ctx)
        if reason is None:
            return True
        ctx.rejections.append((g.name, reason))
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
    spec: Workflow
    machine: Machine

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

    def register(self, wf: Workflow) -> CompiledWorkflow:
        validate(wf)
        key = (wf.name, wf.version)
        if key in self._by_key:
            raise WorkflowDefinitionError(f"workflow {wf.name} v{wf.version} registered twice")
        compiled = CompiledWorkflow(spec=wf, machine=compile_machine(wf))
        self._by_key[key] = compiled
        return compiled

    def get(self, name: str, version: int | None = None) -> CompiledWorkflow:
        if version is None:
            return self.latest(name)
        try:
            return self._by_key[(name, version)]
        except KeyError:
            raise KeyError(f"unknown workflow {name} v{version}") from None

    def latest(self, name: str) -> CompiledWorkflow:
        versions = [v for (n, v) in self._by_key if n == name]
        if not versions:
            raise KeyError(f"unknown workflow {name}")
        return self._by_key[(name, max(versions))]

    def all(self) -> list[CompiledWorkflow]:
        return [self._by_key[k] for k in sorted(self._by_key)]

    def names(self) -> list[str]:
        return sorted({n for (n, _v) in self._by_key})
