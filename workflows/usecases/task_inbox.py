"""The task lists people work from, with each case named the way people know it.

A company trajectory is known by the company's name, a candidate plan by the candidate's
name and the employer. The engine's statements (`engine.inbox.select_tasks`) are extended
here with those joins, so every list is one query whatever its length; filters and the free
text search run in SQL too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from engine import inbox
from engine.clock import ensure_utc
from engine.registry import Registry
from engine.services import Services
from engine.spec import Actor
from engine.store import personal_data as sealing
from engine.store.driver_sql import DriverStatement
from engine.store.models import Case, Organisation, Task, User
from workflows.storage.models import Candidate
from workflows.usecases import task_inbox_sql as sql

MAX_LIST = 500
INBOX_PAGE = 50  # rows of "Mijn taken" per page (each row has two forms), as in the queue
MAX_INBOX_PAGE = 200
QUEUE_PAGE = 50  # rows per queue page (each row has two forms)
ARCHIVE_PAGE = 25
MAX_SEARCH = 100

# Column sorts of the task tables (`?sorteer=`, column -> header): the default is urgency
# (due date first); the archive's is the newest closed first.
TASK_SORTS = {"taak": "Taak", "zaak": "Zaak", "fase": "Fase", "uiterlijk": "Uiterlijk"}
SORTS = tuple(TASK_SORTS)
ARCHIVE_SORTS = {"taak": "Taak", "zaak": "Zaak", "status": "Status", "gesloten": "Gesloten op"}


def _sort_key(sort: str):
    """A Python key for sorting the lines of one page (names are sealed, so not in SQL)."""
    far = datetime.max.replace(tzinfo=None)
    return {
        "taak": lambda t: (t.title.lower(), t.task_id),
        "zaak": lambda t: (t.case_name.lower(), t.task_id),
        "fase": lambda t: (t.phase_label.lower(), t.task_id),
    }.get(sort, lambda t: (ensure_utc(t.due_at).replace(tzinfo=None) if t.due_at else far, t.task_id))


def sort_lines(lines: list[TaskLine], sort: str, descending: bool = False) -> list[TaskLine]:
    return sorted(lines, key=_sort_key(sort), reverse=descending)


@dataclass(frozen=True)
class TaskFilter:
    """What the filter form asks for; every field optional."""

    company_id: int | None = None
    candidate_id: int | None = None
    phase: str | None = None  # "workflow:state"
    overdue_only: bool = False
    text: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.company_id or self.candidate_id or self.phase or self.overdue_only or self.text)


@dataclass(frozen=True)
class TaskLine:
    task_id: int
    title: str
    role: str
    assignee_id: int | None
    assignee_name: str | None
    due_at: datetime | None
    follow_up_on: date | None
    status: str
    completed_at: datetime | None
    case_id: int
    workflow: str
    workflow_label: str
    case_state: str
    phase_label: str
    company: str | None
    candidate: str | None
    action: str = ""  # the action that does this task's work (its button opens it)
    action_label: str = ""
    checklist: bool = True  # ticked off by hand; otherwise it closes with its action or its data

    @property
    def case_name(self) -> str:
        """'Daan Verhoeven (Bakkerij De Korenaar)' for a plan, 'Bakkerij De Korenaar' for a trajectory."""
        if self.candidate and self.company:
            return f"{self.candidate} ({self.company})"
        return self.candidate or self.company or f"{self.workflow_label} #{self.case_id}"

    def group(self, now: datetime) -> str:
        return inbox.due_group(self.due_at, now)

    def late(self, now: datetime) -> bool:
        return self.due_at is not None and ensure_utc(self.due_at) < inbox.start_of_today(now)


@dataclass(frozen=True)
class Inbox:
    """One page of my tasks, with the counts of all pages."""

    groups: dict[str, list[TaskLine]]  # this page's tasks: Te laat, Vandaag, Deze week, Later
    parked: list[TaskLine]  # Later terugzien, by follow-up day (the first INBOX_PAGE)
    total: int  # open tasks not parked, on all pages
    counts: dict[str, int] = field(default_factory=dict)  # per group, on all pages
    parked_total: int = 0
    number: int = 1
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class Page:
    items: list[TaskLine]
    number: int
    has_next: bool
    total: int | None = None  # all rows on all pages, when the list counts them (the archive)
    size: int = 0  # rows per page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size)) if self.total is not None and self.size else self.number

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FilterOptions:
    companies: list[Option] = field(default_factory=list)
    candidates: list[Option] = field(default_factory=list)
    phases: list[Option] = field(default_factory=list)


# Every queue page offers the colleagues a task can be given to: built and compiled once.
# (user_id -1: nobody is left out.)
_COLLEAGUES = DriverStatement(
    select(User.id, User.name)
    .where(User.active.is_(True), User.role == bindparam("role"),
           User.organisation_id == bindparam("organisation_id"), User.id != bindparam("user_id"))
    .order_by(User.name, User.id))


class TaskInbox:
    """Read model of the inbox, queue, team list and archive (no writes)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def registry(self) -> Registry:
        return self.services.registry

    # statements --------------------------------------------------------------------------
    def _select(self, actor: Actor, scope: inbox.Scope, f: TaskFilter | None) -> Select:
        stmt = sql.named_tasks(self.services.policy, actor, scope)
        return self._filtered(stmt, f) if f is not None else stmt

    def _filtered(self, stmt: Select, f: TaskFilter) -> Select:
        now = self.services.clock.now()
        if f.company_id:
            stmt = stmt.where(Case.organisation_id == f.company_id)
        if f.candidate_id:
            stmt = stmt.where(Candidate.id == f.candidate_id)
        if f.phase and ":" in f.phase:
            workflow, state = f.phase.split(":", 1)
            stmt = stmt.where(Case.workflow == workflow, Case.state == state)
        if f.overdue_only:
            stmt = stmt.where(inbox.overdue_clause(now))
        text = (f.text or "").strip()[:MAX_SEARCH]
        if text:
            # Names are sealed: whole words of a name are found through the blind index.
            named = sealing.name_clause(self.services.db.master_key.get(), text, Candidate.id)
            stmt = stmt.where(or_(
                Task.title.icontains(text, autoescape=True),
                Organisation.name.icontains(text, autoescape=True),
                *([named] if named is not None else []),
            ))
        return stmt

    def _lines(self, s: Session, stmt: Select | DriverStatement, params: dict | None = None) -> list[TaskLine]:
        """The lines of a statement's rows (a statement built per request, or once: a DriverStatement)."""
        rows = stmt.mappings(s, params or {}) if isinstance(stmt, DriverStatement) else \
            [r._mapping for r in s.execute(stmt)]
        out = []
        registry = self.registry
        known = set(registry.names())
        for r in rows:
            workflow, state = r["workflow"], r["case_state"]
            compiled = registry.get(workflow) if workflow in known else None
            spec = compiled.spec if compiled else None
            task_spec = compiled.task_specs.get(r["task_key"]) if compiled else None
            action = compiled.actions.get(task_spec.action) if task_spec and task_spec.action and compiled.actions \
                else None
            candidate = candidate_name(s, r["first_name"], r["last_name"], r["candidate_key"])
            out.append(TaskLine(
                task_id=r["task_id"], title=r["title"], role=r["role"], assignee_id=r["assignee_id"],
                assignee_name=r["assignee_name"], due_at=r["due_at"], follow_up_on=r["follow_up_on"],
                status=r["status"], completed_at=r["completed_at"], case_id=r["case_id"], workflow=workflow,
                workflow_label=spec.label if spec else workflow, case_state=state,
                phase_label=spec.state_label(state) if spec else state,
                company=r["company"], candidate=candidate or None,
                action=action.name if action else "", action_label=action.label if action else "",
                checklist=task_spec is None or task_spec.checklist,
            ))
        return out

    # lists -------------------------------------------------------------------------------
    def mine(self, actor: Actor, f: TaskFilter | None = None, page: int = 1, sort: str = "uiterlijk",
             descending: bool = False) -> Inbox:
        """One page of my open tasks by urgency; those I parked for later apart, by their follow-up day.

        Pages of INBOX_PAGE rows in due order (the groups follow that order), so a coach with
        2,000 tasks gets a page about as fast as one with 20; the counts per group come from one
        aggregate over all of them, read from the assignee index.
        """
        now = self.services.clock.now()
        page = max(1, min(page, MAX_INBOX_PAGE))
        upto = page * INBOX_PAGE + 1
        if f is None or not f.active:
            counts, parked_total, lines, parked = self._plain_mine(actor, now, upto)
        else:
            counts, parked_total, lines, parked = self._filtered_mine(actor, f, now, upto)
        start = (page - 1) * INBOX_PAGE
        groups: dict[str, list[TaskLine]] = {g: [] for g in inbox.GROUPS}
        for line in lines[start:start + INBOX_PAGE]:
            groups[line.group(now)].append(line)
        if sort != "uiterlijk" or descending:  # within each urgency group, on this page
            groups = {g: sort_lines(items, sort, descending) for g, items in groups.items()}
            parked = sort_lines(parked, sort, descending)
        return Inbox(groups=groups, parked=parked, total=sum(counts.values()), counts=counts,
                     parked_total=parked_total, number=page, has_next=len(lines) > start + INBOX_PAGE)

    def _plain_mine(self, actor: Actor, now: datetime, upto: int) -> tuple[dict[str, int], int, list, list]:
        """Unfiltered: the counts and the page's ids from the task rows alone (the assignee
        index), names joined only for the rows shown; statements built once per actor."""
        stmts = sql.mine_statements(self.services.policy, actor, upto, INBOX_PAGE)
        day = _day_params(now)
        with self.services.db.read() as s:
            counts, parked_total = _counted(stmts.counts.mappings(s, day)[0])
            lines = self._lines(s, stmts.dated, day)
            if len(lines) < upto:
                lines += self._lines(s, stmts.undated, day)[:upto - len(lines)]
            parked = self._lines(s, stmts.parked, day)
        return counts, parked_total, lines, parked

    def _filtered_mine(self, actor: Actor, f: TaskFilter, now: datetime, upto: int
                       ) -> tuple[dict[str, int], int, list, list]:
        """With filters: the names are part of the filter, so the statements join them."""
        today = inbox.local_today(now)
        stmt = self._select(actor, "mine", f)
        parked_if = and_(Task.follow_up_on.is_not(None), Task.follow_up_on > today)
        rows = stmt.with_only_columns(Task.due_at, Task.follow_up_on).order_by(None).subquery()
        with self.services.db.read() as s:
            counts, parked_total = _counted(s.execute(sql.group_counts(rows), _day_params(now)).mappings().one())
            lines = inbox.urgent_first(lambda q: self._lines(s, q), stmt.where(~parked_if), upto)
            parked = self._lines(s, stmt.where(parked_if).order_by(Task.follow_up_on, Task.id).limit(INBOX_PAGE))
        return counts, parked_total, lines, parked

    def queue(self, actor: Actor, f: TaskFilter | None = None) -> list[TaskLine]:
        with self.services.db.read() as s:
            return inbox.urgent_first(lambda q: self._lines(s, q), self._select(actor, "queue", f), MAX_LIST)

    def queue_page(self, actor: Actor, f: TaskFilter | None = None, page: int = 1, sort: str = "uiterlijk",
                   descending: bool = False) -> Page:
        """One page of the queue, most urgent first.

        Pages because every queue row carries two forms (take, assign to one of the
        colleagues): 500 rows were 1.6 MB and most of a second to render. The query reads
        its index in order up to the end of the requested page (at most MAX_LIST rows).
        """
        page = max(1, min(page, MAX_LIST // QUEUE_PAGE))
        upto = page * QUEUE_PAGE + 1
        columns = {"taak": [Task.title], "fase": [Case.workflow, Case.state],
                   "zaak": [Organisation.name, Case.id]}.get(sort)  # candidates' names are sealed
        with self.services.db.read() as s:
            if columns is None and not descending and (f is None or not f.active):
                plain = sql.queue_statements(self.services.policy, actor, upto)  # built once per actor
                lines = self._lines(s, plain.dated)
                if len(lines) < upto:
                    lines += self._lines(s, plain.undated)[:upto - len(lines)]
            elif columns is None and not descending:
                lines = inbox.urgent_first(lambda q: self._lines(s, q), self._select(actor, "queue", f), upto)
            else:
                order = [c.desc() if descending else c for c in (columns or [Task.due_at])] + [Task.id]
                lines = self._lines(s, self._select(actor, "queue", f).order_by(*order).limit(upto))
        start = (page - 1) * QUEUE_PAGE
        return Page(items=lines[start:start + QUEUE_PAGE], number=page, has_next=len(lines) > start + QUEUE_PAGE)

    def team(self, actor: Actor, f: TaskFilter | None = None, assignee_id: int | None = None) -> list[TaskLine]:
        """Open tasks of a coordinator's role in their organisation (for handing over)."""
        stmt = self._select(actor, "team", f)
        if assignee_id:
            stmt = stmt.where(Task.assignee_id == assignee_id)
        with self.services.db.read() as s:
            return inbox.urgent_first(lambda q: self._lines(s, q), stmt, MAX_LIST)

    def archive(self, actor: Actor, page: int = 1, sort: str = "gesloten", descending: bool = True) -> Page:
        """One page of my closed tasks, newest first (or by a column), with how many there are in
        all (page numbers). Sorted in SQL, so page 2 follows page 1 (candidates' names are
        sealed: a case sorts by its employer and number)."""
        page = max(1, page)
        base = self._select(actor, "archive", None)
        columns = {"taak": [Task.title], "zaak": [Organisation.name, Case.id], "status": [Task.status],
                   "gesloten": [Task.completed_at]}.get(sort, [Task.completed_at])
        ordered = base.order_by(*[c.desc() if descending else c for c in columns],
                                Task.id.desc() if descending else Task.id)
        stmt = ordered.offset((page - 1) * ARCHIVE_PAGE).limit(ARCHIVE_PAGE + 1)
        counted = inbox.select_tasks(self.services.policy, actor, "archive").with_only_columns(Task.id)
        with self.services.db.read() as s:
            lines = self._lines(s, stmt)
            total = s.scalar(select(func.count()).select_from(counted.order_by(None).subquery()))
        return Page(items=lines[:ARCHIVE_PAGE], number=page, has_next=len(lines) > ARCHIVE_PAGE,
                    total=int(total or 0), size=ARCHIVE_PAGE)

    def counts(self, actor: Actor) -> inbox.TaskCounts:
        with self.services.db.read() as s:
            return inbox.task_counts(s, self.services.policy, actor, self.services.clock.now())

    # what the forms offer ----------------------------------------------------------------
    def colleagues(self, actor: Actor, *, include_self: bool = False) -> list[tuple[int, str]]:
        """Active users with my role in my organisation: who a task can be given to."""
        with self.services.db.read() as s:
            rows = _COLLEAGUES.mappings(s, {"role": actor.role, "organisation_id": actor.organisation_id,
                                            "user_id": -1 if include_self or actor.user_id is None else actor.user_id})
        return [(r["id"], r["name"]) for r in rows]

    def filter_options(self, actor: Actor) -> FilterOptions:
        """Companies and candidates of the cases I may see; the open phases of each workflow."""
        stmts = sql.option_statements(self.services.policy, actor)
        with self.services.db.read() as s:
            companies = [(r["id"], r["name"]) for r in stmts.employers.mappings(s, {})]
            people = sorted(((r["id"], candidate_name(s, r["first_name"], r["last_name"], r["wrapped"]) or "")
                             for r in stmts.candidates.mappings(s, {})),
                            key=lambda p: (p[1].lower(), p[0]))  # sealed: sorted here, not in SQL
        phases = []
        for name in sorted(self.registry.names()):
            spec = self.registry.latest(name).spec
            phases += [Option(f"{name}:{st.name}", f"{spec.label}: {st.label}") for st in spec.states if not st.final]
        return FilterOptions(
            companies=[Option(str(i), n) for i, n in companies],
            candidates=[Option(str(i), name) for i, name in people],
            phases=phases,
        )


def candidate_name(s: Session, first: str | None, last: str | None, wrapped: bytes | None) -> str | None:
    """A candidate's name from a column query that joined their data key (None: no candidate)."""
    if first is None:
        return None
    parts = [sealing.open_column(s, col, v, wrapped) for col, v in
             ((Candidate.first_name, first), (Candidate.last_name, last))]
    return " ".join(p for p in parts if p).strip() or None


def task_ids(values: Iterable[str]) -> list[int] | None:
    """Task ids from a form's checkboxes; None when one is not a number."""
    out = []
    for v in values:
        if not str(v).isdigit():
            return None
        out.append(int(v))
    return out


def _day_params(now: datetime) -> dict[str, object]:
    """The day's bounds the urgency groups are counted by (Dutch calendar days)."""
    today = inbox.local_today(now)
    return {sql.TODAY: today, sql.START: inbox.start_of_today(now),
            sql.TOMORROW: inbox.start_of_day(today + timedelta(days=1), now),
            sql.NEXT_WEEK: inbox.start_of_day(today + timedelta(days=7 - today.weekday()), now)}


def _counted(row) -> tuple[dict[str, int], int]:
    groups = dict(zip(inbox.GROUPS, (int(row["late"]), int(row["today"]), int(row["week"]), int(row["later"])),
                      strict=True))
    return groups, int(row["parked"])
