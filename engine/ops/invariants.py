"""The "nothing lost" invariants, checked on a live database (`jobtraject check`, fault tests).

The audit verification (state equals history, gap-free hash chains, only defined
transitions) plus what the sweeps promise:

- timers: a fired timer has exactly one effect (one audit row of its trigger carrying
  `request_id = "timer:<id>"`), any other timer has none; nothing is left due and
  unclaimed, or claimed under an expired lease, for longer than `grace` (an open
  `incident` is allowed: an operator sees it);
- outbox: Message-IDs and dedupe keys are unique, nothing waits to be sent for longer than
  `grace`; optionally, the Message-IDs an SMTP sink received match the `sent` rows;
- storage: on SQLite `PRAGMA foreign_key_check` finds nothing and `PRAGMA integrity_check`
  says `ok` (PostgreSQL enforces foreign keys itself);
- acknowledged requests: every request id a client saw acknowledged has its audit row;
- case counts: the counters per workflow and state (`engine.store.case_counts`) equal the cases.

Read-only: the checker never writes, so it may run next to a busy system.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from engine.audit import verify_all
from engine.clock import ensure_utc
from engine.registry import Registry
from engine.store import case_counts
from engine.store.db import Database
from engine.store.models import AuditEntry, OutboxMessage, Timer

TIMER_REQUEST_PREFIX = "timer:"
MAX_PROBLEMS_PER_CHECK = 50


@dataclass
class Check:
    """One invariant: its problems (empty means it holds) and a few figures."""

    name: str
    problems: list[str] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None  # why the check does not apply here

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_CHECK:
            self.problems.append(problem)
        elif len(self.problems) == MAX_PROBLEMS_PER_CHECK:
            self.problems.append("... more problems not listed")


@dataclass
class InvariantReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[str]:
        return [f"{c.name}: {p}" for c in self.checks for p in c.problems]

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def lines(self) -> list[str]:
        out = []
        for c in self.checks:
            figures = ", ".join(f"{k} {v}" for k, v in c.figures.items())
            if c.skipped:
                out.append(f"{c.name}: n.v.t. ({c.skipped})")
            elif c.ok:
                out.append(f"{c.name}: OK" + (f" ({figures})" if figures else ""))
            else:
                out.append(f"{c.name}: FOUT, {len(c.problems)} probleem/problemen" + (f" ({figures})" if figures else ""))
                out.extend(f"  - {p}" for p in c.problems)
        return out


def check_all(
    db: Database,
    registry: Registry,
    now: datetime,
    *,
    grace: timedelta = timedelta(minutes=15),
    acknowledged: Iterable[str] | None = None,
    delivered_message_ids: Iterable[str] | None = None,
) -> InvariantReport:
    """Run every invariant; `grace` is how long due work may wait for a sweep."""
    now = ensure_utc(now)
    report = InvariantReport()
    with db.read() as s:
        report.checks.append(_audit(s, registry))
        report.checks.append(_timers(s, now, grace))
        report.checks.append(_outbox(s, now, grace, delivered_message_ids))
        report.checks.append(_case_counts(s))
        if acknowledged is not None:
            report.checks.append(_acknowledged(s, list(acknowledged)))
    report.checks.append(_storage(db))
    return report


# -- the checks ------------------------------------------------------------------------------

def _audit(s: Session, registry: Registry) -> Check:
    c = Check("audit")
    checked, problems = verify_all(s, registry)
    c.figures["zaken"] = checked
    for p in problems:
        c.add(f"zaak {p.case_id}: {p.problem}")
    return c


def _case_counts(s: Session) -> Check:
    """The counters per workflow and state (the dashboard's) equal the cases themselves."""
    c = Check("case_counts")
    wrong = case_counts.mismatches(s)
    c.figures["wrong"] = len(wrong)
    for workflow, state, counted, actual in wrong:
        c.add(f"{workflow}/{state}: counted {counted}, cases {actual}")
    return c


def _timers(s: Session, now: datetime, grace: timedelta) -> Check:
    c = Check("timers")
    c.figures.update({status: n for status, n in s.execute(
        select(Timer.status, func.count()).group_by(Timer.status).order_by(Timer.status)).all()})
    # Effects: audit rows a timer wrote, counted per timer (request id, case and trigger).
    effects: dict[tuple[str, int, str], int] = {
        (rid, case_id, trigger): n for rid, case_id, trigger, n in s.execute(
            select(AuditEntry.request_id, AuditEntry.case_id, AuditEntry.trigger, func.count())
            .where(AuditEntry.request_id.like(f"{TIMER_REQUEST_PREFIX}%"))
            .group_by(AuditEntry.request_id, AuditEntry.case_id, AuditEntry.trigger)
        )
    }
    late = now - grace
    rows = s.execute(
        select(Timer.id, Timer.case_id, Timer.trigger, Timer.status, Timer.due_at, Timer.lease_until,
               Timer.next_attempt_at).order_by(Timer.id)
    ).yield_per(2000)
    for timer_id, case_id, trigger, status, due_at, lease_until, next_attempt_at in rows:
        n = effects.pop((f"{TIMER_REQUEST_PREFIX}{timer_id}", case_id, trigger), 0)
        if status == "fired" and n != 1:
            c.add(f"timer {timer_id} (zaak {case_id}) is fired but has {n} effects")
        elif status != "fired" and n:
            c.add(f"timer {timer_id} (zaak {case_id}) is {status} but has {n} effect(s)")
        if status == "pending" and ensure_utc(due_at) <= late and (
            next_attempt_at is None or ensure_utc(next_attempt_at) <= late
        ):
            c.add(f"timer {timer_id} (zaak {case_id}) was due at {ensure_utc(due_at).isoformat()} "
                  "and was never fired")
        if status == "claimed" and (lease_until is None or ensure_utc(lease_until) <= late):
            c.add(f"timer {timer_id} (zaak {case_id}) is held under an expired lease")
    # What is left are follow-up effects on other cases (fine) or rows of a timer that is gone.
    known = set(s.scalars(select(Timer.id)))
    for (rid, case_id, _trigger), n in sorted(effects.items()):
        timer_id = rid[len(TIMER_REQUEST_PREFIX):]
        if not timer_id.isdigit() or int(timer_id) not in known:
            c.add(f"audit rows with {rid} on zaak {case_id} ({n}) belong to no timer")
    return c


def _outbox(s: Session, now: datetime, grace: timedelta, delivered: Iterable[str] | None) -> Check:
    c = Check("outbox")
    c.figures.update({status: n for status, n in s.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        .order_by(OutboxMessage.status)).all()})
    for column, label in ((OutboxMessage.message_id, "Message-ID"), (OutboxMessage.dedupe_key, "dedupe key")):
        for value, n in s.execute(select(column, func.count()).where(column.is_not(None))
                                  .group_by(column).having(func.count() > 1)):
            c.add(f"{label} {value} occurs {n} times")
    late = now - grace
    waiting = s.scalars(select(OutboxMessage.id).where(or_(
        and_(OutboxMessage.status == "pending",
             or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= late),
             OutboxMessage.created_at <= late),
        and_(OutboxMessage.status == "claimed",
             or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= late)),
    )).order_by(OutboxMessage.id)).all()
    for message_id in waiting:
        c.add(f"mail {message_id} has waited longer than {int(grace.total_seconds())} s")
    if delivered is not None:
        received = list(delivered)
        sent = set(s.scalars(select(OutboxMessage.message_id).where(OutboxMessage.status == "sent")))
        known = set(s.scalars(select(OutboxMessage.message_id)))
        distinct = set(received)
        c.figures["ontvangen"] = len(received)
        c.figures["dubbel ontvangen"] = len(received) - len(distinct)
        for mid in sorted(sent - distinct):
            c.add(f"mail {mid} is marked sent but never arrived")
        for mid in sorted(distinct - known):
            c.add(f"mail {mid} arrived but is not in the outbox")
        # A duplicate delivery is only allowed with the same Message-ID (a crash between the
        # server's OK and our commit), so distinct arrivals must equal sent rows.
        unsent_arrived = distinct & (known - sent)
        for mid in sorted(unsent_arrived):
            c.add(f"mail {mid} arrived but is not marked sent")
    return c


