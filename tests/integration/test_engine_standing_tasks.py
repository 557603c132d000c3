"""Standing tasks (`TaskSpec(on_enter=ANY_STATE, when=...)`) follow the case's data, not its phase."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine.clock import ensure_utc
from engine.errors import WorkflowDefinitionError
from engine.registry import Registry
from engine.services import Services
from engine.spec import ANY_STATE, CaseView, Ctx, State, TaskSpec, Transition, Workflow, validate
from engine.store.models import Task
from tests.helpers import make_org, make_user

CLERK = "clerk"
BOSS = "boss"


def _set(ctx: Ctx) -> None:
    ctx.data.update(ctx.payload)


def _needs_signature(case: CaseView) -> bool:
    return bool(case.data.get("offered")) and not case.data.get("signed")


def _sign_by(case: CaseView, now: datetime) -> datetime:
    return datetime.fromisoformat(case.data["offered"]) + timedelta(days=case.data.get("days", 7))


STANDING = Workflow(
    name="standing", version=1, label="Staande taken",
    states=(State("a", "A", initial=True), State("b", "B"), State("done", "Klaar", final=True),
            State("stopped", "Gestopt", final=True)),
    transitions=(
        Transition("set", ("a", "b"), None, by=(CLERK, BOSS), effect=_set),
        Transition("next", "a", "b", by=(CLERK,)),
        Transition("finish", "b", "done", by=(CLERK,)),
        Transition("stop", ("a", "b"), "stopped", by=(BOSS,), cancels_tasks=True),
    ),
    tasks=(
        TaskSpec(ANY_STATE, BOSS, "Ondertekenen", key="sign", when=_needs_signature, due=_sign_by),
        TaskSpec("a", CLERK, "Fase A afmaken", key="phase_a"),
    ),
)


@pytest.fixture
def world(db, clock):
    registry = Registry()
    registry.register(STANDING)
    org = make_org(db)
    clerk = make_user(db, org, CLERK, "clerk@example.nl")
    boss = make_user(db, org, BOSS, "boss@example.nl")
    services = Services(db=db, registry=registry, clock=clock)
    return services, org, clerk, boss


def _tasks(db, case_id: int) -> list[tuple[str, str, str]]:
    with db.read() as s:
        return [(t.key, t.state, t.status) for t in s.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id))]


def test_standing_task_opens_when_its_condition_holds_and_survives_state_changes(world, db):
    services, org, clerk, boss = world
    case = services.start_case(clerk, "standing", {"offered": "2026-11-23T08:00:00+00:00"}, organisation_id=org)
    assert _tasks(db, case.id) == [("phase_a", "a", "open"), ("sign", ANY_STATE, "open")]
    services.fire_trigger(clerk, case.id, "next")
    assert _tasks(db, case.id) == [("phase_a", "a", "done"), ("sign", ANY_STATE, "open")]


def test_standing_task_closes_as_done_by_the_actor_when_its_condition_stops_holding(world, db):
    services, org, clerk, boss = world
    case = services.start_case(clerk, "standing", {}, organisation_id=org)
    assert ("sign", ANY_STATE, "open") not in _tasks(db, case.id)
    services.fire_trigger(clerk, case.id, "set", {"offered": "2026-11-23T08:00:00+00:00"})
    assert ("sign", ANY_STATE, "open") in _tasks(db, case.id)
    services.fire_trigger(boss, case.id, "set", {"signed": True})
    with db.read() as s:
        task = s.scalars(select(Task).where(Task.case_id == case.id, Task.key == "sign")).one()
    assert task.status == "done" and task.completed_by_id == boss.user_id


def test_standing_task_due_date_follows_the_data(world, db):
    services, org, clerk, boss = world
    case = services.start_case(clerk, "standing", {"offered": "2026-11-23T08:00:00+00:00"}, organisation_id=org)
    services.fire_trigger(clerk, case.id, "set", {"days": 10})
    with db.read() as s:
        rows = s.scalars(select(Task).where(Task.case_id == case.id, Task.key == "sign")).all()
    assert len(rows) == 1
    assert ensure_utc(rows[0].due_at) == datetime.fromisoformat("2026-12-03T08:00:00+00:00")


def test_standing_tasks_close_on_a_final_state_cancelled_when_the_transition_cancels(world, db):
    services, org, clerk, boss = world
    done = services.start_case(clerk, "standing", {"offered": "2026-11-23T08:00:00+00:00"}, organisation_id=org)
    services.fire_trigger(clerk, done.id, "next")
    services.fire_trigger(clerk, done.id, "finish")
    assert ("sign", ANY_STATE, "done") in _tasks(db, done.id)
    stopped = services.start_case(clerk, "standing", {"offered": "2026-11-23T08:00:00+00:00"}, organisation_id=org)
    services.fire_trigger(boss, stopped.id, "stop")
    assert _tasks(db, stopped.id) == [("phase_a", "a", "cancelled"), ("sign", ANY_STATE, "cancelled")]


def test_a_standing_task_key_may_be_declared_only_once():
    twice = Workflow(
        name="t", version=1, label="T", states=STANDING.states, transitions=STANDING.transitions,
        tasks=(TaskSpec(ANY_STATE, BOSS, "x", key="k"), TaskSpec(ANY_STATE, CLERK, "y", key="k")),
    )
    with pytest.raises(WorkflowDefinitionError, match="declared twice"):
        validate(twice)
