"""A migration never overwrites a transition that commits while it runs: it waits, then migrates what is there."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.ops.case_migration import migrate_case
from engine.ops.invariants import check_all
from engine.runtime import apply_transition, load_case
from engine.spec import SYSTEM_ACTOR
from engine.store.models import AuditEntry, Case
from engine.versioning import MIGRATION_TRIGGER
from tests.plan_v2 import MIGRATION, deploy_v2
from tests.plan_world import make_world, run_due_timers
from workflows.domain import candidate_plan as plan
from workflows.domain.rules import add_months

START = date(2026, 11, 30)


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


def test_a_phase_change_that_commits_while_the_migration_waits_is_migrated_not_overwritten(world, db):
    case = world.start(START)
    world.clock.set(plan.local_midnight(add_months(START, 3)) - timedelta(hours=1))  # the evening before 'vervolg'
    run_due_timers(world.services, world.clock.now())
    deploy_v2(world.services.registry)
    registry, now = world.services.registry, world.clock.now()
    holding, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def phase_change() -> None:
        with db.write() as s:
            row = load_case(s, case.id, lock=not db.sqlite)
            apply_transition(s, registry, row, "begin_vervolg", SYSTEM_ACTOR, now, {})
            holding.set()
            release.wait(10)

    def migrate() -> None:
        outcome["result"] = migrate_case(db, registry, MIGRATION, case.id, now)

    changer = threading.Thread(target=phase_change)
    changer.start()
    assert holding.wait(10)
    migrator = threading.Thread(target=migrate)
    migrator.start()
    migrator.join(0.5)
    assert migrator.is_alive() and not outcome  # it waits for the phase change's transaction
    release.set()
    changer.join(10)
    migrator.join(20)

    assert outcome["result"].status == "migrated"
    assert (outcome["result"].plan.from_state, outcome["result"].plan.to_state) == ("vervolg", "vervolg_evaluaties")
    with db.read() as s:
        migrated = s.get(Case, case.id)
        trail = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.seq)).all()
    assert (migrated.state, migrated.workflow_version) == ("vervolg_evaluaties", 2)
    assert [(e.trigger, e.from_state, e.to_state) for e in trail[-2:]] == [
        ("begin_vervolg", "actieplan", "vervolg"), (MIGRATION_TRIGGER, "vervolg", "vervolg_evaluaties")]
    report = check_all(db, registry, now)
    assert report.ok, report.problems
