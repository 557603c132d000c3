"""How many cases each workflow has in each state, kept up to date by the database itself.

Why: counting the cases per phase (JoB's dashboard) read every open case's index entry,
so the page grew with the organisation's history (6 ms at 10,000 cases, 55 ms at
1,000,000). These counters make it a read of a few dozen rows, whatever the size.

Database triggers on `wf_case` (insert, delete, a change of workflow or state) keep the
counters, in the same transaction as the change: a rolled-back transition leaves them as
they were, and every writer counts (the engine, a bulk load, an erasure, a hand-made fix).
On PostgreSQL each connection adds to its own shard row (its backend pid modulo `SHARDS`),
so concurrent transitions almost never wait on one counter row; the total of a state is
the sum over its shards. SQLite has one writer at a time and a single shard.

`install` creates the triggers (for `create_all` and the migration); `backfill` counts the
existing cases once (the migration, for a database that had cases before the triggers).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Integer, String, event, func, literal, select, text, union_all
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.store.db import Base
from engine.store.models import (
    Case,  # engine.store.models imports this module at its end: either order works
)

SHARDS = 16


class CaseStateCount(Base):
    """One counter per (workflow, state, shard); read the sum over the shards."""

    __tablename__ = "case_state_count"
    # Created with its triggers by migration 0002 (autogenerate leaves it out).
    __table_args__ = {"info": {"hand_written_migration": "0002"}}

    workflow: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False)


_SQLITE_UPSERT = ("INSERT INTO case_state_count (workflow, state, shard, n) VALUES ({w}, {s}, 0, {d}) "
                  "ON CONFLICT (workflow, state, shard) DO UPDATE SET n = n + {d};")

SQLITE_DDL = [
    "CREATE TRIGGER IF NOT EXISTS case_state_count_insert AFTER INSERT ON wf_case BEGIN "
    + _SQLITE_UPSERT.format(w="NEW.workflow", s="NEW.state", d="1") + " END",
    "CREATE TRIGGER IF NOT EXISTS case_state_count_delete AFTER DELETE ON wf_case BEGIN "
    + _SQLITE_UPSERT.format(w="OLD.workflow", s="OLD.state", d="-1") + " END",
    "CREATE TRIGGER IF NOT EXISTS case_state_count_update AFTER UPDATE OF workflow, state ON wf_case "
    "WHEN OLD.state IS NOT NEW.state OR OLD.workflow IS NOT NEW.workflow BEGIN "
    + _SQLITE_UPSERT.format(w="OLD.workflow", s="OLD.state", d="-1") + " "
    + _SQLITE_UPSERT.format(w="NEW.workflow", s="NEW.state", d="1") + " END",
]

# Within one transaction the rows are always changed in the order of (workflow, state), so
# two transactions sharing a shard never wait for each other in a cycle.
POSTGRES_DDL = [
    f"""
CREATE OR REPLACE FUNCTION case_state_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    my_shard integer := mod(pg_backend_pid(), {SHARDS});
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO case_state_count AS c (workflow, state, shard, n) VALUES (NEW.workflow, NEW.state, my_shard, 1)
            ON CONFLICT (workflow, state, shard) DO UPDATE SET n = c.n + 1;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO case_state_count AS c (workflow, state, shard, n) VALUES (OLD.workflow, OLD.state, my_shard, -1)
            ON CONFLICT (workflow, state, shard) DO UPDATE SET n = c.n - 1;
    ELSIF (OLD.workflow, OLD.state) < (NEW.workflow, NEW.state) THEN
        INSERT INTO case_state_count AS c (workflow, state, shard, n) VALUES (OLD.workflow, OLD.state, my_shard, -1)
            ON CONFLICT (workflow, state, shard) DO UPDATE SET n = c.n - 1;
        INSERT INTO case_state_count AS c (workflow, state, shard, n) VALUES (NEW.workflow, NEW.state, my_shard, 1)
            ON CONFLICT (workflow, state, shard) DO UPDATE SET n = c.n + 1;
    ELSE
        INSERT INTO case_state_count AS c (workflow, state, shard, n) VALUES (NEW.workflow, NEW.state, my_shard, 1)
            ON CONFLICT (workflow, state, shard) DO UPDATE SET n = c.n + 1;
        INSERT INTO case_state_count AS c (workflow, state, shard, n) VALUES (OLD.workflow, OLD.state, my_shard, -1)
            ON CONFLICT (workflow, state, shard) DO UPDATE SET n = c.n - 1;
    END IF;
    RETURN NULL;