def _acknowledged(s: Session, request_ids: list[str]) -> Check:
    c = Check("bevestigd")
    c.figures["verzoeken"] = len(request_ids)
    stored: set[str] = set()
    for i in range(0, len(request_ids), 500):
        chunk = request_ids[i:i + 500]
        stored.update(s.scalars(select(AuditEntry.request_id).where(AuditEntry.request_id.in_(chunk))))
    for rid in request_ids:
        if rid not in stored:
            c.add(f"acknowledged request {rid} has no audit row")
    return c


def _storage(db: Database) -> Check:
    c = Check("opslag")
    if not db.sqlite:
        c.skipped = "PostgreSQL bewaakt foreign keys zelf"
        return c
    with db.engine.connect() as conn:
        violations = conn.execute(text("PRAGMA foreign_key_check")).all()
        integrity = [row[0] for row in conn.execute(text("PRAGMA integrity_check")).all()]
        conn.rollback()
    c.figures["foreign-key-fouten"] = len(violations)
    for table, rowid, parent, _fk in violations[:MAX_PROBLEMS_PER_CHECK]:
        c.add(f"{table} row {rowid} points to a missing {parent}")
    if integrity != ["ok"]:
        for line in integrity[:MAX_PROBLEMS_PER_CHECK]:
            c.add(f"integrity_check: {line}")
    return c
