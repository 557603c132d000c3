"""The only place that uses SQLAlchemy's ORM below its public API, for the transition's hot path.

Two shortcuts, each with the public way it replaces (a test compares them,
`tests/integration/test_orm_shortcuts.py`, so an SQLAlchemy upgrade that changes the internals
fails there, not in production):

- `attach(session, mapper, row)`: a persistent object from a full row without the instrumented
  `__init__` (which would record every column as a change, only to reset them). Public way:
  `session.get(Model, id)`.
- `mark_saved(obj, session, values)`: after a Core UPDATE wrote exactly the changed columns, tell
  the ORM the object is clean, so commit does not walk the unit of work. Public way:
  `set_committed_value` per column (still public, and used when anything else changed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value


def attach(session: Session, mapper: Mapper, row: dict[str, Any]) -> Any:
    """A persistent instance of `mapper`'s class holding `row` (every column), in `session`."""
    if not mapper.configured:
        configure_mappers()  # what the ORM does before its first load
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(row)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def mark_saved(obj: Any, session: Session, values: dict[str, Any], written: frozenset[str]) -> None:
    """The columns in `values` are stored as they are now; `written` names every column the UPDATE set.

    When nothing outside `written` changed, the whole object is marked clean at once (the
    private `_commit_all`); otherwise each written column is committed through the public
    `set_committed_value` and the rest stays dirty for the ORM's own flush.
    """
    state = inspect(obj)
    if written.issuperset(state.committed_state):
        state.dict.update(values)
        state._commit_all(state.dict, session.identity_map)
        return
    for key, value in values.items():
        set_committed_value(obj, key, value)


_Fn = TypeVar("_Fn", bound=Callable[..., Any])
_OWN_FLUSH_HOOKS: set[Callable[..., Any]] = set()


def own_flush_hook(fn: _Fn) -> _Fn:
    """Mark a flush listener of the engine's own that only acts on rows the ORM flushes
    (e.g. sealing personal data), so it does not force the ORM's flush on the hot path."""
    _OWN_FLUSH_HOOKS.add(fn)
    return fn


def flush_listened(session: Session) -> bool:
    """True when someone else (an extension, the fault tests' crash points) listens to this
    session's flushes and must see the case written by a flush; the engine's own hooks do not count."""
    dispatch = session.dispatch
    return any(fn not in _OWN_FLUSH_HOOKS for fn in (*dispatch.before_flush, *dispatch.after_flush))
