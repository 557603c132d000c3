"""Read side: a person's tasks, their role's queue, the archive, as small dataclasses.

One query per list (tasks joined with their case), filtered by the access policy in SQL,
so the page costs the same whatever the organisation's history. The domain (workflows/)
extends the statements of `select_tasks` with its own joins (who a case is about) and
filters; the engine only knows tasks, cases, users and dates.

Urgency is counted in Dutch calendar days: a task is late ("Te laat") once the day of its
due date is over, and a task whose assignee chose a follow-up day ("Later terugzien") in
the future leaves the urgent groups until that day.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, TypeVar
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import True_

from engine.access import AccessPolicy
from engine.clock import ensure_utc
from engine.spec import Actor
from engine.store.driver_sql import DriverStatement
from engine.store.models import Case, Task, User

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LATE, TODAY, THIS_WEEK, LATER = "Te laat", "Vandaag", "Deze week", "Later"
GROUPS = (LATE, TODAY, THIS_WEEK, LATER)
PARKED = "Later terugzien"

Scope = Literal["mine", "queue", "team", "archive"]
T = TypeVar("T")


@lru_cache(maxsize=64)
def local_today(now: datetime) -> date:
    """Cached per moment: a task page asks it for every row with the same `now`."""
    return ensure_utc(now).astimezone(AMSTERDAM).date()


@lru_cache(maxsize=64)
def start_of_today(now: datetime) -> datetime:
    """Midnight in Amsterdam, as UTC: a task due before this moment is late.

    Cached per moment: a task page asks it twice for every row with the same `now`."""
    return start_of_day(local_today(now), now)


def start_of_day(day: date, now: datetime) -> datetime:
    """Midnight in Amsterdam at the start of `day`, in the timezone of `now` (UTC)."""
    return datetime.combine(day, time(0, 0), AMSTERDAM).astimezone(ensure_utc(now).tzinfo)


def due_group(due_at: datetime | None, now: datetime) -> str:
    """Te laat / Vandaag / Deze week (until Sunday) / Later, by the Dutch calendar day."""
    if due_at is None:
        return LATER
    local_due = ensure_utc(due_at).astimezone(AMSTERDAM).date()
    today = local_today(now)
    if local_due < today:
        return LATE
    if local_due == today:
        return TODAY
    if local_due <= today + timedelta(days=6 - today.weekday()):
        return THIS_WEEK
    return LATER


def is_parked(follow_up_on: date | None, now: datetime) -> bool:
    """The assignee asked to see the task again on a later day."""
    return follow_up_on is not None and follow_up_on > local_today(now)


@dataclass(frozen=True)
class InboxItem:
    task_id: int
    title: str
    role: str
    assignee_id: int | None
    due_at: datetime | None
    follow_up_on: date | None
    case_id: int
    workflow: str
    case_state: str
    organisation_id: int | None
    status: str

    def group(self, now: datetime) -> str:
        return due_group(self.due_at, now)

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and ensure_utc(self.due_at) < now


# -- statements built once per actor ----------------------------------------------------------

_BUILT: WeakKeyDictionary[AccessPolicy, OrderedDict[Hashable, object]] = WeakKeyDictionary()
_BUILT_PER_POLICY = 512  # (actor, statement) pairs kept: the people using one process at a time
_BUILT_LOCK = threading.Lock()


def built_once(policy: AccessPolicy, key: Hashable, build: Callable[[], T]) -> T:
    """What `build` makes for this policy and `key` (which holds the actor), made once.

    A list page's statements differ per actor only by values the policy and the actor fix
    (the user, the organisation, the limit), so they are built and compiled once per actor
    and run with the day's values as parameters: building them on every request cost more
    CPU than PostgreSQL spent running them (docs/benchmark.md, round 8). The access filter
    is part of what is built: a statement built for one actor is never run for another.
    """
    with _BUILT_LOCK:  # waitress serves from several threads
        table = _BUILT.get(policy)
        if table is None:
            table = _BUILT[policy] = OrderedDict()
        made = table.get(key)
        if made is not None:
            table.move_to_end(key)
            return made  # type: ignore[return-value]
    made = build()  # outside the lock: two threads may both build; either result is the same
    with _BUILT_LOCK:
        table[key] = made
        if len(table) > _BUILT_PER_POLICY:
            table.popitem(last=False)
    return made


# -- statements the domain can extend --------------------------------------------------------


def select_tasks(policy: AccessPolicy, actor: Actor, scope: Scope) -> Select:
    """Tasks joined with their case, limited to what the actor may see, for one list.

    - mine: open tasks assigned to the actor;
    - queue: open, unassigned tasks of the actor's role;
    - team: open tasks of the actor's role, unassigned or held by someone of the actor's
      organisation (what a coordinator may hand over);
    - archive: closed tasks the actor held or completed.
    Columns are labelled (task_id, title, ..., case_state) so callers can add their own.
    """
    stmt = task_rows(policy, actor)
    if scope == "mine":
        stmt = stmt.where(Task.assignee_id == actor.user_id, Task.status == "open")
    elif scope == "queue":
        stmt = stmt.where(Task.role == actor.role, Task.assignee_id.is_(None), Task.status == "open")
    elif scope == "team":
        holder = aliased(User)
        stmt = stmt.outerjoin(holder, holder.id == Task.assignee_id).where(
            Task.role == actor.role, Task.status == "open",
            or_(Task.assignee_id.is_(None), holder.organisation_id == actor.organisation_id),
        )
    elif scope == "archive":
        stmt = stmt.where(
            Task.status != "open", or_(Task.completed_by_id == actor.user_id, Task.assignee_id == actor.user_id)
        )
    else:  # pragma: no cover - a programming error
        raise ValueError(scope)
    return stmt


def task_rows(policy: AccessPolicy, actor: Actor) -> Select:
    """The columns of `select_tasks` for tasks on cases the actor may see, without a list's
    conditions: for rows whose ids a list's own statement picked (`Task.id.in_(...)`), so
    the database reads just those rows by their key."""
    return (
        select(
            Task.id.label("task_id"), Task.key.label("task_key"), Task.title, Task.role, Task.assignee_id, Task.due_at,
            Task.follow_up_on, Task.status, Task.completed_at, Task.case_id, Case.workflow,
            Case.state.label("case_state"), Case.organisation_id,
        )
        .join(Case, Case.id == Task.case_id)
        .where(policy.case_filter(actor))
    )


def newest_first(stmt: Select) -> Select:
    return stmt.order_by(Task.completed_at.desc(), Task.id.desc())


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """Due on a Dutch calendar day that is over (the "Te laat" group)."""
    return Task.due_at < start_of_today(now)


def not_parked_clause(now: datetime) -> ColumnElement[bool]:
    return or_(Task.follow_up_on.is_(None), Task.follow_up_on <= local_today(now))


# -- the lists the engine itself needs (digest, calendar feed) ------------------------------


def _items(session: Session, stmt: Select) -> list[InboxItem]:
    return [
        InboxItem(
            task_id=r.task_id, title=r.title, role=r.role, assignee_id=r.assignee_id, due_at=r.due_at,
            follow_up_on=r.follow_up_on, case_id=r.case_id, workflow=r.workflow, case_state=r.case_state,
            organisation_id=r.organisation_id, status=r.status,
        )
        for r in session.execute(stmt).all()
    ]


def urgent_first(run: Callable[[Select], list[T]], stmt: Select, limit: int) -> list[T]:
    """Tasks with a due date in due order, then those without one: at most two queries.

    Each query reads its index in order and stops after `limit` rows, where one query
    ordering by `due_at IS NULL` first would sort every matching task (docs/benchmark.md).
    `run` executes a statement and maps its rows (the domain adds its own columns).
    """
    rows = run(stmt.where(Task.due_at.is_not(None)).order_by(Task.due_at, Task.id).limit(limit))
    if len(rows) < limit:
        # All due_at are NULL here; ordering by it too lets PostgreSQL read the index in order.
        rows += run(stmt.where(Task.due_at.is_(None)).order_by(Task.due_at, Task.id).limit(limit - len(rows)))
    return rows


def mine(session: Session, policy: AccessPolicy, actor: Actor, limit: int = 500) -> list[InboxItem]:
    """Open tasks assigned to the actor, most urgent first (index ix_task_assignee_status_due)."""
    return urgent_first(lambda stmt: _items(session, stmt), select_tasks(policy, actor, "mine"), limit)


def queue(session: Session, policy: AccessPolicy, actor: Actor, limit: int = 500) -> list[InboxItem]:
    """Open, unassigned tasks for the actor's role on cases the actor may see (index ix_task_queue)."""
    return urgent_first(lambda stmt: _items(session, stmt), select_tasks(policy, actor, "queue"), limit)


