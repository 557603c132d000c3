"""The coordinator's caseload view: per colleague of their role, open cases, open and late tasks.

Counted in one grouped query over the tasks a coordinator may hand over (`engine.inbox`'s
"team" scope: open tasks of their role, unassigned or held within their organisation). A
colleague's open cases are the cases on which they hold at least one open task (a case has
no single coach: the tasks say who works on it). Late is the inbox's "Te laat": the due day
is over (`engine.inbox.overdue_clause`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from engine import inbox
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Task, User
from workflows.usecases.task_inbox import TaskInbox


@dataclass(frozen=True)
class Load:
    user_id: int | None  # None: the queue (nobody holds these tasks yet)
    name: str
    open_cases: int
    open_tasks: int
    late_tasks: int


class Caseload:
    def __init__(self, services: Services) -> None:
        self.services = services

    def allowed(self, actor: Actor) -> bool:
        """Coordinators only (as the page "Taken overdragen"; the API asks this, the page reads
        its logged-in user)."""
        if actor.user_id is None:
            return False
        with self.services.db.read() as s:
            return bool(s.scalar(select(User.is_coordinator).where(User.id == actor.user_id, User.active)))

    def per_colleague(self, actor: Actor) -> list[Load]:
        """Every active colleague of my role in my organisation (me included, also with nothing
        open) by name, then the queue; only for what I may see."""
        team = inbox.select_tasks(self.services.policy, actor, "team").subquery()
        late = inbox.overdue_clause(self.services.clock.now())
        stmt = (select(Task.assignee_id, func.count(func.distinct(Task.case_id)), func.count(Task.id),
                       func.count(Task.id).filter(late))
                .where(Task.id.in_(select(team.c.task_id)))
                .group_by(Task.assignee_id))
        people = TaskInbox(self.services).colleagues(actor, include_self=True)
        with self.services.db.read() as s:
            counts = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in s.execute(stmt)}
            known = {uid for uid, _ in people}
            gone = [uid for uid in counts if uid is not None and uid not in known]  # deactivated since
            if gone:
                people += [(uid, f"{name} (niet meer actief)") for uid, name in
                           s.execute(select(User.id, User.name).where(User.id.in_(gone)).order_by(User.name))]
        loads = [Load(uid, name, *counts.get(uid, (0, 0, 0))) for uid, name in people]
        return [*loads, Load(None, "Wachtrij (nog niemand)", *counts.get(None, (0, 0, 0)))]
