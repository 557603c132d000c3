"""The inbox, the queue, the case page and the timer sweep read their indexes, on SQLite and PostgreSQL.

Each test captures the statements the real read path runs against a database with a few
thousand analysed rows (the benchmark's data generator) and asks the database for its plan.
A query that stops using its index, or that starts sorting every matching row, fails here
long before it is slow in production (see docs/benchmark.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bench.inbox_scale import generate
from engine import inbox
from engine.services import Services
from engine.spec import Actor
from engine.store.db import Database
from tests import dbs
from tests.conftest import DB_KINDS
from tests.faults.harness import registry as evaluation_registry
from tests.faults.harness import seed_due_timers
from tests.perf.conftest import plan, selects_of, statements_of
from workflows.domain.roles import JOB
from workflows.usecases.access import JobAccessPolicy
from workflows.usecases.catalog import build_registry

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CASES = 1000
# SQLite may also read the queue in order from the assignee index (assignee_id IS NULL).
QUEUE_INDEXES = ("ix_task_queue", "ix_task_assignee_status_due")


@pytest.fixture(scope="module", params=DB_KINDS)
def big(request, tmp_path_factory) -> Database:
    """`CASES` company trajectories with their audit rows and tasks, statistics gathered.

    Built once per database kind for this module, in its own database (PostgreSQL: a
    throwaway one, so the other tests' truncations never touch it).
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('plans') / 'big.db'}"
    else:
        if dbs.SKIP_PG:
            pytest.skip("PostgreSQL tests skipped: JOBTRAJECT_SKIP_POSTGRES=1")
        url = dbs.create_pg_database()
    database = Database(url)
    database.create_all()
    data = generate(url, CASES, NOW)
    database.coach_id = data.coach_id  # type: ignore[attr-defined]
    database.case_id = data.case_ids[0]  # type: ignore[attr-defined]
    yield database
    database.dispose()
    if request.param != "sqlite":
        dbs.drop_pg_database(url)


def coach(db: Database) -> Actor:
    return Actor(user_id=db.coach_id, role=JOB, organisation_id=1, name="Coach")  # type: ignore[attr-defined]


def task_plans(db: Database, fn) -> list[str]:
    plans = [plan(db, s, p) for s, p in selects_of(db, fn) if "FROM task" in s]
    assert plans, "the call ran no query on task"
    return plans


def assert_ordered_by_index(plans: list[str], indexes: tuple[str, ...], sqlite: bool) -> None:
    for p in plans:
        assert any(i in p for i in indexes), f"expected one of {indexes}:\n{p}"
        if sqlite:
            assert "TEMP B-TREE" not in p, f"sorts every matching row instead of reading the index in order:\n{p}"
            assert "SCAN task" not in p, p
        else:
            assert "Seq Scan on task" not in p, p
            assert "Sort" not in p, f"sorts every matching row instead of reading the index in order:\n{p}"


def test_a_coachs_inbox_reads_its_index_in_due_order(big):
    policy = JobAccessPolicy(big)
    with big.read() as s:
        plans = task_plans(big, lambda: inbox.mine(s, policy, coach(big)))
    assert_ordered_by_index(plans, ("ix_task_assignee_status_due",), big.sqlite)


def test_the_queue_reads_its_index_in_due_order(big):
    policy = JobAccessPolicy(big)
    with big.read() as s:
        plans = task_plans(big, lambda: inbox.queue(s, policy, coach(big)))
    assert_ordered_by_index(plans, QUEUE_INDEXES, big.sqlite)


def test_the_case_page_reads_audit_rows_and_tasks_by_case(big):
    services = Services(db=big, registry=build_registry(), policy=JobAccessPolicy(big))
    case_id = big.case_id  # type: ignore[attr-defined]
    queries = selects_of(big, lambda: (services.audit_trail(coach(big), case_id),
                                       services.case_tasks(coach(big), case_id)))
    plans = {s.split("FROM")[1].split()[0]: plan(big, s, p, in_order=False) for s, p in queries}
    # SQLite names the index of the unique constraint (case_id, seq) itself.
    audit_index = "sqlite_autoindex_audit_entry" if big.sqlite else "uq_audit_case_seq"
    assert audit_index in plans["audit_entry"], plans
    assert "ix_task_case_status" in plans["task"], plans
    for p in plans.values():
        assert "SCAN audit_entry" not in p and "Seq Scan" not in p, p


def test_the_timer_sweep_picks_due_timers_from_its_index_in_due_order(db):
    from engine.clock import FixedClock
    from engine.jobs.timers import TimerSweep

    now = seed_due_timers(db, 500, now=NOW)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    sweep = TimerSweep(db, evaluation_registry(), FixedClock(now))
    claims = [(s, p) for s, p in statements_of(db, sweep.claim) if "FROM timer" in s]
    assert len(claims) == 1, claims  # one statement: both picks and the UPDATE that claims them
    text = plan(db, *claims[0])
    assert text.count("ix_timer_status_due") == 2, text  # due pending timers, expired leases
    if db.sqlite:
        assert "SCAN timer" not in text, text
        # one sort: the merge of the two picks (at most twice the batch), never of the table
        assert text.count("TEMP B-TREE") == 1, text
    else:
        assert "Seq Scan" not in text, text
        assert text.count("->  Sort  ") == 1, text  # the merge of the two picks, as on SQLite


def test_the_dashboard_takes_the_trajectories_per_phase_from_the_counters_not_from_the_cases(big):
    from sqlalchemy import func, select

    from engine.clock import FixedClock
    from engine.store.models import Case
    from workflows.domain.company_trajectory import NAME, OPEN_PHASES
    from workflows.usecases.dashboard import Dashboard

    services = Services(db=big, registry=build_registry(), policy=JobAccessPolicy(big), clock=FixedClock(NOW))
    dashboard = Dashboard(services)
    queries = [s for s, _ in selects_of(big, lambda: dashboard.build(coach(big)))]
    assert any("FROM case_state_count" in s for s in queries), queries
    assert not any("GROUP BY wf_case.state" in s for s in queries), "counts the cases one by one again"
    with big.read() as s:
        live = dict(s.execute(select(Case.state, func.count()).where(Case.workflow == NAME, Case.state.in_(OPEN_PHASES))
                              .group_by(Case.state)).all())
    shown = {p.state: p.count for p in dashboard.build(coach(big)).trajectories if p.count}
    assert shown == live and sum(live.values()) > CASES // 3


def test_the_dashboard_reads_no_table_of_cases_whole(big):
    """Its figures start from the active plans (an IN list by index): with a big table's statistics
    and bound parameters SQLite otherwise scanned every case for the hours (8 ms at 100,000)."""
    from engine.clock import FixedClock
    from workflows.usecases.dashboard import Dashboard

    services = Services(db=big, registry=build_registry(), policy=JobAccessPolicy(big), clock=FixedClock(NOW))
    dashboard = Dashboard(services)
    statements = selects_of(big, lambda: dashboard.build(coach(big)))
    on_cases = [(s, p) for s, p in statements if "wf_case" in s]
    assert len(on_cases) >= 4, on_cases
    for statement, params in on_cases:
        shown = plan(big, statement, params, in_order=False)
        scanned = ("SCAN wf_case" in shown and "SCAN wf_case USING" not in shown) if big.sqlite \
            else "Seq Scan on wf_case" in shown
        assert not scanned, f"reads every case:\n{statement}\n{shown}"
