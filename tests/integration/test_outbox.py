"""Queued mail goes out over real SMTP after commit, once, with a stable Message-ID."""

from __future__ import annotations

import socket
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.jobs.outbox import OutboxSettings, OutboxSweep, SmtpSettings, incidents, retry_incident
from engine.store.models import OutboxMessage
from tests.helpers import make_org, make_user
from tests.smtp import SmtpServer, free_port
from workflows.domain.roles import JOB


@pytest.fixture
def coach(db):
    org = make_org(db, "JoB Jobcoaching", "job")
    return make_user(db, org, JOB, "coach@job.example", "Sanne de Vries")


def queue_mail(db, clock, user_id: int, to_addr: str, subject: str = "Herinnering: Evaluatie voorbereiden",
               html: str | None = "<p>De taak <strong>Evaluatie voorbereiden</strong>.</p>") -> OutboxMessage:
    with db.write() as s:
        row = OutboxMessage(
            created_at=clock.now(), to_user_id=user_id, to_addr=to_addr, subject=subject,
            body_text="De taak Evaluatie voorbereiden.", body_html=html,
            message_id=f"<{uuid.uuid4().hex}@jobtraject>", status="pending", attempts=0,
            next_attempt_at=clock.now(),
        )
        s.add(row)
        s.flush()
        s.expunge(row)
    return row


def outbox(db, clock, server_or_port, name: str = "mailer", **settings) -> OutboxSweep:
    port = server_or_port if isinstance(server_or_port, int) else server_or_port.port
    return OutboxSweep(db, clock, SmtpSettings(host="127.0.0.1", port=port, timeout=2.0,
                                               mail_from="jobtraject <noreply@job.example>"),
                       OutboxSettings(**settings), worker_id=name)


def row(db, message_id: int) -> OutboxMessage:
    with db.read() as s:
        return s.get(OutboxMessage, message_id)


def test_queued_mail_is_sent_once_as_text_and_html_with_its_own_message_id(db, clock, coach, smtp_server):
    queued = queue_mail(db, clock, coach.user_id, "coach@job.example")
    report = outbox(db, clock, smtp_server).sweep()
    assert (report.claimed, report.sent) == (1, 1)
    [got] = smtp_server.messages
    assert got.rcpt_tos == ["coach@job.example"] and got.mail_from == "noreply@job.example"
    assert got.message["Message-ID"] == queued.message_id
    assert got.message["Subject"] == "Herinnering: Evaluatie voorbereiden"
    assert got.message["Auto-Submitted"] == "auto-generated"
    assert got.text.strip() == "De taak Evaluatie voorbereiden."
    assert "<strong>Evaluatie voorbereiden</strong>" in got.html
    sent = row(db, queued.id)
    assert (sent.status, sent.attempts, sent.sent_at is not None) == ("sent", 1, True)
    assert outbox(db, clock, smtp_server).sweep().claimed == 0
    assert len(smtp_server.messages) == 1


def test_plain_text_only_mail_has_no_html_part(db, clock, coach, smtp_server):
    queue_mail(db, clock, coach.user_id, "coach@job.example", html=None)
    outbox(db, clock, smtp_server).sweep()
    [got] = smtp_server.messages
    assert got.html is None and not got.message.is_multipart()


def test_a_temporary_refusal_is_retried_after_back_off_with_the_same_message_id(db, clock, coach, smtp_server):
    queued = queue_mail(db, clock, coach.user_id, "coach@job.example")
    smtp_server.responses.append("451 4.3.0 Probeer het later nog eens")
    sweep = outbox(db, clock, smtp_server, retry_base=timedelta(minutes=1))
    report = sweep.sweep()
    assert (report.sent, report.retry) == (0, 1)
    waiting = row(db, queued.id)
    assert (waiting.status, waiting.attempts, waiting.locked_by) == ("pending", 1, None)
    assert "451" in waiting.last_error
    assert sweep.sweep().claimed == 0, "not before the back-off has passed"
    clock.advance(timedelta(minutes=1))
    assert sweep.sweep().sent == 1
    [got] = smtp_server.messages
    assert got.message["Message-ID"] == queued.message_id
    assert row(db, queued.id).attempts == 2


