"""Read side: a person's tasks and their role's queue, as small dataclasses.

One query per list (tasks joined with their case), filtered by the access policy in SQL,
so the page costs the same whatever the organisation's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.access import AccessPolicy
from engine.clock import ensure_utc
from engine.models import Case, Task
from engine.spec import Actor

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
GROUPS = ("Te laat", "Vandaag", "Deze week", "Later")


@dataclass(frozen=True)
class InboxItem:
    task_id: int
    title: str
    role: str
    assignee_id: int | None
    due_at: datetime | None
    follow_up_at: datetime | None
    case_id: int
    workflow: str
    case_state: str
    organisation_id: int | None
    status: str

    def group(self, now: datetime) -> str:
        if self.due_at is None:
            return "Later"
        local_due = ensure_utc(self.due_at).astimezone(AMSTERDAM).date()
        today = now.astimezone(AMSTERDAM).date()
        if local_due < today:
            return "Te laat"
        if local_due == today:
            return "Vandaag"
        if local_due <= today + timedelta(days=6 - today.weekday()):
            return "Deze week"
        return "Later"

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and ensure_utc(self.due_at) < now


def _items(session: Session, stmt) -> list[InboxItem]:
    rows = session.execute(stmt).all()
    return [
        InboxItem(
            task_id=r.id, title=r.title, role=r.role, assignee_id=r.assignee_id, due_at=r.due_at,
            follow_up_at=r.follow_up_at, case_id=r.case_id, workflow=r.workflow, case_state=r.state_1,
            organisation_id=r.organisation_id, status=r.status,
        )
        for r in rows
    ]


def _base(policy: AccessPolicy, actor: Actor):
    return (
        select(Task.id, Task.title, Task.role, Task.assignee_id, Task.due_at, Task.follow_up_at,
               Task.case_id, Task.status, Case.workflow, Case.state.label("state_1"), Case.organisation_id)
        .join(Case, Case.id == Task.case_id)
        .where(policy.case_filter(actor))
    )


def _urgent_first(session: Session, stmt, limit: int) -> list[InboxItem]:
    """Tasks with a due date in due order, then those without one: at most two queries.

    Each query reads its index in order and stops after `limit` rows, where one query
    ordering by `due_at IS NULL` first would sort every matching task (README, Benchmark).
    """
    items = _items(session, stmt.where(Task.due_at.is_not(None)).order_by(Task.due_at, Task.id).limit(limit))
    if len(items) < limit:
        # All due_at are NULL here; ordering by it too lets PostgreSQL read the index in order.
        items += _items(session, stmt.where(Task.due_at.is_(None)).order_by(Task.due_at, Task.id)
                        .limit(limit - len(items)))
    return items


def my_tasks(session: Session, policy: AccessPolicy, actor: Actor, limit: int = 500) -> list[InboxItem]:
    """Open tasks assigned to the actor, most urgent first (index ix_task_assignee_status_due)."""
    stmt = _base(policy, actor).where(Task.assignee_id == actor.user_id, Task.status == "open")
    return _urgent_first(session, stmt, limit)


def queue(session: Session, policy: AccessPolicy, actor: Actor, limit: int = 500) -> list[InboxItem]:
    """Open, unassigned tasks for the actor's role on cases the actor may see (index ix_task_queue)."""
    stmt = _base(policy, actor).where(Task.role == actor.role, Task.assignee_id.is_(None), Task.status == "open")
    return _urgent_first(session, stmt, limit)


def archive(session: Session, policy: AccessPolicy, actor: Actor, limit: int = 100) -> list[InboxItem]:
    """Tasks the actor completed, newest first."""
    stmt = (
        _base(policy, actor)
        .where(Task.status != "open", or_(Task.completed_by_id == actor.user_id, Task.assignee_id == actor.user_id))
        .order_by(Task.completed_at.desc(), Task.id.desc())
        .limit(limit)
    )
    return _items(session, stmt)


def case_tasks(session: Session, case_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id)))


def group_items(items: list[InboxItem], now: datetime) -> dict[str, list[InboxItem]]:
    groups: dict[str, list[InboxItem]] = {g: [] for g in GROUPS}
    for item in items:
        groups[item.group(now)].append(item)
    return groups
