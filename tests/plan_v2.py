"""A TEST-ONLY version 2 of the candidate plan and its migration from version 1.

What version 2 changes, as a deployment might:

- phase `vervolg` is renamed `vervolg_evaluaties`; the migration maps it;
- `gepauzeerd` is renamed `onderbroken` and the migration does not map it: a paused plan is
  refused (it stays on version 1 and is migrated after it resumes);
- a milestone's tasks open at 07:00 (Amsterdam) on its notice day instead of at midnight;
- entering the renamed phase opens a task for JoB to go through the new way of working.

The domain functions of version 1 look at `case.state` by its old names, so the renamed
tables hand them a view with the old name (`_as_v1`). Guards and effects are not wrapped:
pausing a plan after the migration is not part of these tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, time

from engine.spec import ANY_STATE, CaseView, TaskSpec, Timer, Transition, Workflow, WorkingDays
from engine.versioning import WorkflowMigration
from workflows.domain import candidate_plan as plan
from workflows.domain.roles import JOB

RENAMED = {"vervolg": "vervolg_evaluaties", "gepauzeerd": "onderbroken"}
BACK = {new: old for old, new in RENAMED.items()}
OPENS_AT = time(7, 0)
BRIEFING = TaskSpec("vervolg_evaluaties", JOB, "Nieuwe werkwijze evaluaties doornemen met de kandidaat",
                    key="werkwijze_v2", due=WorkingDays(5))


def _as_v1(view: CaseView) -> CaseView:
    return dataclasses.replace(view, state=BACK[view.state]) if view.state in BACK else view


def _name(state: str) -> str:
    return RENAMED.get(state, state)


def _wrap(fn: Callable | None) -> Callable | None:
    """A rule of version 1 (a function of the case view first) that sees the old state names."""
    if fn is None or not callable(fn):
        return fn

    def wrapped(view: CaseView, *args):
        return fn(_as_v1(view), *args)

    wrapped.__name__ = getattr(fn, "__name__", "rule")
    return wrapped


def _at_seven(fn: Callable) -> Callable[[CaseView, datetime], datetime | None]:
    def opens_at(view: CaseView, entered: datetime) -> datetime | None:
        midnight = fn(_as_v1(view), entered)
        if midnight is None:
            return None
        day = midnight.astimezone(plan.AMSTERDAM).date()
        return datetime.combine(day, OPENS_AT, plan.AMSTERDAM).astimezone(UTC)  # the engine stores UTC

    return opens_at


def _transition(t: Transition) -> Transition:
    if t.source == ANY_STATE:
        source: str | tuple[str, ...] = t.source
    else:
        source = _name(t.source) if isinstance(t.source, str) else tuple(_name(s) for s in t.source)
    return dataclasses.replace(t, source=source, dest=_name(t.dest) if t.dest else None)


def _timer(tm: Timer) -> Timer:
    after = _at_seven(tm.after) if tm.fire.startswith("open_") else _wrap(tm.after)
    return dataclasses.replace(tm, in_state=_name(tm.in_state), after=after)


def _task(ts: TaskSpec) -> TaskSpec:
    return dataclasses.replace(ts, on_enter=_name(ts.on_enter), due=_wrap(ts.due) if callable(ts.due) else ts.due,
                               when=_wrap(ts.when), assign_to=_wrap(ts.assign_to))


PLAN_V2: Workflow = dataclasses.replace(
    plan.WORKFLOW,
    version=2,
    states=tuple(dataclasses.replace(s, name=_name(s.name)) for s in plan.WORKFLOW.states),
    transitions=tuple(_transition(t) for t in plan.WORKFLOW.transitions),
    timers=tuple(_timer(tm) for tm in plan.WORKFLOW.timers),
    tasks=(*(_task(ts) for ts in plan.WORKFLOW.tasks), BRIEFING),
)

MIGRATION = WorkflowMigration(
    workflow=plan.NAME, from_version=1, to_version=2, states={"vervolg": "vervolg_evaluaties"},
    description="evaluaties openen om 07:00; fase 'vervolg' heet 'vervolg_evaluaties'",
)


def deploy_v2(*registries) -> None:
    """Register version 2 and its migration next to version 1, as a deployment does."""
    for registry in registries:
        registry.register(PLAN_V2)
        registry.register_migration(MIGRATION)