def test_a_permanent_refusal_becomes_an_incident_at_once_and_can_be_retried(db, clock, coach, smtp_server):
    queued = queue_mail(db, clock, coach.user_id, "coach@job.example")
    other = queue_mail(db, clock, coach.user_id, "coach@job.example", subject="Tweede")
    smtp_server.responses.append("550 5.1.1 <coach@job.example>: Onbekende ontvanger")
    report = outbox(db, clock, smtp_server).sweep()
    assert (report.incidents, report.sent) == (1, 1), "the next mail in the batch still goes out"
    failed = row(db, queued.id)
    assert failed.status == "incident" and "550" in failed.last_error
    assert "coach@job.example" not in failed.last_error, "no addresses in errors admins list"
    with db.read() as s:
        assert [m.id for m in incidents(s)] == [queued.id]
    retry_incident(db, queued.id, clock.now())
    assert outbox(db, clock, smtp_server).sweep().sent == 1
    assert sorted(m.message["Message-ID"] for m in smtp_server.messages) == sorted(
        [queued.message_id, other.message_id])


def test_repeated_temporary_failures_become_an_incident_after_max_attempts(db, clock, coach, smtp_server):
    queued = queue_mail(db, clock, coach.user_id, "coach@job.example")
    smtp_server.responses.extend(["452 vol"] * 3)
    sweep = outbox(db, clock, smtp_server, max_attempts=3, retry_base=timedelta(seconds=10))
    for _ in range(3):
        sweep.sweep()
        clock.advance(timedelta(hours=1))
    assert row(db, queued.id).status == "incident"
    assert sweep.sweep().claimed == 0
    assert smtp_server.messages == []


def test_an_unreachable_server_costs_no_attempts_and_mail_waits(db, clock, coach):
    port = free_port()  # nothing listens here
    queued = queue_mail(db, clock, coach.user_id, "coach@job.example")
    sweep = outbox(db, clock, port, max_attempts=1, unreachable_retry=timedelta(minutes=1))
    report = sweep.sweep()
    assert report.unreachable and report.sent == 0
    waiting = row(db, queued.id)
    assert (waiting.status, waiting.attempts, waiting.locked_by) == ("pending", 0, None)
    assert waiting.last_error.startswith("SMTP-server onbereikbaar")
    assert sweep.sweep().claimed == 0, "tried again after a minute, not in a busy loop"


def test_a_server_that_accepts_but_never_answers_does_not_hang_the_sweep(db, clock, coach):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    try:
        queued = queue_mail(db, clock, coach.user_id, "coach@job.example")
        sweep = OutboxSweep(db, clock, SmtpSettings(host="127.0.0.1", port=listener.getsockname()[1], timeout=0.5),
                            worker_id="mailer")
        report = sweep.sweep()
        assert report.unreachable
        assert row(db, queued.id).status == "pending"
    finally:
        listener.close()


def test_a_mail_claimed_by_a_dead_worker_is_sent_by_another_after_the_lease(db, clock, coach, smtp_server):
    queued = queue_mail(db, clock, coach.user_id, "coach@job.example")
    dead = outbox(db, clock, smtp_server, "dead", lease=timedelta(minutes=5))
    alive = outbox(db, clock, smtp_server, "alive", lease=timedelta(minutes=5))
    assert dead.claim() == [queued.id]  # ... and the process dies before sending
    assert alive.sweep().claimed == 0
    clock.advance(timedelta(minutes=5, seconds=1))
    assert alive.sweep().sent == 1
    assert [m.message["Message-ID"] for m in smtp_server.messages] == [queued.message_id]
    assert row(db, queued.id).locked_by == "alive"


def test_two_mailers_at_once_send_every_message_exactly_once(db, clock, coach, smtp_server):
    queued = [queue_mail(db, clock, coach.user_id, f"coach{i}@job.example") for i in range(40)]
    sweeps = [outbox(db, clock, smtp_server, f"m{i}", batch_size=3) for i in range(2)]
    threads = [threading.Thread(target=s.sweep) for s in sweeps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    ids = sorted(m.message["Message-ID"] for m in smtp_server.messages)
    assert ids == sorted(q.message_id for q in queued)
    with db.read() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


def test_starttls_and_login_are_used_when_configured(db, clock, coach):
    """Without a TLS-capable server the STARTTLS step fails: the batch waits, nothing is lost."""
    server = SmtpServer().start()
    try:
        queued = queue_mail(db, clock, coach.user_id, "coach@job.example")
        sweep = OutboxSweep(db, clock, SmtpSettings(host="127.0.0.1", port=server.port, starttls=True, timeout=2),
                            worker_id="tls")
        report = sweep.sweep()
        assert report.unreachable and server.messages == []
        assert row(db, queued.id).status == "pending"
    finally:
        server.stop()
