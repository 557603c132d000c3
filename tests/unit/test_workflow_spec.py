"""The spec rejects inconsistent workflow tables at registry time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import WorkflowDefinitionError
from engine.registry import Registry
from engine.spec import SYSTEM, State, TaskSpec, Timer, Transition, Workflow, validate
from tests.sample_workflow import SAMPLE


def _wf(states, transitions, timers=(), tasks=()):
    return Workflow("t", 1, "T", tuple(states), tuple(transitions), tuple(timers), tuple(tasks))


A = State("a", "A", initial=True)
B = State("b", "B", final=True)


def test_sample_workflow_is_valid_and_compiles_once():
    reg = Registry()
    compiled = reg.register(SAMPLE)
    assert reg.get("sample", 1) is compiled
    assert reg.latest("sample") is compiled
    with pytest.raises(WorkflowDefinitionError, match="registered twice"):
        reg.register(SAMPLE)


def test_unreachable_state_is_an_error():
    c = State("c", "C", final=True)
    with pytest.raises(WorkflowDefinitionError, match="'c' is unreachable"):
        validate(_wf([A, B, c], [Transition("go", "a", "b", by=("x",))]))


def test_dead_end_is_an_error():
    c = State("c", "C")
    with pytest.raises(WorkflowDefinitionError, match="'c' is a dead end"):
        validate(_wf([A, B, c], [Transition("go", "a", "b", by=("x",)), Transition("c", "a", "c", by=("x",))]))


def test_timer_with_unknown_trigger_is_an_error():
    with pytest.raises(WorkflowDefinitionError, match="cannot fire"):
        validate(_wf([A, B], [Transition("go", "a", "b", by=("x",))],
                     timers=[Timer(in_state="a", fire="nope", after=timedelta(days=1))]))


def test_timer_trigger_must_be_allowed_for_system():
    with pytest.raises(WorkflowDefinitionError, match="may not be fired by SYSTEM"):
        validate(_wf([A, B], [Transition("go", "a", "b", by=("x",))],
                     timers=[Timer(in_state="a", fire="go", after=timedelta(days=1))]))
    validate(_wf([A, B], [Transition("go", "a", "b", by=("x", SYSTEM))],
                 timers=[Timer(in_state="a", fire="go", after=timedelta(days=1))]))


def test_duplicate_unguarded_trigger_from_one_state_is_ambiguous():
    c = State("c", "C", final=True)
    with pytest.raises(WorkflowDefinitionError, match="ambiguous"):
        validate(_wf([A, B, c], [Transition("go", "a", "b", by=("x",)), Transition("go", "a", "c", by=("x",))]))


def test_task_in_unknown_state_is_an_error():
    with pytest.raises(WorkflowDefinitionError, match="unknown state 'zz'"):
        validate(_wf([A, B], [Transition("go", "a", "b", by=("x",))],
                     tasks=[TaskSpec(on_enter="zz", role="x", title="t")]))


def test_transition_without_roles_is_an_error():
    with pytest.raises(WorkflowDefinitionError, match="no role may fire"):
        validate(_wf([A, B], [Transition("go", "a", "b")]))


def test_exactly_one_initial_state():
    with pytest.raises(WorkflowDefinitionError, match="exactly one initial"):
        validate(_wf([State("a", "A"), B], [Transition("go", "a", "b", by=("x",))]))
