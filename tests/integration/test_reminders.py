"""Reminders, escalations and the daily digest arrive once each, to the right people, over SMTP.

The clock starts on Monday 23 November 2026, 09:00 in Amsterdam (08:00 UTC).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.errors import InvalidPayload
from engine.jobs.outbox import OutboxSweep, SmtpSettings
from engine.jobs.reminders import ReminderSettings, ReminderSweep, set_notify
from engine.registry import Registry
from engine.services import Services
from engine.store.models import NotificationLog, OutboxMessage, Task, User
from engine.task_services import TaskServices
from engine.workdays import AMSTERDAM
from tests.helpers import count, make_org, make_user, snapshot
from tests.timer_workflow import EVALUATION
from workflows.domain.roles import HARRIE, JOB
from workflows.usecases.access import JobAccessPolicy

PERSONAL = {"first_name": "Jan", "last_name": "Hoogeveen", "bsn": "123456782", "diagnose": "autismespectrum",
            "uitkering": "Wajong-uitkering", "notitie": "slaapt slecht door medicatie"}


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def first_names(session, case_ids):
    from engine.store.models import Case

    rows = session.execute(select(Case.id, Case.data).where(Case.id.in_(case_ids))).all()
    return {cid: data.get("first_name", "") for cid, data in rows}


class World:
    def __init__(self, db, clock, smtp_port: int) -> None:
        self.db, self.clock = db, clock
        registry = Registry()
        registry.register(EVALUATION)
        job = make_org(db, "JoB Jobcoaching", "job")
        wsp = make_org(db, "WSP Rijk van Nijmegen", "wsp")
        self.bakery = make_org(db, "Bakkerij De Korenaar", "employer", wsp)
        self.garage = make_org(db, "Garage Van Dijk", "employer", wsp)
        self.sanne = self.user(job, JOB, "sanne@job.example", "all")
        self.piet = self.user(job, JOB, "piet@job.example", "digest")
        self.noor = self.user(job, JOB, "noor@job.example", "none")
        self.kees = self.user(job, JOB, "kees@job.example", "all", coordinator=True)
        self.lotte = self.user(job, JOB, "lotte@job.example", "digest", coordinator=True)
        self.harrie = self.user(self.bakery, HARRIE, "harrie@korenaar.example", "all")
        self.other_harrie = self.user(self.garage, HARRIE, "harrie@garage.example", "all")
        self.policy = JobAccessPolicy(db)
        self.services = Services(db=db, registry=registry, clock=clock, policy=self.policy)
        self.reminders = ReminderSweep(db, clock, self.policy, ReminderSettings(base_url="https://jt.example"),
                                       case_label=first_names)
        self.outbox = OutboxSweep(db, clock, SmtpSettings(host="127.0.0.1", port=smtp_port, timeout=5),
                                  worker_id="mailer")

    def user(self, org: int, role: str, email: str, notify: str, coordinator: bool = False):
        actor = make_user(self.db, org, role, email, email.split("@")[0].capitalize())
        with self.db.write() as s:
            u = s.get(User, actor.user_id)
            u.notify, u.is_coordinator = notify, coordinator
        return actor

    def case(self, due: datetime, *, assignee=None, harrie_task: bool = False, org: int | None = None):
        data = {**PERSONAL, "task_due": due.isoformat(), "harrie_task": harrie_task}
        if assignee is not None:
            data["coach_id"] = assignee.user_id
        return self.services.start_case(self.sanne, "evaluation", data, organisation_id=org or self.bakery)

    def at(self, when: datetime):
        self.clock.set(when)
        report = self.reminders.sweep()
        self.outbox.sweep()
        return report


@pytest.fixture
def world(db, clock, smtp_server):
    return World(db, clock, smtp_server.port)


def subjects(server, addr: str, kind: str = "") -> list[str]:
    return [m.message["Subject"] for m in server.to(addr) if m.message["Subject"].startswith(kind)]


def reminders(server, addr: str) -> list:
    return [m for m in server.to(addr) if m.message["Subject"].startswith("Herinnering")]


def test_a_reminder_reaches_the_assignee_once_at_each_offset(world, smtp_server):
    due = local(2026, 11, 30, 17)  # Monday next week
    world.case(due, assignee=world.sanne)
    world.at(due - timedelta(days=2, minutes=1))  # Saturday: no digest either
    assert smtp_server.messages == []
    world.at(due - timedelta(days=2))
    world.at(due - timedelta(days=2) + timedelta(minutes=1))
    assert subjects(smtp_server, "sanne@job.example") == [
        "Herinnering: Evaluatie voorbereiden (uiterlijk ma 30 nov 2026)"]
    world.at(due - timedelta(hours=4))
    world.at(due - timedelta(hours=3))
    assert len(reminders(smtp_server, "sanne@job.example")) == 2
    world.at(due + timedelta(minutes=1))
    assert len(reminders(smtp_server, "sanne@job.example")) == 2, "no reminder once the task is overdue"
    assert {m.rcpt_tos[0] for m in smtp_server.messages if m.message["Subject"].startswith("Herinnering")} == {
        "sanne@job.example"}
    mail = reminders(smtp_server, "sanne@job.example")[0]
    assert "ma 30 nov 2026 17:00" in mail.text
    assert "https://jt.example/zaken/" in mail.text and "https://jt.example/zaken/" in mail.html


def test_an_unassigned_task_reminds_everyone_with_the_role_who_may_see_the_case(world, smtp_server):
    due = local(2026, 11, 27, 12)
    world.case(due, harrie_task=True)
    world.at(due - timedelta(days=1))
    recipients = sorted(r for m in smtp_server.messages for r in m.rcpt_tos
                        if m.message["Subject"].startswith("Herinnering"))
    # The JoB task is in the JoB queue: every JoB user who wants every reminder; the Harrie task
    # goes to this employer's Harrie only. Digest-only and no-mail users get nothing now.
    assert recipients == ["harrie@korenaar.example", "kees@job.example", "sanne@job.example"]
    assert subjects(smtp_server, "harrie@korenaar.example", "Herinnering") == [
        "Herinnering: Werkplek bespreken (uiterlijk vr 27 nov 2026)"]


def test_offsets_that_passed_together_give_one_mail_not_a_burst(world, smtp_server):
    due = world.clock.now() + timedelta(hours=3)  # both the 2-day and the 4-hour moments have passed
    world.case(due, assignee=world.sanne)
    world.at(world.clock.now())
    world.at(world.clock.now() + timedelta(minutes=5))
    assert len(reminders(smtp_server, "sanne@job.example")) == 1


def test_a_moved_due_date_gets_its_own_reminders(world, db, smtp_server):
    from engine.store.models import Task

    due = local(2026, 11, 30, 17)
    case = world.case(due, assignee=world.sanne)
    world.at(due - timedelta(days=2))
    with db.write() as s:
        task = s.scalars(select(Task).where(Task.case_id == case.id, Task.key == "prepare")).one()
        task.due_at = due + timedelta(days=7)
    world.at(due + timedelta(days=5))  # Saturday 5 December, two days before the new date
    assert len(reminders(smtp_server, "sanne@job.example")) == 2


def test_escalation_reaches_coordinators_once_after_three_working_days_not_counting_the_weekend(
    world, smtp_server
):
    due = local(2026, 11, 27, 17)  # Friday
    world.case(due, assignee=world.piet)
    world.at(local(2026, 12, 1, 23))  # Tuesday: Monday and Tuesday are two working days
    assert not any(m.message["Subject"].startswith("Te laat") for m in smtp_server.messages)
    world.at(local(2026, 12, 2, 6))  # Wednesday, before the digest hour: the third working day
    world.at(local(2026, 12, 2, 6, 30))
    escalations = [m for m in smtp_server.messages if m.message["Subject"].startswith("Te laat")]
    assert [m.rcpt_tos for m in escalations] == [["kees@job.example"]], "lotte chose the digest only"
    assert escalations[0].message["Subject"] == "Te laat: Evaluatie voorbereiden (3 werkdagen)"
    assert "toegewezen aan een collega" in escalations[0].text and "Piet" not in escalations[0].everything


def test_dutch_public_holidays_do_not_count_towards_escalation(world, smtp_server):
    due = local(2026, 12, 24, 17)  # Thursday; Christmas (Fri 25, Sat 26) and Sunday follow
    world.case(due, assignee=world.piet)
    world.at(local(2026, 12, 29, 23))  # Mon 28 and Tue 29: two working days
    assert not [m for m in smtp_server.to("kees@job.example") if m.message["Subject"].startswith("Te laat")]
    world.at(local(2026, 12, 30, 9))
    assert [m for m in smtp_server.to("kees@job.example") if m.message["Subject"].startswith("Te laat")]


def test_the_daily_digest_comes_once_at_seven_on_working_days_only(world, smtp_server):
    world.case(local(2026, 11, 25, 17), assignee=world.piet)  # Wednesday
    world.at(local(2026, 11, 24, 6, 59))  # Tuesday
    assert smtp_server.to("piet@job.example") == []
    world.at(local(2026, 11, 24, 7, 0))
    world.at(local(2026, 11, 24, 12, 0))
    assert subjects(smtp_server, "piet@job.example") == ["Uw taken voor di 24 nov 2026"]
    world.at(local(2026, 11, 28, 9))  # Saturday
    world.at(local(2026, 11, 29, 9))  # Sunday
    assert len(smtp_server.to("piet@job.example")) == 1
    world.at(local(2026, 11, 30, 7, 5))  # Monday: the task is overdue now
    assert subjects(smtp_server, "piet@job.example")[-1] == "Uw taken voor ma 30 nov 2026"
    assert "Te laat (1)" in smtp_server.to("piet@job.example")[-1].text
    assert smtp_server.to("noor@job.example") == [], "noor chose no mail at all"


def test_no_digest_on_kings_day(world, smtp_server):
    world.case(local(2027, 4, 28, 17), assignee=world.piet)
    world.at(local(2027, 4, 27, 9))  # Koningsdag, a Tuesday
    assert smtp_server.to("piet@job.example") == []
    world.at(local(2027, 4, 28, 7))
    assert len(smtp_server.to("piet@job.example")) == 1


def test_the_digest_lists_overdue_today_and_this_week_and_escalations_for_coordinators(world, smtp_server):
    world.clock.set(local(2026, 11, 16, 9))
    world.case(local(2026, 11, 18, 17), assignee=world.piet)   # overdue (Wednesday last week)
    world.case(local(2026, 11, 23, 17), assignee=world.piet)   # today
    world.case(local(2026, 11, 26, 17), assignee=world.piet)   # this week
    world.case(local(2026, 12, 10, 17), assignee=world.piet)   # later: not in the digest
    world.at(local(2026, 11, 23, 7, 30))
    [digest] = smtp_server.to("piet@job.example")
    text = digest.text
    assert text.index("Te laat (1)") < text.index("Vandaag (1)") < text.index("Deze week (1)")
    assert "do 10 dec" not in text
    [coordinator] = smtp_server.to("lotte@job.example")
    assert "Escalaties (1)" in coordinator.text, "the task three working days late"
    assert "Escalaties" not in text


def test_a_task_put_aside_until_a_later_day_stays_out_of_the_digest_until_that_day(world, db, smtp_server):
    world.clock.set(local(2026, 11, 16, 9))
    put_aside = world.case(local(2026, 11, 18, 17), assignee=world.piet)  # late by Monday
    world.case(local(2026, 11, 19, 17), assignee=world.piet)              # late by Monday too
    with db.read() as s:
        task_id = s.scalar(select(Task.id).where(Task.case_id == put_aside.id, Task.key == "prepare"))
    TaskServices(world.services).set_follow_up(world.piet, task_id, date(2026, 11, 25))  # "Later terugzien"

    world.at(local(2026, 11, 23, 7, 30))  # Monday
    [monday] = smtp_server.to("piet@job.example")
    assert "Te laat (1)" in monday.text, "the task put aside is not called late"
    [coordinator] = smtp_server.to("lotte@job.example")
    assert "Escalaties (1)" in coordinator.text, "the coordinator still sees it three working days late"

    world.at(local(2026, 11, 25, 7, 30))  # Wednesday, the day Piet chose
    assert "Te laat (2)" in smtp_server.to("piet@job.example")[-1].text


def test_mails_name_the_task_and_the_case_but_no_personal_data_beyond_the_first_name(world, smtp_server):
    due = local(2026, 11, 25, 17)
    world.case(due, assignee=world.sanne, harrie_task=True)
    world.at(due - timedelta(days=2))                 # reminders
    world.at(local(2026, 11, 30, 7, 30))              # digests
    world.at(local(2026, 12, 1, 7, 30))               # escalation: Thu 26, Fri 27, Mon 30 were working days
    kinds = {m.message["Subject"].split(":")[0].split(" ")[0] for m in smtp_server.messages}
    assert kinds == {"Herinnering", "Uw", "Te"}
    for mail in smtp_server.messages:
        for key, value in PERSONAL.items():
            if key != "first_name":
                assert value not in mail.everything, f"{key} leaked into {mail.message['Subject']!r}"
        assert "(Jan)" in mail.everything


def test_two_workers_sweeping_at_the_same_moment_queue_each_notification_once(world, db, smtp_server):
    due = local(2026, 11, 25, 17)
    for _ in range(5):
        world.case(due, assignee=world.sanne, harrie_task=True)
    world.clock.set(local(2026, 11, 24, 18))  # Tuesday: reminders and digests are due
    second = ReminderSweep(db, world.clock, world.policy, ReminderSettings(), case_label=first_names)
    barrier = threading.Barrier(2)

    def run(sweep):
        barrier.wait()
        sweep.sweep()

    threads = [threading.Thread(target=run, args=(s,)) for s in (world.reminders, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with db.read() as s:
        keys = s.scalars(select(NotificationLog.key)).all()
        dedupe = s.scalars(select(OutboxMessage.dedupe_key)).all()
    assert len(keys) == len(set(keys)) and len(dedupe) == len(set(dedupe))
    world.outbox.sweep()
    per_recipient = {addr: len(smtp_server.to(addr)) for addr in ("sanne@job.example", "harrie@korenaar.example")}
    assert per_recipient == {"sanne@job.example": 5 + 1, "harrie@korenaar.example": 5 + 1}, "5 reminders + 1 digest"


def test_users_choose_between_digest_every_reminder_and_no_mail(world, db):
    set_notify(db, world.piet.user_id, "all")
    before = snapshot(db)
    with pytest.raises(InvalidPayload):
        set_notify(db, world.piet.user_id, "sometimes")
    assert snapshot(db) == before
    with db.read() as s:
        assert s.get(User, world.piet.user_id).notify == "all"
    assert count(db, NotificationLog) == 0
