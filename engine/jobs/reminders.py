"""Reminders, escalations and the daily digest, each queued exactly once.

- **Reminder**: an open task with `remind_before` offsets reminds its assignee (or, while
  unassigned, everyone with the task's role who may see the case) when `due - offset` has
  passed and the task is not yet due. Several offsets that passed together (the task was
  created late, or the system was down) give one mail, not a burst.
- **Escalation**: a task overdue by `escalation_working_days` working days (weekends and
  Dutch public holidays do not count) is reported to the coordinators who may see the case.
- **Digest**: on working days from `digest_hour` (Europe/Amsterdam), each user gets one
  mail with their overdue tasks, today's and this week's; coordinators also see escalated
  tasks. After downtime the digest of the current day is sent late; missed days are not.

A user's `notify` setting decides what is mailed: `all` (every reminder and escalation
plus the digest), `digest` (only the digest) or `none`.

Exactly once: every notification has a key (task, offset and due date; or user and day)
in `NotificationLog`, inserted with ON CONFLICT DO NOTHING in the same transaction as its
outbox rows. A second worker, a second sweep or a restart finds the key and sends nothing.

Mails carry no health, benefit or diagnosis data: the task title (written by the workflow
author), due date, case number and link, and at most the label a `case_label` hook returns
(by convention the candidate's first name).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine import inbox
from engine.access import AccessPolicy
from engine.clock import Clock, ensure_utc
from engine.errors import InvalidPayload, NotFound
from engine.jobs.reminder_mails import (  # noqa: F401 - re-exported: the pages and tests use them here
    DAYS,
    MONTHS,
    NOTIFY_CHOICES,
    CaseLabeler,
    Line,
    Mail,
    ReminderReport,
    ReminderSettings,
    ReminderTexts,
    nl_date,
    nl_datetime,
)
from engine.spec import Actor
from engine.store.db import Database
from engine.store.models import Case, NotificationLog, OutboxMessage, Task, User
from engine.workdays import AMSTERDAM, is_working_day, working_days_between

log = logging.getLogger("jobtraject.reminders")

def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, organisation_id=user.organisation_id, name=user.name)


def set_notify(db: Database, user_id: int, choice: str) -> None:
    """A user chooses which mails they get (digest | all | none)."""
    if choice not in NOTIFY_CHOICES:
        raise InvalidPayload({"notify": "Kies een van de mogelijkheden."})
    with db.write() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("Deze gebruiker bestaat niet.")
        user.notify = choice


def _insert_ignore(session: Session, db: Database, **values: Any) -> bool:
    """Insert a NotificationLog row unless its key exists; True when this call inserted it."""
    dialect = postgresql if db.dialect == "postgresql" else sqlite
    stmt = (
        dialect.insert(NotificationLog).values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(NotificationLog.id)
    )
    return session.execute(stmt).first() is not None


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _due_stamp(due: datetime) -> int:
    return int(ensure_utc(due).timestamp())


class ReminderSweep(ReminderTexts):
    """Queues reminder, escalation and digest mails in the outbox, each exactly once."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        policy: AccessPolicy,
        settings: ReminderSettings | None = None,
        case_label: CaseLabeler | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy
        self.settings = settings or ReminderSettings()
        self.case_label = case_label

    # -- shared pieces --------------------------------------------------------------------
    def _labels(self, session: Session, case_ids: Iterable[int]) -> Mapping[int, str]:
        ids = sorted(set(case_ids))
        if self.case_label is None or not ids:
            return {}
        return self.case_label(session, ids)

    def _role_members(self, session: Session, role: str, case: Case) -> list[User]:
        users = session.scalars(select(User).where(User.active.is_(True), User.role == role).order_by(User.id))
        return [u for u in users if self.policy.can_see(actor_of(u), case)]

    def _recipients(self, session: Session, task: Task, case: Case) -> list[User]:
        if task.assignee_id is not None:
            user = session.get(User, task.assignee_id)
            if user is not None and user.active and self.policy.can_see(actor_of(user), case):
                return [user]
        return self._role_members(session, task.role, case)

    def _coordinators(self, session: Session, case: Case) -> list[User]:
        users = session.scalars(
            select(User).where(User.active.is_(True), User.is_coordinator.is_(True)).order_by(User.id)
        )
        return [u for u in users if self.policy.can_see(actor_of(u), case)]

    def _queue(self, session: Session, now: datetime, mails: list[Mail]) -> None:
        if not mails:
            return
        session.execute(
            insert(OutboxMessage),
            [
                {
                    "created_at": now, "to_user_id": m.user.id, "to_addr": m.user.email,
                    "subject": m.subject[:300], "body_text": m.text, "body_html": m.html,
                    "message_id": f"<{uuid.uuid4().hex}@jobtraject>", "dedupe_key": m.dedupe_key[:200],
                    "status": "pending", "attempts": 0, "next_attempt_at": now,
                }
                for m in mails
            ],
        )

    def _logged(self, kind: str, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.db.read() as s:
            for chunk in _chunks(list(keys)):
                found.update(s.scalars(select(NotificationLog.key).where(
                    NotificationLog.kind == kind, NotificationLog.key.in_(chunk))))
        return found

    # -- reminders ------------------------------------------------------------------------
    def reminders(self, now: datetime | None = None) -> ReminderReport:
        now = now or self.clock.now()
        report = ReminderReport()
        with self.db.read() as s:
            rows = s.execute(
                select(Task.id, Task.due_at, Task.remind_before)
                .where(Task.status == "open", Task.due_at.is_not(None), Task.due_at > now)
            ).all()
        todo: list[tuple[int, datetime, list[str]]] = []
        for task_id, due, offsets in rows:
            due = ensure_utc(due)
            passed = sorted(int(o) for o in (offsets or []) if due - timedelta(seconds=int(o)) <= now)
            if passed:
                todo.append((task_id, due, [f"reminder:{task_id}:{o}:{_due_stamp(due)}" for o in passed]))
        logged = self._logged("reminder", [k for _t, _d, keys in todo for k in keys])
        for task_id, due, keys in todo:
            fresh = [k for k in keys if k not in logged]
            if fresh:
                report.mails += self._remind(task_id, due, fresh, now)
                report.reminders += 1
        return report

    def _remind(self, task_id: int, due: datetime, keys: list[str], now: datetime) -> int:
        with self.db.write() as s:
            task = s.get(Task, task_id)
            if task is None or task.status != "open" or task.due_at is None or ensure_utc(task.due_at) != due:
                return 0
            case = s.get(Case, task.case_id)
            assert case is not None
            recipients = [u for u in self._recipients(s, task, case) if u.notify == "all"]
            inserted = [k for k in keys if _insert_ignore(
                s, self.db, key=k, kind="reminder", task_id=task.id, user_id=None, created_at=now,
                mails=len(recipients) if k == keys[0] else 0,
            )]
            if not inserted:
                return 0  # another worker just did it
            line = Line(task.title, due, case.id, self._labels(s, [case.id]).get(case.id, ""))
            mails = [self._reminder_mail(u, line, f"{keys[0]}:u{u.id}") for u in recipients]
            self._queue(s, now, mails)
            return len(mails)

    # -- escalations ----------------------------------------------------------------------
    def overdue_working_days(self, due: datetime, now: datetime) -> int:
        due_day = ensure_utc(due).astimezone(AMSTERDAM).date()
        return working_days_between(due_day, now.astimezone(AMSTERDAM).date())

    def _escalation_window(self, now: datetime) -> ColumnElement[bool]:
        # N working days late means at least N-1 full calendar days late: a cheap pre-filter.
        days = max(self.settings.escalation_working_days - 1, 0)
        return Task.due_at < now - timedelta(days=days)

    def escalations(self, now: datetime | None = None) -> ReminderReport:
        now = now or self.clock.now()
        report = ReminderReport()
        limit = self.settings.escalation_working_days
        with self.db.read() as s:
            rows = s.execute(
                select(Task.id, Task.due_at)
                .where(Task.status == "open", Task.due_at.is_not(None), Task.due_at < now,
                       self._escalation_window(now))
            ).all()
        todo = [(tid, ensure_utc(due)) for tid, due in rows if self.overdue_working_days(due, now) >= limit]
        keys = {tid: f"escalation:{tid}:{_due_stamp(due)}" for tid, due in todo}
        logged = self._logged("escalation", list(keys.values()))
        for task_id, due in todo:
            if keys[task_id] not in logged:
                report.mails += self._escalate(task_id, due, keys[task_id], now)
                report.escalations += 1
        return report

    def _escalate(self, task_id: int, due: datetime, key: str, now: datetime) -> int:
        with self.db.write() as s:
            task = s.get(Task, task_id)
            if task is None or task.status != "open" or task.due_at is None or ensure_utc(task.due_at) != due:
                return 0
            case = s.get(Case, task.case_id)
            assert case is not None
            recipients = [u for u in self._coordinators(s, case) if u.notify == "all"]
            if not _insert_ignore(s, self.db, key=key, kind="escalation", task_id=task.id, user_id=None,
                                  created_at=now, mails=len(recipients)):
                return 0
            line = Line(task.title, due, case.id, self._labels(s, [case.id]).get(case.id, ""))
            late = self.overdue_working_days(due, now)
            assigned = task.assignee_id is not None
            mails = [self._escalation_mail(u, line, late, assigned, f"{key}:u{u.id}") for u in recipients]
            self._queue(s, now, mails)
            log.info("task %s escalated to %s coordinator(s)", task.id, len(mails))
            return len(mails)

    # -- digest ---------------------------------------------------------------------------
    def digest_due(self, now: datetime) -> bool:
        local = now.astimezone(AMSTERDAM)
        return is_working_day(local.date()) and local.hour >= self.settings.digest_hour

    def digests(self, now: datetime | None = None) -> ReminderReport:
        now = now or self.clock.now()
        report = ReminderReport()
        if not self.digest_due(now):
            return report
        day = now.astimezone(AMSTERDAM).date()
        with self.db.read() as s:
            user_ids = list(s.scalars(
                select(User.id).where(User.active.is_(True), User.notify.in_(("digest", "all"))).order_by(User.id)))
        keys = {uid: f"digest:{uid}:{day.isoformat()}" for uid in user_ids}
        logged = self._logged("digest", list(keys.values()))
        for uid in user_ids:
            if keys[uid] not in logged:
                sent = self._digest(uid, keys[uid], day, now)
                report.digests += 1
                report.mails += sent
        return report

    def digest_lines(self, session: Session, user: User, now: datetime) -> dict[str, list[Line]]:
        """What a user's digest lists: overdue, today, this week; escalations for coordinators.

        A task its assignee parked until a later day ("Later terugzien") is left out until that
        day, as in the inbox: the morning mail must not call late what the coach put aside.
        A coordinator still sees colleagues' parked tasks among the escalations once late enough.
        """
        actor = actor_of(user)
        items = {i.task_id: i for i in inbox.mine(session, self.policy, actor)}
        for i in inbox.queue(session, self.policy, actor):
            items.setdefault(i.task_id, i)
        groups: dict[str, list[inbox.InboxItem]] = {"Te laat": [], "Vandaag": [], "Deze week": []}
        for item in items.values():
            group = item.group(now)
            if group in groups and not inbox.is_parked(item.follow_up_on, now):
                groups[group].append(item)
        escalated: list[Any] = []
        if user.is_coordinator:
            rows = session.execute(
                select(Task.id, Task.title, Task.due_at, Task.case_id)
                .join(Case, Case.id == Task.case_id)
                .where(Task.status == "open", Task.due_at.is_not(None), Task.due_at < now,
                       self._escalation_window(now), self.policy.case_filter(actor))
                .order_by(Task.due_at, Task.id)
            ).all()
            escalated = [r for r in rows if r.id not in items and
                         self.overdue_working_days(r.due_at, now) >= self.settings.escalation_working_days]
        case_ids = [i.case_id for g in groups.values() for i in g] + [r.case_id for r in escalated]
        labels = self._labels(session, case_ids)
        out: dict[str, list[Line]] = {}
        for name, members in groups.items():
            members.sort(key=lambda i: (ensure_utc(i.due_at) if i.due_at else now, i.task_id))
            out[name] = [Line(i.title, i.due_at, i.case_id, labels.get(i.case_id, "")) for i in members]
        out["Escalaties"] = [Line(r.title, r.due_at, r.case_id, labels.get(r.case_id, "")) for r in escalated]
        return out

    def _digest(self, user_id: int, key: str, day: date, now: datetime) -> int:
        with self.db.write() as s:
            user = s.get(User, user_id)
            if user is None or not user.active or user.notify not in ("digest", "all"):
                return 0
            lines = self.digest_lines(s, user, now)
            has_content = any(lines.values())
            if not _insert_ignore(s, self.db, key=key, kind="digest", task_id=None, user_id=user.id,
                                  created_at=now, mails=1 if has_content else 0):
                return 0
            if not has_content:
                return 0
            self._queue(s, now, [self._digest_mail(user, day, lines, key)])
            return 1

    # -- the sweep ------------------------------------------------------------------------
    def sweep(self) -> ReminderReport:
        now = self.clock.now()
        total = ReminderReport()
        for part in (self.reminders(now), self.escalations(now), self.digests(now)):
            total.reminders += part.reminders
            total.escalations += part.escalations
            total.digests += part.digests
            total.mails += part.mails
        return total
