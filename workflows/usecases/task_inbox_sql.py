"""The task lists' statements: the names joined to the engine's task selects, and the plain
(unfiltered) lists' statements built once per actor.

Why once per actor: building an inbox request's statements (SQLAlchemy's coercions, about
215 a request) and running them through the ORM session cost more CPU than PostgreSQL spent
on them (docs/benchmark.md, round 8). The statements a plain list sends depend only on the
actor (the access filter, the user and role), the page's row limit and the day; the day goes
in as parameters, the rest is built into a `DriverStatement` (`engine.inbox.built_once`),
compiled once and run on the read session's connection.

Ids first: the page's task ids are taken from the assignee index in due order with the
LIMIT, and only those rows are joined to case, employer, candidate and assignee. Joined
first, PostgreSQL joined every open task of the busiest coach (215, estimated 34) before its
top-N sort. The list's order is urgency in SQL whatever the column sort (`TaskInbox.mine`
sorts the page's lines in Python), so taking the ids first is right for every sort.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased

from engine import inbox
from engine.access import AccessPolicy
from engine.spec import Actor
from engine.store.driver_sql import DriverStatement
from engine.store.models import Case, Organisation, Task, User
from engine.store.personal_data import DataKey
from workflows.domain.candidate_plan import NAME as CANDIDATE_PLAN
from workflows.domain.roles import ORG_EMPLOYER
from workflows.storage.models import Candidate


def named_tasks(policy: AccessPolicy, actor: Actor, scope: inbox.Scope | None) -> Select:
    """`engine.inbox.select_tasks` with what people know a case by: the employer, the
    candidate (sealed: with their data key) and the assignee's name. Scope None: no list's
    conditions (`engine.inbox.task_rows`), for rows picked by id; the access filter stays."""
    assignee = User.__table__.alias("assignee")
    tasks = inbox.task_rows(policy, actor) if scope is None else inbox.select_tasks(policy, actor, scope)
    return (
        tasks
        .add_columns(Organisation.name.label("company"), Candidate.first_name, Candidate.last_name,
                     DataKey.wrapped.label("candidate_key"), assignee.c.name.label("assignee_name"))
        .outerjoin(Organisation, Organisation.id == Case.organisation_id)
        .outerjoin(Candidate, and_(Case.workflow == CANDIDATE_PLAN,
                                   Candidate.id == Case.data["candidate_id"].as_integer()))
        .outerjoin(DataKey, DataKey.subject_id == Candidate.id)  # names are sealed: their key, same row
        .outerjoin(assignee, assignee.c.id == Task.assignee_id)
    )


# The day's values, as parameters: the local day, midnight today, tomorrow and next Monday.
TODAY, START, TOMORROW, NEXT_WEEK = "today", "start_of_today", "tomorrow", "next_week"


@dataclass(frozen=True)
class MineStatements:
    """One page of a person's unfiltered inbox: counts, the urgent lines, the parked lines."""

    counts: DriverStatement  # late, today, this week, later, parked
    dated: DriverStatement  # not parked, with a due date, in due order, up to the page's end
    undated: DriverStatement  # not parked, without one
    parked: DriverStatement  # parked, by follow-up day (the first page's worth)


def mine_statements(policy: AccessPolicy, actor: Actor, upto: int, parked_rows: int) -> MineStatements:
    return inbox.built_once(policy, ("mine", actor, upto, parked_rows),
                            lambda: _mine(policy, actor, upto, parked_rows))


