"""`jobtraject incidents`, `incidents retry ID` and `worker --once` on a real database."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.registry import Registry
from engine.services import Services
from engine.store.models import OutboxMessage, Timer, WorkerHeartbeat
from tests.helpers import count, make_org, make_user
from tests.timer_workflow import EVALUATION
from webui.cli import main
from workflows.domain.roles import JOB


@pytest.fixture
def cli(db_url):
    runner = CliRunner()

    def run(*args: str, **env: str):
        return runner.invoke(main, list(args), env={"DATABASE_URL": db_url, **env}, catch_exceptions=False)

    return run


@pytest.fixture
def incidents(db, clock):
    registry = Registry()
    registry.register(EVALUATION)
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    case = Services(db=db, registry=registry, clock=clock).start_case(coach, "evaluation", {}, organisation_id=org)
    with db.write() as s:
        timer = s.scalars(select(Timer).where(Timer.case_id == case.id)).one()
        timer.status, timer.attempts, timer.last_error = "incident", 5, "GuardRejected: De evaluatie is geblokkeerd"
        mail = OutboxMessage(created_at=clock.now(), to_user_id=coach.user_id, to_addr="coach@job.example",
                             subject="Herinnering", body_text="tekst", message_id=f"<{uuid.uuid4().hex}@jobtraject>",
                             status="incident", attempts=1, last_error="SMTPRecipientsRefused: 550")
        s.add(mail)
        s.flush()
        return timer.id, mail.id


def test_incidents_says_so_when_there_are_none(cli):
    result = cli("incidents")
    assert result.exit_code == 0 and "Geen incidenten." in result.output


def test_incidents_lists_failed_timers_and_mails_and_retry_gives_them_a_new_chance(cli, db, incidents):
    timer_id, mail_id = incidents
    listing = cli("incidents").output
    assert f"T{timer_id}\ttimer 'evaluation_due'" in listing and "De evaluatie is geblokkeerd" in listing
    assert f"M{mail_id}\tmail aan gebruiker" in listing and "coach@job.example" not in listing
    assert "1 timer- en 1 mail-incident(en)" in listing

    assert cli("incidents", "retry", f"T{timer_id}").exit_code == 0
    assert cli("incidents", "retry", f"m{mail_id}").exit_code == 0
    with db.read() as s:
        timer = s.get(Timer, timer_id)
        mail = s.get(OutboxMessage, mail_id)
    assert (timer.status, timer.attempts, timer.locked_by) == ("pending", 0, None)
    assert (mail.status, mail.attempts) == ("pending", 0)
    assert "Geen incidenten." in cli("incidents").output


@pytest.mark.parametrize("ref", ["12", "X1", "T", "T99999"])
def test_retry_refuses_unknown_or_malformed_ids(cli, db, incidents, ref):
    result = CliRunner().invoke(main, ["incidents", "retry", ref], env={"DATABASE_URL": str(db.url)})
    assert result.exit_code != 0
    assert count(db, Timer, Timer.status == "incident") == 1


def test_worker_once_sends_pending_mail_and_leaves_no_heartbeat_behind(cli, db, clock, smtp_server):
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example")
    with db.write() as s:
        s.add(OutboxMessage(created_at=clock.now() - timedelta(days=400), to_user_id=coach.user_id,
                            to_addr="coach@job.example", subject="Evaluatie gestart", body_text="tekst",
                            message_id=f"<{uuid.uuid4().hex}@jobtraject>", status="pending", attempts=0))
    result = cli("worker", "--once", SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port))
    assert result.exit_code == 0, result.output
    assert "mail: 1 verstuurd" in result.output
    assert [m.message["Subject"] for m in smtp_server.messages] == ["Evaluatie gestart"]
    assert count(db, WorkerHeartbeat) == 0