def archive(session: Session, policy: AccessPolicy, actor: Actor, limit: int = 100) -> list[InboxItem]:
    """Tasks the actor held or completed, newest first."""
    return _items(session, newest_first(select_tasks(policy, actor, "archive")).limit(limit))


def case_tasks(session: Session, case_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id)))


def group_items(items: list[InboxItem], now: datetime) -> dict[str, list[InboxItem]]:
    groups: dict[str, list[InboxItem]] = {g: [] for g in GROUPS}
    for item in items:
        groups[item.group(now)].append(item)
    return groups


# -- counts for the navigation: one aggregate query ---------------------------------------


@dataclass(frozen=True)
class TaskCounts:
    mine: int  # open tasks assigned to me
    late: int  # of those: late, parked for later or not (parking a task does not make it less late)
    queue: int  # open, unassigned tasks of my role that I may see (counted up to QUEUE_COUNT_CAP + 1)

    @property
    def queue_label(self) -> str:
        """The queue's size as the navigation shows it: exact up to the cap, then "1000+"."""
        return f"{QUEUE_COUNT_CAP}+" if self.queue > QUEUE_COUNT_CAP else str(self.queue)


# The queue of a whole organisation can hold hundreds of thousands of tasks; counting them
# on every page grew with the organisation's history (30 ms at 1,000,000 cases). Past the cap
# the navigation says "1000+", and the count stops reading the index there.
QUEUE_COUNT_CAP = 1000


