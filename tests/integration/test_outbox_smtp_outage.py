"""SMTP down for hours: web pages and transitions carry on; mail goes out once it is back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.audit import verify_all
from engine.identity.passwords import hash_password
from engine.jobs.outbox import OutboxSweep, SmtpSettings
from engine.jobs.reminders import ReminderSettings, ReminderSweep
from engine.jobs.timers import Outcome, TimerSweep
from engine.store.models import OutboxMessage, User
from tests.faults.harness import assert_nothing_lost
from tests.helpers import make_org, make_user
from tests.smtp import SmtpServer, free_port
from tests.timer_workflow import EVALUATION
from tests.totp import enrol, next_code
from webui import create_app
from workflows.domain.roles import JOB
from workflows.usecases.access import JobAccessPolicy

PASSWORD = "een-lang-wachtwoord-voor-de-test"


def test_smtp_down_for_hours_leaves_web_and_transitions_alone_and_mail_goes_out_once_back(db_url, db, clock):
    port = free_port()  # the mail server is down: nothing listens here
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port}, clock=clock)
    services = app.extensions["jobtraject"]
    services.registry.register(EVALUATION)
    org = make_org(db, "JoB Jobcoaching", "job")
    coach = make_user(db, org, JOB, "coach@job.example", "Sanne")
    with db.write() as s:
        user = s.get(User, coach.user_id)
        user.password_hash, user.notify = hash_password(PASSWORD), "all"

    due_now = clock.now().isoformat()
    cases = [services.start_case(coach, "evaluation", {"evaluate_at": due_now, "coach_id": coach.user_id,
                                                        "mail_coach": True}, organisation_id=org)
             for _ in range(3)]
    tomorrow = (clock.now() + timedelta(days=1)).isoformat()
    cases.append(services.start_case(coach, "evaluation", {"coach_id": coach.user_id, "task_due": tomorrow},
                                     organisation_id=org))  # stays open: a reminder and a digest
    timers = TimerSweep(services.db, services.registry, clock, worker_id="timers")
    reminders = ReminderSweep(services.db, clock, JobAccessPolicy(services.db), ReminderSettings())
    mailer = OutboxSweep(services.db, clock, SmtpSettings(host="127.0.0.1", port=port, timeout=2), worker_id="mail")

    # Timers fire and mail is queued while the server is down, hour after hour.
    assert timers.sweep().count(Outcome.FIRED) == 3
    for _ in range(8):
        reminders.sweep()
        report = mailer.sweep()
        assert report.unreachable and report.sent == 0
        clock.advance(timedelta(hours=1))
    with db.read() as s:
        waiting = s.scalars(select(OutboxMessage)).all()
    assert len(waiting) == 3 + 1 + 1  # three "evaluation started" mails, a reminder and the digest
    assert {(m.status, m.attempts) for m in waiting} == {("pending", 0)}, "an outage is nobody's attempt"

    # The web works throughout: log in, see the inbox, change a setting, move a case.
    client = app.test_client()
    enrol(db, "coach@job.example", clock.now())  # JoB logs in with a second step (tests/totp.py)
    assert client.post("/login", data={"email": "coach@job.example", "password": PASSWORD}).status_code == 302
    code = next_code(db, "coach@job.example", clock.now())
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/meldingen", data={"notify": "all"}).status_code == 302
    services.fire_trigger(coach, cases[0].id, "replan")
    case = services.get_case(coach, cases[0].id)
    response = client.post(f"/zaken/{case.id}/acties/withdraw", data={"expected_version": case.version})
    assert response.status_code == 302
    assert services.get_case(coach, case.id).state == "closed"

    # The server comes back: everything queued goes out, once.
    server = SmtpServer(port=port).start()
    try:
        clock.advance(timedelta(minutes=1))
        while mailer.sweep().claimed:
            pass
        with db.read() as s:
            rows = s.scalars(select(OutboxMessage)).all()
            checked, problems = verify_all(s, services.registry)
        assert {m.status for m in rows} == {"sent"}
        received = sorted(m.message["Message-ID"] for m in server.messages)
        assert received == sorted(m.message_id for m in rows)
        assert mailer.sweep().claimed == 0
        assert len(server.messages) == len(rows)
        assert problems == [] and checked == 4
        assert_nothing_lost(db, services.registry, clock.now(), delivered=received, label=f"smtp outage {db.dialect}")
    finally:
        server.stop()
        services.db.dispose()
