"""The invariant checker (`jobtraject check`) passes a sound database and names each kind of loss."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import update
from sqlalchemy.engine import make_url

from engine.jobs.outbox import OutboxSweep, SmtpSettings
from engine.jobs.timers import TimerSweep
from engine.ops.invariants import check_all
from engine.registry import Registry
from engine.services import Services
from engine.store.models import AuditEntry, OutboxMessage, Timer
from tests.helpers import make_org, make_user
from tests.timer_workflow import EVALUATION
from webui import create_app
from webui.cli import main
from workflows.domain.roles import JOB


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.register(EVALUATION)
    return reg


@pytest.fixture
def world(db, registry, clock, smtp_server):
    """Three cases: one evaluated by its timer (with a mail sent), one waiting, one withdrawn."""
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    services = Services(db=db, registry=registry, clock=clock)
    now = clock.now()
    fired = services.start_case(coach, "evaluation", {"evaluate_at": now.isoformat(), "coach_id": coach.user_id,
                                                       "mail_coach": True}, organisation_id=org)
    waiting = services.start_case(coach, "evaluation", {"evaluate_at": (now + timedelta(days=2)).isoformat()},
                                  organisation_id=org)
    withdrawn = services.start_case(coach, "evaluation", {"evaluate_at": now.isoformat()}, organisation_id=org)
    services.fire_trigger(coach, withdrawn.id, "withdraw", request_id="req-withdraw")
    TimerSweep(db, registry, clock, worker_id="t").sweep()
    OutboxSweep(db, clock, SmtpSettings(port=smtp_server.port, timeout=5), worker_id="m").sweep()
    return services, {"fired": fired.id, "waiting": waiting.id, "withdrawn": withdrawn.id}


def problems(db, registry, clock, **kw) -> list[str]:
    return check_all(db, registry, clock.now(), grace=timedelta(0), **kw).problems


def test_a_sound_database_passes_every_invariant(db, registry, clock, world, smtp_server):
    report = check_all(db, registry, clock.now(), grace=timedelta(0), acknowledged=["req-withdraw"],
                       delivered_message_ids=[m.message["Message-ID"] for m in smtp_server.messages])
    assert report.ok, report.lines()
    assert report.check("timers").figures == {"fired": 1, "pending": 1, "cancelled": 1}
    assert report.check("outbox").figures == {"sent": 1, "ontvangen": 1, "dubbel ontvangen": 0}
    assert report.check("audit").figures == {"zaken": 3}


def test_a_timer_marked_fired_without_its_effect_is_reported(db, registry, clock, world):
    _, ids = world
    with db.write() as s:
        s.execute(update(Timer).where(Timer.case_id == ids["withdrawn"]).values(status="fired"))
    assert problems(db, registry, clock) == [
        f"timers: timer 3 (zaak {ids['withdrawn']}) is fired but has 0 effects"]


def test_a_due_timer_nobody_fired_and_a_dead_workers_lease_are_reported(db, registry, clock, world):
    _, ids = world
    clock.advance(timedelta(days=3))
    assert problems(db, registry, clock) == [
        f"timers: timer 2 (zaak {ids['waiting']}) was due at {(clock.now() - timedelta(days=1)).isoformat()} "
        "and was never fired"]
    with db.write() as s:
        s.execute(update(Timer).where(Timer.id == 2).values(status="claimed", locked_by="dead",
                                                              lease_until=clock.now() - timedelta(minutes=5)))
    assert problems(db, registry, clock) == [
        f"timers: timer 2 (zaak {ids['waiting']}) is held under an expired lease"]
    # Within the grace period a sweep may still come: no problem yet.
    assert check_all(db, registry, clock.now(), grace=timedelta(minutes=10)).ok


def test_mail_that_never_went_out_or_arrived_unsent_is_reported(db, registry, clock, world, smtp_server):
    with db.write() as s:
        s.execute(update(OutboxMessage).values(status="pending", next_attempt_at=clock.now() - timedelta(hours=1),
                                               created_at=clock.now() - timedelta(hours=1)))
    found = problems(db, registry, clock)
    assert found == ["outbox: mail 1 has waited longer than 0 s"]
    mid = smtp_server.messages[0].message["Message-ID"]
    found = problems(db, registry, clock, delivered_message_ids=[mid, mid, "<stranger@x>"])
    assert f"outbox: mail {mid} arrived but is not marked sent" in found
    assert "outbox: mail <stranger@x> arrived but is not in the outbox" in found


def test_an_acknowledged_request_without_its_audit_row_is_reported(db, registry, clock, world):
    assert problems(db, registry, clock, acknowledged=["req-withdraw", "req-lost"]) == [
        "bevestigd: acknowledged request req-lost has no audit row"]


def test_a_broken_foreign_key_on_sqlite_is_reported(db, registry, clock, world):
    if not db.sqlite:  # PostgreSQL enforces foreign keys itself: the check says so
        assert check_all(db, registry, clock.now()).check("opslag").skipped
        return
    raw = sqlite3.connect(make_url(db.url).database)  # foreign keys are off by default
    raw.execute("UPDATE task SET case_id = 999 WHERE id = 1")
    raw.commit()
    raw.close()
    assert problems(db, registry, clock) == ["opslag: task row 1 points to a missing wf_case"]


def test_jobtraject_check_says_ok_or_fails_with_the_problem(db_url, db, clock, registry):
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True}, clock=clock)
    app.extensions["jobtraject"].registry.register(EVALUATION)
    run = lambda: CliRunner().invoke(main, ["check"], obj=ScriptInfo(create_app=lambda: app))  # noqa: E731
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    Services(db=db, registry=registry, clock=clock).start_case(
        coach, "evaluation", {"evaluate_at": clock.now().isoformat()}, organisation_id=org)
    result = run()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "OK: niets verloren, niets dubbel."
    clock.advance(timedelta(hours=1))  # the timer is due and no scheduler ran: past the grace period
    result = run()
    assert result.exit_code == 1
    assert "timers: FOUT" in result.output and "was never fired" in result.output
    with db.write() as s:
        s.execute(update(AuditEntry).values(reason="rewritten"))
    assert "hash does not match" in run().output
    app.extensions["jobtraject"].db.dispose()
