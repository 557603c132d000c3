"""The case row: read once, written with its version check, in either kind of transaction.

A transition runs in an ORM session (pages' use cases, the fallback for recorders that write
sealed rows) or in a session-less `WriteUnit` (`engine.store.unit`: people's actions and the
timer sweep). Both read and write the case through the same driver-level statements
(`engine.store.case_statements`); `engine.runtime` uses these to apply a transition.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.store import case_statements as st
from engine.store.db import READ_ONLY
from engine.store.driver_sql import Dumped
from engine.store.models import Case
from engine.store.orm_shortcuts import attach, flush_listened, mark_saved
from engine.store.unit import WriteUnit

Tx = Session | WriteUnit
"""The transaction a transition runs in: an ORM session, or a session-less unit (`engine.store.unit`)."""


def load_case(session: Tx, case_id: int, *, lock: bool = False) -> Case | None:
    """The case as a persistent ORM object in `session`, read with one driver-level SELECT.

    Why not `session.get`: the ORM's load machinery cost more than a third of a transition.
    The row is read (`lock`: `FOR UPDATE` where the database has it), converted by the
    columns' own types and attached as if the ORM had loaded it, version included, so the
    version check, `object_session` and later changes work as before. A session that
    already holds this case gets the ORM's own (re-)load, which reconciles the identity.
    In a `WriteUnit` the case is a plain `CaseRow` in no session. A read scope (a page's shared
    read session) gives the case it already loaded: the page reads it once.
    """
    held: dict[int, Case] | None = None
    if isinstance(session, Session) and session.info.get(READ_ONLY) and not lock:
        # A read scope writes nothing: the case it loaded is current. Held here because the
        # identity map keeps objects only while someone else refers to them.
        held = session.info.setdefault(_HELD_CASES, {})
        case = held.get(case_id)
        if case is not None and case in session:  # not if a read model expunged it meanwhile
            return case
    if isinstance(session, Session) and (Case, (case_id,), None) in session.identity_map:
        stmt = st.CASE_ORM_LOCKED if lock else st.CASE_ORM
        return session.scalars(stmt, {"b_id": case_id}, execution_options={"populate_existing": True}).first()
    stmt_fast = st.CASE_ROW_LOCKED if lock else st.CASE_ROW
    rows = stmt_fast.mappings(session, {"b_id": case_id})
    case = _attach(session, rows[0]) if rows else None
    if held is not None and case is not None:
        held[case_id] = case
    return case


_CASE_MAPPER = Case.__mapper__
_HELD_CASES = "engine.case_rows.read_cases"


class CaseRow:
    """The case in a `WriteUnit`: its row's columns as plain attributes, the same names as `Case`.

    Why not a `Case` in no session: every read and write of an ORM-mapped attribute goes
    through SQLAlchemy's instrumentation (a transition reads the case's columns some sixty
    times), and nothing in a unit needs it: the unit writes the row itself (`_write_case`).
    """

    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)

    def __repr__(self) -> str:
        return f"<CaseRow {self.__dict__.get('id')} {self.__dict__.get('workflow')} {self.__dict__.get('state')}>"


def _attach(session: Tx, row: dict[str, Any]) -> Case:
    """A persistent `Case` from a full row (see `engine.store.orm_shortcuts.attach`); in a
    `WriteUnit` a plain `CaseRow` with the row as its values."""
    if isinstance(session, Session):
        return attach(session, _CASE_MAPPER, row)
    return CaseRow(row)  # type: ignore[return-value] - duck-typed as the Case the runtime reads


def _write_case(session: Tx, case: Case, data: Dumped | None = None) -> None:
    """Write the case's engine columns with the version check; the ORM then sees them as saved.

    Raises StaleDataError (as the ORM's flush would) when another transaction changed the
    case since it was read. Any other attribute a caller changed stays dirty and is flushed
    by the ORM, with the version check, at commit.
    """
    old = case.version
    values = {f"b_{c}": getattr(case, c) for c in st.CASE_COLUMNS}
    if data is not None:
        values["b_data"] = data  # its JSON text, serialised once (`json_safe_dumped`)
    rowcount = st.WRITE_CASE.execute(
        session, {"b_id": case.id, "b_version": old, "b_new_version": old + 1, **values}
    )
    if rowcount != 1:
        raise StaleDataError(f"case {case.id} was changed by someone else (version {old})")
    if not isinstance(session, Session):
        case.version = old + 1
        return
    saved = {c: values[f"b_{c}"] for c in st.CASE_COLUMNS}
    saved["data"] = case.data
    saved["version"] = old + 1
    mark_saved(case, session, saved, st.WRITTEN)


def _save_case(session: Tx, case: Case, data: Dumped | None = None) -> None:
    """Write the changed case with its version check (StaleDataError if someone else changed it).

    The fast path is one Core UPDATE (`_write_case`). When anything listens to the
    session's flush events (an extension, the fault tests' crash points), the ORM's own
    flush does the same write so those listeners see it happen. The engine's own hook that
    seals personal data does not count: the case row holds none (since that hook was added,
    every transition had taken the flush path).
    """
    if not isinstance(session, Session):
        _write_case(session, case, data)
        return
    if flush_listened(session):
        session.flush()
        return
    _write_case(session, case, data)
    if session.new or session.dirty:
        session.flush()  # rows a payload check changed, written before the rest as they always were
