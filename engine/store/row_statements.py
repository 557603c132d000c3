"""Plain-row INSERT/UPDATE/SELECT statements for recorders, built and compiled once per shape.

Why: a recorder on the transition's hot path writes one or two domain rows. Through the ORM
session that meant an identity map, a flush and its events per row; a `DriverStatement`
(engine/store/driver_sql.py) runs the same SQL, with the columns' own type processing, on
the transaction's DBAPI connection. Each distinct shape (table, columns) is built once and
kept, so its compiled form is reused by every later call.

Only for tables without sealed columns: sealed personal data is sealed by the ORM's flush
(engine/store/personal_data.py); a recorder that writes such rows uses the ORM session.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Table, and_, bindparam, insert, select, update

from engine.store.driver_sql import DriverStatement


def _where(table: Table, keys: tuple[str, ...]) -> Any:
    return and_(*[table.c[k] == bindparam(f"w_{k}") for k in keys])


@lru_cache(maxsize=256)
def insert_returning_key(table: Table, columns: tuple[str, ...]) -> DriverStatement:
    """INSERT of exactly these columns (others: their defaults), returning the primary key."""
    (key,) = table.primary_key.columns
    return DriverStatement(insert(table).values({c: bindparam(c, type_=table.c[c].type) for c in columns})
                           .returning(key))


@lru_cache(maxsize=256)
def update_where(table: Table, where: tuple[str, ...], columns: tuple[str, ...]) -> DriverStatement:
    """UPDATE these columns (bind `v_<column>`) of the rows whose `where` columns equal `w_<column>`."""
    return DriverStatement(update(table).where(_where(table, where))
                           .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns}))


@lru_cache(maxsize=256)
def select_where(table: Table, columns: tuple[str, ...], where: tuple[str, ...]) -> DriverStatement:
    """SELECT these columns of the rows whose `where` columns equal `w_<column>`."""
    return DriverStatement(select(*[table.c[c] for c in columns]).where(_where(table, where)))
