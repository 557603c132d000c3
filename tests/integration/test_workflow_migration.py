"""Running plans meet version 2: `jobtraject workflows migrate` lists, then moves, each running case.

Plans start on version 1; version 2 is deployed mid-year (tests/plan_v2.py says what it
changes). The dry run lists per case what would change and changes nothing; the run moves
each case in its own transaction with one audit row; a paused plan, whose state version 2
renamed without a mapping, is refused with its reason and left as it was. The migrated
plan then finishes its year on version 2 with every milestone opened exactly once.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from engine.audit import verify_all
from engine.clock import ensure_utc
from engine.registry import Registry
from engine.store.models import AuditEntry, Case, Task, Timer
from engine.versioning import MIGRATION_TRIGGER
from engine.workdays import add_working_days
from tests.helpers import T0
from tests.plan_v2 import BRIEFING, OPENS_AT, PLAN_V2, deploy_v2
from tests.plan_world import PARENT, make_world, run_due_timers
from webui import create_app
from webui.cli import main
from webui.filters import nl_datetime
from workflows.domain import candidate_plan as plan
from workflows.domain.rules import add_months
from workflows.storage.models import Candidate

START = date(2026, 11, 30)
MIGRATION_DAY = add_months(START, 5) + timedelta(days=10)  # plan A is in its follow-up phase
REFUSAL = "Fase 'gepauzeerd' bestaat niet in versie 2 en de migratie zegt niet naar welke fase een zaak daarin gaat."
MIGRATE = ["workflows", "migrate", "candidate_plan", "--from", "1", "--to", "2"]


@pytest.fixture
def world(db, clock):
    return make_world(db, clock)


@pytest.fixture
def app(db_url, world):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True}, clock=world.clock)
    app.extensions["jobtraject"].registry.register(PARENT)  # the stand-in trajectory that hires the plans
    yield app
    app.extensions["jobtraject"].db.dispose()


def cli(app, *args: str):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def _drive(world, until: date) -> None:
    """Advance one Dutch day at a time, sweeping timers at midnight and at 07:00."""
    day = world.clock.now().astimezone(plan.AMSTERDAM).date() + timedelta(days=1)
    while day <= until:
        for moment in (plan.local_midnight(day), _at_seven(day)):
            world.clock.set(moment)
            run_due_timers(world.services, moment)
        day += timedelta(days=1)
    world.clock.set(plan.local_midnight(until))


def _at_seven(day: date) -> datetime:
    return datetime.combine(day, OPENS_AT, plan.AMSTERDAM)


def _third_candidate(world) -> int:
    with world.db.write() as s:
        c = Candidate(first_name="Noor", last_name="Bakker", created_at=T0)
        s.add(c)
        s.flush()
        return c.id


def _rows(s, model, case_id: int) -> list[tuple]:
    table = model.__table__
    return [tuple(r) for r in s.execute(select(table).where(table.c.case_id == case_id).order_by(table.c.id))]


def _case_row(s, case_id: int) -> tuple:
    return tuple(s.execute(select(Case.__table__).where(Case.id == case_id)).one())


def _expected_lines(s, case_id: int, from_state: str, to_state: str, now: datetime) -> list[str]:
    """What the listing must say about one case, derived from its rows before the migration."""
    pending = s.execute(select(Timer.name, Timer.due_at).where(Timer.case_id == case_id, Timer.status == "pending")
                        .order_by(Timer.name)).all()
    open_tasks = s.scalar(select(Task.id).where(Task.case_id == case_id, Task.status == "open").limit(1))
    n_open = len(s.scalars(select(Task.id).where(Task.case_id == case_id, Task.status == "open")).all())
    lines = [f"zaak {case_id}: fase {from_state}" + (f" -> {to_state}" if to_state != from_state else "")]
    if to_state == BRIEFING.on_enter:
        lines.append(f"  + taak {BRIEFING.key} ({BRIEFING.title}), vervalt {nl_datetime(add_working_days(now, 5))}")
    moved = [t for t in pending if t.name.startswith("open_")]
    for t in moved:
        old = ensure_utc(t.due_at)
        lines.append(f"  ~ timer {t.name}: {nl_datetime(old)} -> "
                     f"{nl_datetime(_at_seven(old.astimezone(plan.AMSTERDAM).date()))}")
    kept = [f"{len(pending) - len(moved)} timer(s)"] if len(pending) > len(moved) else []
    kept += [f"{n_open} taak(s)"] if open_tasks else []
    if kept:
        lines.append(f"  = ongewijzigd: {', '.join(kept)}")
    return lines


def _opened(trail: list[AuditEntry]) -> dict[str, list[datetime]]:
    out: dict[str, list[datetime]] = {}
    for e in trail:
        if e.trigger.startswith("open_"):
            out.setdefault(e.trigger.removeprefix("open_"), []).append(ensure_utc(e.at))
    return out


def test_a_plan_migrated_mid_year_finishes_its_year_on_version_2_with_every_milestone_opened_once(world, app, db):
    a = world.start(START)
    b = world.start(START, candidate_id=world.second_candidate_id)
    c = world.start(add_months(START, 3), candidate_id=_third_candidate(world))
    _drive(world, START + timedelta(days=40))
    world.plans.pause(world.job, b.id, reason="ziekte")
    _drive(world, MIGRATION_DAY)
    deploy_v2(world.services.registry, app.extensions["jobtraject"].registry)
    now = world.clock.now()
    with db.read() as s:
        assert [s.get(Case, i).state for i in (a.id, b.id, c.id)] == ["vervolg", "gepauzeerd", "actieplan"]
        listing = [
            *_expected_lines(s, a.id, "vervolg", "vervolg_evaluaties", now),
            f"zaak {b.id} (gepauzeerd): GEWEIGERD - {REFUSAL}",
            *_expected_lines(s, c.id, "actieplan", "actieplan", now),
        ]
        paused_before = (_case_row(s, b.id), _rows(s, Timer, b.id), _rows(s, Task, b.id))
    assert any(line.startswith("  ~ timer open_evaluatie_") for line in listing)
    title = "Migratie candidate_plan versie 1 -> 2: evaluaties openen om 07:00; fase 'vervolg' heet 'vervolg_evaluaties'"

    dry = cli(app, *MIGRATE, "--dry-run")
    assert dry.exit_code == 1, dry.output  # one plan cannot be migrated
    assert dry.output.splitlines() == [
        title, *listing, "Proefdraai: 2 zaak/zaken te migreren, 1 geweigerd; er is niets gewijzigd."]

    run = cli(app, *MIGRATE)
    assert run.exit_code == 1, run.output
    assert run.output.splitlines() == [
        title, *listing, "2 zaak/zaken gemigreerd, 1 geweigerd, 0 mislukt, 0 overgeslagen."]
    with db.read() as s:
        cases = {i: s.get(Case, i) for i in (a.id, b.id, c.id)}
        assert [(cases[i].workflow_version, cases[i].state) for i in (a.id, b.id, c.id)] == [
            (2, "vervolg_evaluaties"), (1, "gepauzeerd"), (2, "actieplan")]
        assert (_case_row(s, b.id), _rows(s, Timer, b.id), _rows(s, Task, b.id)) == paused_before
        last = s.scalars(select(AuditEntry).where(AuditEntry.case_id == a.id).order_by(AuditEntry.seq.desc())).first()
        assert (last.trigger, last.actor_role, last.from_state, last.to_state, last.payload) == (
            MIGRATION_TRIGGER, "system", "vervolg", "vervolg_evaluaties", {"from_version": 1, "to_version": 2})
    again = cli(app, *MIGRATE)  # only the paused plan is still on version 1
    assert again.output.splitlines()[1:] == [f"zaak {b.id} (gepauzeerd): GEWEIGERD - {REFUSAL}",
                                             "0 zaak/zaken gemigreerd, 1 geweigerd, 0 mislukt, 0 overgeslagen."]

    last_day = add_months(START, 12) - timedelta(days=1)
    _drive(world, last_day)
    world.clock.advance(timedelta(hours=12))

    with db.read() as s:
        trail = s.scalars(select(AuditEntry).where(AuditEntry.case_id == a.id).order_by(AuditEntry.seq)).all()
        trail_c = s.scalars(select(AuditEntry).where(AuditEntry.case_id == c.id).order_by(AuditEntry.seq)).all()
        tasks = s.scalars(select(Task).where(Task.case_id == a.id)).all()
        timers = s.scalars(select(Timer).where(Timer.case_id == a.id)).all()
        data_a, data_c = s.get(Case, a.id).data, s.get(Case, c.id).data
        state_a = s.get(Case, a.id).state
        checked, problems = verify_all(s, world.services.registry)
    assert problems == [] and checked == 6  # three plans and the stand-in trajectories that hired them

    # Plan A: every milestone opened exactly once, at midnight on version 1 and at 07:00 on version 2.
    milestones = plan.schedule(data_a)
    opened = _opened(trail)
    assert sorted(opened) == sorted(m.key for m in milestones)
    for m in milestones:
        expected = plan.local_midnight(m.opens_on) if m.opens_on <= MIGRATION_DAY else _at_seven(m.opens_on)
        assert opened[m.key] == [expected], m.key
    assert any(m.opens_on > MIGRATION_DAY for m in milestones)
    assert state_a == "afsluiting"
    assert ("begin_afsluiting", "vervolg_evaluaties", "afsluiting") in [
        (e.trigger, e.from_state, e.to_state) for e in trail]
    # Each milestone task once; the fired timers are exactly one per milestone and phase step.
    by_key = Counter(t.key for t in tasks)
    assert all(by_key[f"{m.key}:{role}"] == 1 for m in milestones for role, _ in plan.KIND_BY_KEY[m.key].roles)
    assert [t.status for t in tasks if t.key == BRIEFING.key] == ["done"]  # closed on leaving the phase
    assert [t for t in timers if t.status == "pending"] == []
    assert all(t.attempts == 1 for t in timers if t.status == "fired")
    assert len([t for t in timers if t.status == "fired"]) == len(milestones) + 6

    # Plan C (started three months later): what has fallen due so far opened once, the rest not yet.
    due_c = [m.key for m in plan.schedule(data_c) if m.opens_on <= last_day]
    assert {k: len(v) for k, v in _opened(trail_c).items()} == dict.fromkeys(due_c, 1)

    check = cli(app, "check")
    assert check.exit_code == 0, check.output
    assert cli(app, "audit", "verify").exit_code == 0


def test_a_dry_run_changes_nothing_in_the_database(world, app, db):
    first = world.start(START)
    world.start(START, candidate_id=world.second_candidate_id)
    world.clock.set(plan.local_midnight(MIGRATION_DAY))
    run_due_timers(world.services, world.clock.now())  # both plans catch up to month 5
    deploy_v2(world.services.registry, app.extensions["jobtraject"].registry)
    tables = [Case.__table__, AuditEntry.__table__, Timer.__table__, Task.__table__]

    def everything() -> list[list[tuple]]:
        with db.read() as s:
            return [[tuple(r) for r in s.execute(select(t).order_by(t.c.id))] for t in tables]

    before = everything()
    dry = cli(app, *MIGRATE, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"zaak {first.id}: fase vervolg -> vervolg_evaluaties" in dry.output.splitlines()
    assert dry.output.splitlines()[-1] == "Proefdraai: 2 zaak/zaken te migreren, 0 geweigerd; er is niets gewijzigd."
    assert everything() == before


def test_an_unknown_migration_is_refused_with_the_ones_that_exist(world, app):
    deploy_v2(app.extensions["jobtraject"].registry)
    result = cli(app, "workflows", "migrate", "candidate_plan", "--from", "2", "--to", "3", "--dry-run")
    assert result.exit_code == 1
    assert ("Er is geen migratie van candidate_plan versie 2 naar 3 geregistreerd "
            "(wel: candidate_plan 1->2).") in result.output


def test_a_migration_row_without_a_registered_migration_fails_audit_verification(world, app, db):
    case = world.start(START)
    world.clock.set(plan.local_midnight(MIGRATION_DAY))
    run_due_timers(world.services, world.clock.now())
    deploy_v2(world.services.registry, app.extensions["jobtraject"].registry)
    assert cli(app, *MIGRATE).exit_code == 0
    bare = Registry()  # both tables, but not the migration between them
    bare.register(plan.WORKFLOW)
    bare.register(PLAN_V2)
    bare.register(PARENT)
    with db.read() as s:
        assert verify_all(s, world.services.registry)[1] == []
        _, problems = verify_all(s, bare)
    assert [(p.case_id, p.problem.split(": ", 1)[-1]) for p in problems] == [
        (case.id, "no registered migration of candidate_plan from version 1 to 2"),
        (case.id, "case runs on version 2 but its trail ends on version 1"),
    ]
