"""One transition is one atomic, audited step; every refusal leaves the database unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.audit import verify_all
from engine.errors import (
    CaseNotFound,
    GuardRejected,
    InvalidPayload,
    NotFound,
    NotPermitted,
    StaleCase,
    TransitionNotAllowed,
    UnknownTrigger,
)
from engine.registry import Registry
from engine.services import Services
from engine.spec import SYSTEM_ACTOR
from engine.store.models import AuditEntry, Case, Task, Timer
from tests.helpers import count, make_org, make_user, snapshot
from tests.sample_workflow import BOSS, CLERK, SAMPLE


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.register(SAMPLE)
    return reg


@pytest.fixture
def world(db, registry, clock):
    org = make_org(db)
    other = make_org(db, "Garage Van Dijk")
    clerk = make_user(db, org, CLERK, "clerk@example.nl")
    boss = make_user(db, org, BOSS, "boss@example.nl")
    outsider = make_user(db, other, BOSS, "boss@garage.nl")
    services = Services(db=db, registry=registry, clock=clock)
    case = services.start_case(clerk, "sample", {"title": "dossier"}, organisation_id=org)
    return services, case, clerk, boss, outsider


def test_starting_a_case_writes_first_audit_row_and_opens_tasks(world, db):
    services, case, clerk, *_ = world
    assert case.state == "intake"
    trail = services.audit_trail(clerk, case.id)
    assert [(e.seq, e.trigger, e.from_state, e.to_state) for e in trail] == [(1, "start", None, "intake")]
    with db.read() as s:
        task = s.scalars(select(Task).where(Task.case_id == case.id)).one()
    assert task.key == "collect" and task.status == "open" and task.due_at is not None


def test_transition_changes_state_audits_and_moves_tasks_and_timers(world, db, clock):
    services, case, clerk, boss, _ = world
    services.fire_trigger(clerk, case.id, "record", {"handler": "Sanne", "amount": 5})
    after = services.fire_trigger(clerk, case.id, "submit")
    assert after.state == "review"
    trail = services.audit_trail(clerk, case.id)
    assert [(e.trigger, e.from_state, e.to_state) for e in trail] == [
        ("start", None, "intake"), ("record", "intake", "intake"), ("submit", "intake", "review")]
    assert trail[1].payload == {"handler": "Sanne", "amount": 5}
    with db.read() as s:
        tasks = {t.key: t for t in s.scalars(select(Task).where(Task.case_id == case.id))}
        timers = s.scalars(select(Timer).where(Timer.case_id == case.id)).all()
    assert tasks["collect"].status == "done" and tasks["collect"].completed_by_id == clerk.user_id
    assert tasks["review"].status == "open"
    assert tasks["review"].remind_before == [int(timedelta(days=2).total_seconds())]
    assert [(t.trigger, t.status) for t in timers] == [("expire", "pending")]
    assert timers[0].due_at.replace(tzinfo=None) == (clock.now() + timedelta(days=10)).replace(tzinfo=None)


def test_leaving_a_state_cancels_its_pending_timers(world, db):
    services, case, clerk, boss, _ = world
    services.fire_trigger(clerk, case.id, "record", {"handler": "Sanne"})
    services.fire_trigger(clerk, case.id, "submit")
    services.fire_trigger(boss, case.id, "back")
    with db.read() as s:
        statuses = s.scalars(select(Timer.status).where(Timer.case_id == case.id)).all()
    assert statuses == ["cancelled"]


def test_stop_needs_a_reason_and_reopen_returns_to_the_phase_it_left(world, db, registry):
    services, case, clerk, boss, _ = world
    services.fire_trigger(clerk, case.id, "record", {"handler": "Sanne"})
    services.fire_trigger(clerk, case.id, "submit")
    before = snapshot(db)
    with pytest.raises(InvalidPayload):
        services.fire_trigger(boss, case.id, "stop")
    assert snapshot(db) == before
    stopped = services.fire_trigger(boss, case.id, "stop", reason="bedrijf trekt zich terug")
    assert stopped.state == "stopped" and stopped.closed_at is not None
    with db.read() as s:
        assert s.scalars(select(Task.status).where(Task.key == "review")).one() == "cancelled"
    reopened = services.fire_trigger(boss, case.id, "reopen")
    assert reopened.state == "review" and reopened.closed_at is None
    with db.read() as s:
        checked, problems = verify_all(s, registry)
    assert checked == 1 and problems == []


def test_failed_guard_gives_its_reason_and_changes_nothing(world, db):
    services, case, clerk, *_ = world
    before = snapshot(db)
    with pytest.raises(GuardRejected, match="Er is nog geen behandelaar aangewezen"):
        services.fire_trigger(clerk, case.id, "submit")
    assert snapshot(db) == before


def test_impossible_transition_names_state_and_allowed_triggers(world, db):
    services, case, clerk, *_ = world
    before = snapshot(db)
    with pytest.raises(TransitionNotAllowed) as info:
        services.fire_trigger(clerk, case.id, "approve")
    assert info.value.state == "intake"
    assert info.value.allowed == ["record", "submit", "stop"]
    assert "Intake" in info.value.message
    assert snapshot(db) == before


def test_unknown_trigger_changes_nothing(world, db):
    services, case, clerk, *_ = world
    before = snapshot(db)
    with pytest.raises(UnknownTrigger):
        services.fire_trigger(clerk, case.id, "explode")
    assert snapshot(db) == before


def test_role_that_may_not_fire_gets_not_permitted(world, db):
    services, case, clerk, boss, _ = world
    services.fire_trigger(clerk, case.id, "record", {"handler": "Sanne"})
    before = snapshot(db)
    with pytest.raises(NotPermitted):
        services.fire_trigger(boss, case.id, "submit")
    assert snapshot(db) == before


def test_other_organisation_and_unknown_ids_look_the_same(world, db):
    services, case, clerk, boss, outsider = world
    before = snapshot(db)
    for actor, case_id in [(outsider, case.id), (clerk, 999_999), (clerk, "1")]:
        with pytest.raises(CaseNotFound):
            services.fire_trigger(actor, case_id, "record", {"handler": "x"})
    with pytest.raises(CaseNotFound):
        services.get_case(outsider, case.id)
    assert snapshot(db) == before


def test_stale_expected_version_is_refused(world, db):
    services, case, clerk, *_ = world
    services.fire_trigger(clerk, case.id, "record", {"handler": "A"}, expected_version=case.version)
    before = snapshot(db)
    with pytest.raises(StaleCase):
        services.fire_trigger(clerk, case.id, "record", {"handler": "B"}, expected_version=case.version)
    assert snapshot(db) == before


def test_malformed_payload_is_refused_without_writing(world, db):
    services, case, clerk, *_ = world
    before = snapshot(db)
    with pytest.raises(InvalidPayload) as info:
        services.fire_trigger(clerk, case.id, "record", {"amount": "veel", })
    assert info.value.errors == {"amount": "Vul een getal in"}
    with pytest.raises(InvalidPayload):
        services.fire_trigger(clerk, case.id, "record", {"bogus": 1})
    with pytest.raises(InvalidPayload):
        services.fire_trigger(clerk, case.id, "record", {"note": "nul\x00byte"})
    assert snapshot(db) == before


def test_available_triggers_explain_what_is_not_possible_yet(world):
    services, case, clerk, *_ = world
    options = {o.trigger: o for o in services.triggers_for(clerk, case.id)}
    assert set(options) == {"record", "submit", "stop"}
    assert options["submit"].allowed is False
    assert options["submit"].reason == "Er is nog geen behandelaar aangewezen"
    assert options["record"].allowed is True


def test_system_actor_fires_timer_triggers(world, db):
    services, case, clerk, boss, _ = world
    services.fire_trigger(clerk, case.id, "record", {"handler": "A"})
    services.fire_trigger(clerk, case.id, "submit")
    after = services.fire_trigger(SYSTEM_ACTOR, case.id, "expire")
    assert after.state == "intake"
    assert count(db, AuditEntry, AuditEntry.case_id == case.id, AuditEntry.actor_role == "system") == 1


def test_tampering_with_the_audit_trail_is_detected(world, db, registry):
    services, case, clerk, *_ = world
    services.fire_trigger(clerk, case.id, "record", {"handler": "A"})
    with db.write() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        entry.payload = {"handler": "B"}
    with db.read() as s:
        _, problems = verify_all(s, registry)
    assert [p.problem for p in problems] == ["entry 2: hash does not match its content"]


def test_state_changed_behind_the_engines_back_is_detected(world, db, registry):
    services, case, *_ = world
    with db.write() as s:
        s.get(Case, case.id).state = "done"
    with db.read() as s:
        _, problems = verify_all(s, registry)
    assert any("differs from last audit entry" in p.problem for p in problems)


def test_starting_an_unknown_workflow_is_a_clear_error_and_writes_nothing(world, db):
    services, case, clerk, *_ = world
    before = snapshot(db)
    with pytest.raises(NotFound, match="Onbekend werkproces"):
        services.start_case(clerk, "bestaat_niet", {}, organisation_id=clerk.organisation_id)
    assert snapshot(db) == before