def my_open_tasks(policy: AccessPolicy, actor: Actor, *columns: ColumnElement) -> Select:
    """`columns` of the actor's open tasks, read from the assignee index; the case is joined
    only when the policy restricts which cases the actor sees (counts, id lists)."""
    stmt = select(*columns).select_from(Task).where(Task.assignee_id == actor.user_id, Task.status == "open")
    return _visible_only(stmt, policy.case_filter(actor))


def _visible_only(stmt: Select, visible: ColumnElement[bool]) -> Select:
    """Tasks of cases the actor may see: the case joined only when the policy restricts them."""
    return stmt if isinstance(visible, True_) else stmt.join(Case, Case.id == Task.case_id).where(visible)


def task_counts(session: Session, policy: AccessPolicy, actor: Actor, now: datetime) -> TaskCounts:
    """My open tasks, how many of them are late, and the unassigned queue of my role: one
    statement of three scalar subqueries, each reading one index (built once per actor).

    One aggregate with `OR` over both lists made SQLite visit every queued task and its
    case row (300 ms at 100,000 cases on every page, for the navigation). The case is
    joined only when the policy restricts which cases the actor sees; for everyone else
    the queue count is answered from `ix_task_queue` alone.
    """
    stmt = built_once(policy, ("task_counts", actor), lambda: DriverStatement(_task_counts(policy, actor)))
    row = stmt.mappings(session, {"start_of_today": start_of_today(now)})[0]
    return TaskCounts(mine=int(row["mine"]), late=int(row["late"]), queue=int(row["queue"]))


def _task_counts(policy: AccessPolicy, actor: Actor) -> Select:
    visible = policy.case_filter(actor)

    def count(*where: ColumnElement[bool], cap: int | None = None):
        stmt = _visible_only(
            select(Task.id if cap else func.count()).select_from(Task).where(Task.status == "open", *where), visible)
        if cap:
            return select(func.count()).select_from(stmt.limit(cap + 1).subquery()).scalar_subquery()
        return stmt.scalar_subquery()

    mine = Task.assignee_id == actor.user_id
    return select(
        count(mine).label("mine"),
        count(mine, Task.due_at < bindparam("start_of_today")).label("late"),
        # `assignee_id + 0`: the same test, but SQLite's planner no longer picks the
        # assignee index (every unassigned task of every role, each row fetched) over
        # the covering ix_task_queue (40x faster at 100,000 cases).
        count(Task.role == actor.role, (Task.assignee_id + 0).is_(None), cap=QUEUE_COUNT_CAP).label("queue"),
    )
