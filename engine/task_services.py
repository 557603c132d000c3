"""Use cases on tasks themselves: take, assign, hand over, follow-up day, complete.

Each is one transaction on top of `Services` (same database, clock and access policy).
A refused use case raises an `EngineError` with a Dutch message and writes nothing; a task
another organisation may not see behaves exactly like one that does not exist. Every change
of assignee writes a `TaskEvent` row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidPayload, NotFound, NotPermitted
from engine.inbox import local_today
from engine.services import Services
from engine.spec import Actor
from engine.store.models import Case, Task, TaskEvent, User

MAX_REASON = 500
MAX_BATCH = 200
MAX_FOLLOW_UP_DAYS = 366
TAKE, ASSIGN, HANDOVER = "take", "assign", "handover"


class TaskServices:
    def __init__(self, services: Services) -> None:
        self.services = services

    # helpers ---------------------------------------------------------------------------
    def _tasks(self, s: Session, actor: Actor, task_ids: Iterable[int]) -> list[Task]:
        """The open-or-closed tasks with these ids, locked, all visible to the actor, or NotFound."""
        ids = list(dict.fromkeys(task_ids))
        if not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise NotFound("Deze taak bestaat niet of u heeft er geen toegang toe.")
        stmt = select(Task, Case).join(Case, Case.id == Task.case_id).where(Task.id.in_(ids)).order_by(Task.id)
        if not self.services.db.sqlite:
            stmt = stmt.with_for_update(of=Task)
        rows = s.execute(stmt).all()
        policy = self.services.policy
        visible = [t for t, c in rows if policy.can_see(actor, c)]
        if len(visible) != len(ids):
            raise NotFound("Deze taak bestaat niet of u heeft er geen toegang toe.", task_ids=ids)
        return visible

    def _colleague(self, s: Session, actor: Actor, role: str, user_id: object) -> User:
        user = s.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
        if user is None or not user.active or user.role != role or user.organisation_id != actor.organisation_id:
            raise InvalidPayload({"assignee_id": "Kies een actieve collega met dezelfde rol."})
        return user

    def _move(self, s: Session, actor: Actor, task: Task, to: int | None, kind: str, reason: str | None) -> None:
        s.add(TaskEvent(task_id=task.id, at=self.services.clock.now(), actor_user_id=actor.user_id, kind=kind,
                        from_assignee_id=task.assignee_id, to_assignee_id=to, reason=reason))
        task.assignee_id = to
        task.follow_up_on = None  # a follow-up day is the previous holder's own note

    @staticmethod
    def _open_for_role(task: Task, actor: Actor) -> None:
        if task.status != "open":
            raise NotPermitted("Deze taak is al afgesloten.")
        if task.role != actor.role:
            raise NotPermitted("Deze taak is niet voor uw rol.")

    # use cases -------------------------------------------------------------------------
    def take(self, actor: Actor, task_id: int) -> None:
        """Take an unassigned task of my role from the queue."""
        with self.services.db.write() as s:
            (task,) = self._tasks(s, actor, [task_id])
            self._open_for_role(task, actor)
            if task.assignee_id == actor.user_id:
                return
            if task.assignee_id is not None:
                raise NotPermitted("Deze taak is net door iemand anders opgepakt.")
            self._move(s, actor, task, actor.user_id, TAKE, None)

    def assign(self, actor: Actor, task_id: int, assignee_id: object, reason: object = None) -> None:
        """Give an unassigned task of my role (or one of mine) to a colleague with that role.

        Giving work to someone else says why (the colleague reads it in the task's history);
        taking it oneself needs no reason.
        """
        text = reason.strip() if isinstance(reason, str) else ""
        with self.services.db.write() as s:
            (task,) = self._tasks(s, actor, [task_id])
            self._open_for_role(task, actor)
            if task.assignee_id not in (None, actor.user_id):
                raise NotPermitted("Deze taak is al aan iemand anders toegewezen.")
            user = self._colleague(s, actor, task.role, assignee_id)
            if user.id != actor.user_id and not text:
                raise InvalidPayload({"reason": "Geef een reden: uw collega leest waarom deze taak bij hem of haar ligt."})
            if len(text) > MAX_REASON:
                raise InvalidPayload({"reason": f"De reden is te lang (hoogstens {MAX_REASON} tekens)."})
            if task.assignee_id != user.id:
                self._move(s, actor, task, user.id, ASSIGN, text or None)

    def hand_over(self, actor: Actor, task_ids: Iterable[object], to_user_id: object, reason: object) -> int:
        """A coordinator hands several tasks of their role to a colleague, with a reason.

        All or nothing: one task that cannot be handed over refuses the whole batch.
        Returns the number of tasks that changed hands.
        """
        ids = list(task_ids)
        errors: dict[str, str] = {}
        text = reason.strip() if isinstance(reason, str) else ""
        if not text:
            errors["reason"] = "Geef een reden voor de overdracht."
        elif len(text) > MAX_REASON:
            errors["reason"] = f"De reden is te lang (hoogstens {MAX_REASON} tekens)."
        if not ids:
            errors["task_ids"] = "Kies ten minste één taak."
        elif len(ids) > MAX_BATCH:
            errors["task_ids"] = f"Kies hoogstens {MAX_BATCH} taken tegelijk."
        with self.services.db.write() as s:
            me = s.get(User, actor.user_id) if actor.user_id is not None else None
            if me is None or not me.active or not me.is_coordinator:
                raise NotPermitted("Alleen een coördinator kan taken overdragen.")
            if errors:
                raise InvalidPayload(errors)
            tasks = self._tasks(s, actor, ids)  # type: ignore[arg-type]
            target = self._colleague(s, actor, actor.role, to_user_id)
            holders = {t.assignee_id for t in tasks if t.assignee_id is not None}
            outside = s.scalar(select(User.id).where(User.id.in_(holders), User.organisation_id != actor.organisation_id)
                               .limit(1)) if holders else None
            for task in tasks:
                self._open_for_role(task, actor)
            if outside is not None:
                raise NotPermitted("U kunt alleen taken van uw eigen organisatie overdragen.")
            moved = 0
            for task in tasks:
                if task.assignee_id != target.id:
                    self._move(s, actor, task, target.id, HANDOVER, text)
                    moved += 1
            return moved

    def set_follow_up(self, actor: Actor, task_id: int, day: date | None) -> None:
        """The assignee's own day to look at the task again (None clears it)."""
        today = local_today(self.services.clock.now())
        if day is not None and not isinstance(day, date):
            raise InvalidPayload({"follow_up_on": "Vul een geldige datum in."})
        if day is not None and day <= today:
            raise InvalidPayload({"follow_up_on": "Kies een datum na vandaag."})
        if day is not None and day > today + timedelta(days=MAX_FOLLOW_UP_DAYS):
            raise InvalidPayload({"follow_up_on": "Kies een datum binnen een jaar."})
        with self.services.db.write() as s:
            (task,) = self._tasks(s, actor, [task_id])
            if task.status != "open":
                raise NotPermitted("Deze taak is al afgesloten.")
            if task.assignee_id != actor.user_id:
                raise NotPermitted("U kunt alleen een datum zetten bij uw eigen taken.")
            task.follow_up_on = day

    def complete(self, actor: Actor, task_id: int) -> None:
        """Tick off a checklist task by hand: the one rule for the web and the API.

        A task that stands for an action (sign the plan, record an evaluation, name a Harrie)
        closes only by performing that action, and a task that follows the case data closes
        when the data says the work is done: neither can be ticked off. A checklist task is
        ticked by its assignee, or, while nobody holds it, by anyone with the task's role.
        """
        with self.services.db.write() as s:
            (task,) = self._tasks(s, actor, [task_id])
            if task.status != "open":
                raise NotPermitted("Deze taak is al afgesloten.")
            self._refuse_unless_checklist(s, task)
            if task.assignee_id is not None and task.assignee_id != actor.user_id:
                raise NotPermitted("U kunt alleen uw eigen taken afronden.")
            if task.assignee_id is None and task.role != actor.role:
                raise NotPermitted("Deze taak is niet voor uw rol.")
            task.status = "done"
            task.completed_by_id = actor.user_id
            task.completed_at = self.services.clock.now()

    def _refuse_unless_checklist(self, s: Session, task: Task) -> None:
        case = s.get(Case, task.case_id)
        compiled = self.services.registry.get(case.workflow, case.workflow_version)
        spec = compiled.task_specs.get(task.key)
        if spec is None or spec.checklist:
            return
        action = compiled.actions.get(spec.action) if spec.action and compiled.actions else None
        if action is not None:
            raise NotPermitted(f"Deze taak rondt u af door de actie '{action.label}' uit te voeren.",
                               action=action.name)
        raise NotPermitted("Deze taak sluit vanzelf zodra het werk is vastgelegd.")