def _mine(policy: AccessPolicy, actor: Actor, upto: int, parked_rows: int) -> MineStatements:
    today = bindparam(TODAY, type_=Task.follow_up_on.type)
    parked_if = and_(Task.follow_up_on.is_not(None), Task.follow_up_on > today)
    ids = inbox.my_open_tasks(policy, actor, Task.id)  # the assignee index, the access filter
    named = named_tasks(policy, actor, None)  # read by the ids picked: no second pass over the index

    def page(where, order, limit: int) -> DriverStatement:
        first = ids.where(*where).order_by(*order).limit(limit).correlate(None)  # its own task rows
        return DriverStatement(named.where(Task.id.in_(first)).order_by(*order))

    dated = page([~parked_if, Task.due_at.is_not(None)], [Task.due_at, Task.id], upto)
    # All due_at are NULL here; ordering by it too lets PostgreSQL read the index in order.
    undated = page([~parked_if, Task.due_at.is_(None)], [Task.due_at, Task.id], upto)
    parked = page([parked_if], [Task.follow_up_on, Task.id], parked_rows)
    rows = inbox.my_open_tasks(policy, actor, Task.due_at, Task.follow_up_on).subquery()
    return MineStatements(counts=DriverStatement(group_counts(rows)), dated=dated, undated=undated, parked=parked)


def group_counts(rows) -> Select:
    """How many of `rows` (due_at, follow_up_on) fall in each urgency group, and how many are
    parked; the day's bounds as parameters (TODAY, START, TOMORROW, NEXT_WEEK)."""
    due, follow = rows.c.due_at, rows.c.follow_up_on
    today = bindparam(TODAY, type_=Task.follow_up_on.type)
    start, tomorrow, next_week = (bindparam(n, type_=Task.due_at.type) for n in (START, TOMORROW, NEXT_WEEK))
    parked = and_(follow.is_not(None), follow > today)
    active = or_(follow.is_(None), follow <= today)
    return select(
        func.count().filter(and_(active, due < start)).label("late"),
        func.count().filter(and_(active, due >= start, due < tomorrow)).label("today"),
        func.count().filter(and_(active, due >= tomorrow, due < next_week)).label("week"),
        func.count().filter(and_(active, or_(due.is_(None), due >= next_week))).label("later"),
        func.count().filter(parked).label("parked"),
    ).select_from(rows)


@dataclass(frozen=True)
class QueueStatements:
    """One page of a role's unfiltered queue in due order (the queue index read in order)."""

    dated: DriverStatement
    undated: DriverStatement


def queue_statements(policy: AccessPolicy, actor: Actor, upto: int) -> QueueStatements:
    def build() -> QueueStatements:
        named = named_tasks(policy, actor, "queue")
        order = [Task.due_at, Task.id]
        return QueueStatements(
            dated=DriverStatement(named.where(Task.due_at.is_not(None)).order_by(*order).limit(upto)),
            undated=DriverStatement(named.where(Task.due_at.is_(None)).order_by(*order).limit(upto)))
    return inbox.built_once(policy, ("queue", actor, upto), build)


@dataclass(frozen=True)
class OptionStatements:
    employers: DriverStatement  # (id, name) of employers with a case the actor may see, by name
    candidates: DriverStatement  # (id, first_name, last_name, wrapped) of candidates of visible plans


def option_statements(policy: AccessPolicy, actor: Actor) -> OptionStatements:
    return inbox.built_once(policy, ("options", actor), lambda: _options(policy, actor))


def _options(policy: AccessPolicy, actor: Actor) -> OptionStatements:
    # EXISTS per employer (an index probe each) rather than IN over every visible case,
    # which read all of them (50 ms per page at 100,000 cases).
    # (An alias: the policy's own filter may select from `organisation` too.)
    employer = aliased(Organisation)
    visible = select(Case.id).where(Case.organisation_id == employer.id, policy.case_filter(actor)).exists()
    # The plans' ids from the (workflow, state) index first: with `workflow = ?` alone
    # SQLite read every case's JSON (20 ms per page at 100,000 cases).
    plans = select(Case.id).where(Case.workflow == CANDIDATE_PLAN, policy.case_filter(actor))
    plan_candidates = select(Case.data["candidate_id"].as_integer()).where(Case.id.in_(plans))
    return OptionStatements(
        employers=DriverStatement(select(employer.id.label("id"), employer.name.label("name"))
                                  .where(employer.kind == ORG_EMPLOYER, visible).order_by(employer.name)),
        candidates=DriverStatement(select(Candidate.id, Candidate.first_name, Candidate.last_name, DataKey.wrapped)
                                   .outerjoin(DataKey, DataKey.subject_id == Candidate.id)
                                   .where(Candidate.id.in_(plan_candidates))))
