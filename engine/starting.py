"""Which workflows may be started on their own, and the reason when one may not.

Some cases only make sense as the consequence of an action in another case: a candidate's
plan exists because of a hire, whose checks (candidate registered, Harrie of that employer,
contract hours, one running plan per candidate) are what make the plan legitimate. Such a
workflow declares `started_by=(workflow, trigger)`; every direct start is refused here, and
`runtime.create_case` refuses to create one without a parent case, whatever path asked.
"""

from __future__ import annotations

from engine.errors import StartRefused
from engine.registry import Registry


def start_refusal(registry: Registry, workflow: str) -> StartRefused | None:
    """The error a direct start of `workflow` gets, or None when it may be started directly."""
    try:
        spec = registry.latest(workflow).spec
    except KeyError:
        return None  # unknown workflows are the caller's NotFound
    if spec.started_by is None:
        return None
    parent_name, trigger = spec.started_by
    action, parent = trigger, parent_name
    try:
        parent_spec = registry.latest(parent_name).spec
    except KeyError:
        pass
    else:
        parent = parent_spec.label.lower()
        action = next((t.label for t in parent_spec.transitions if t.trigger == trigger and t.label), trigger)
    return StartRefused(
        f"Een {spec.label.lower()} start u niet los: het begint met de actie ‘{action}’ in een {parent}.",
        workflow=workflow, started_by=f"{parent_name}.{trigger}",
    )


def refuse_direct_start(registry: Registry, workflow: str) -> None:
    """Raise StartRefused when `workflow` may only be started by an action in another case."""
    refusal = start_refusal(registry, workflow)
    if refusal is not None:
        raise refusal


def started_by_actions(registry: Registry) -> list[str]:
    """The registered workflows only an action in another case starts."""
    return sorted({c.spec.name for c in registry.all() if c.spec.started_by is not None})
