"""Helpers for the performance guards: which statements a call runs, and how the database plans them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import event

from engine.store.db import Database


def statements_of(db: Database, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run `fn` and return every statement it sent through `db.engine` (BEGIN excluded)."""
    seen: list[tuple[str, Any]] = []

    def before(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return seen


def selects_of(db: Database, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
    return [(s, p) for s, p in statements_of(db, fn) if s.lstrip().upper().startswith("SELECT")]


def plan(db: Database, statement: str, params: Any, *, in_order: bool = True) -> str:
    """The database's plan for one captured statement, as text.

    SQLite: EXPLAIN QUERY PLAN. PostgreSQL: EXPLAIN with sequential scans discouraged and,
    with `in_order`, bitmap scans and sorts too, as a big table would: on a test-sized table sorting a few hundred rows
    is cheaper, so the planner would not show whether an index *can* give the rows in order.
    These settings only discourage: a missing index still shows up as a Seq Scan, a query
    that cannot be read in index order still shows its Sort.
    """
    raw = db.engine.raw_connection()
    try:
        if db.sqlite:
            rows = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
            return "\n".join(r[3] for r in rows)
        cur = psycopg.ClientCursor(raw.driver_connection)
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort") if in_order else ("enable_seqscan",):
            cur.execute(f"SET LOCAL {setting} = off")
        cur.execute("EXPLAIN " + statement, params)
        return "\n".join(r[0] for r in cur.fetchall())
    finally:
        raw.rollback()
        raw.close()