END
$$""",
    "DROP TRIGGER IF EXISTS case_state_count_insert_delete ON wf_case",
    "CREATE TRIGGER case_state_count_insert_delete AFTER INSERT OR DELETE ON wf_case "
    "FOR EACH ROW EXECUTE FUNCTION case_state_count_apply()",
    "DROP TRIGGER IF EXISTS case_state_count_update ON wf_case",
    "CREATE TRIGGER case_state_count_update AFTER UPDATE OF workflow, state ON wf_case FOR EACH ROW "
    "WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.workflow IS DISTINCT FROM NEW.workflow) "
    "EXECUTE FUNCTION case_state_count_apply()",
]

DROP_DDL = {
    "sqlite": ["DROP TRIGGER IF EXISTS case_state_count_insert", "DROP TRIGGER IF EXISTS case_state_count_delete",
               "DROP TRIGGER IF EXISTS case_state_count_update"],
    "postgresql": ["DROP TRIGGER IF EXISTS case_state_count_insert_delete ON wf_case",
                   "DROP TRIGGER IF EXISTS case_state_count_update ON wf_case",
                   "DROP FUNCTION IF EXISTS case_state_count_apply()"],
}


def install(conn: Connection) -> None:
    """Create (or re-create) the triggers on `wf_case`; harmless to run twice."""
    for ddl in SQLITE_DDL if conn.dialect.name == "sqlite" else POSTGRES_DDL:
        conn.exec_driver_sql(ddl)


def backfill(conn: Connection) -> None:
    """Set the counters from the cases as they are (once, when the triggers are new)."""
    conn.execute(text("DELETE FROM case_state_count"))
    conn.execute(text(
        "INSERT INTO case_state_count (workflow, state, shard, n) "
        "SELECT workflow, state, 0, COUNT(*) FROM wf_case GROUP BY workflow, state"
    ))


@event.listens_for(Base.metadata, "after_create")
def _install_after_create_all(_metadata, connection: Connection, **kw) -> None:
    """`create_all` (tests, benchmark) gets the triggers as the migration does."""
    created = {t.name for t in kw.get("tables") or ()}
    if "wf_case" in created and connection.dialect.name in ("sqlite", "postgresql"):
        install(connection)


def counts(session: Session, workflow: str, states: Iterable[str]) -> dict[str, int]:
    """The number of cases of `workflow` in each of `states` (0 when none)."""
    wanted = list(states)
    rows = session.execute(
        select(CaseStateCount.state, func.sum(CaseStateCount.n))
        .where(CaseStateCount.workflow == workflow, CaseStateCount.state.in_(wanted))
        .group_by(CaseStateCount.state)
    ).all()
    found = {state: int(n or 0) for state, n in rows}
    return {state: found.get(state, 0) for state in wanted}


def mismatches(session: Session) -> list[tuple[str, str, int, int]]:
    """(workflow, state, counted, actual) wherever the counters disagree with the cases.

    One statement, so counters and cases are read in one snapshot even under PostgreSQL's
    READ COMMITTED next to a busy system. Reads every case: for the invariant checks and
    operators, not for pages.
    """
    both = union_all(
        select(CaseStateCount.workflow, CaseStateCount.state, CaseStateCount.n.label("counted"),
               literal(0).label("actual")),
        select(Case.workflow, Case.state, literal(0), literal(1)),
    ).subquery()
    counted, actual = func.sum(both.c.counted), func.sum(both.c.actual)
    rows = session.execute(
        select(both.c.workflow, both.c.state, counted, actual)
        .group_by(both.c.workflow, both.c.state).having(counted != actual)
        .order_by(both.c.workflow, both.c.state)
    ).all()
    return [(w, s, int(c or 0), int(a or 0)) for w, s, c, a in rows]
