"""Sealed columns: personal data stored encrypted per subject, readable as plain attributes.

A model declares which attributes are sealed and how to find the subject (the candidate)
a row belongs to:

    @sealed(subject=lambda row, session: row.candidate_id, notes=str)
    class InvraObservation(Base): ...

Code keeps writing `InvraObservation(notes="...")` and reading `obs.notes`. Before a flush
the new values are sealed with the subject's data key (made on first use, one row per
subject in `data_key`) and opened again in memory once written; on load they are opened.
Data keys are cached per session transaction only, and never logged. `destroy` deletes a
subject's data key and blind-index rows: every copy of its sealed values is then noise.

Queries of plain columns (`select(Candidate.first_name)`) return the sealed text: open
them with `open_column`, or load the entity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    Integer,
    LargeBinary,
    String,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.store import crypto
from engine.store.db import Base
from engine.store.orm_shortcuts import own_flush_hook

Subject = Callable[[Any, Session], "int | None"]
_KEYRING = "jobtraject.keyring"
_UNSEAL = "jobtraject.unseal"
_NEXT_IDS = "jobtraject.next_ids"


class DataKey(Base):
    """One data key per subject (candidate), wrapped under the master key."""

    __tablename__ = "data_key"

    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    master_id: Mapped[str] = mapped_column(String(16))  # crypto.fingerprint of the wrapping key


class NameIndex(Base):
    """Keyed hashes (HMAC-SHA256) of a subject's normalised name words, for exact lookup."""

    __tablename__ = "name_index"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class Keyring:
    """The data keys one session transaction has opened. Thrown away when it ends."""

    def __init__(self, master: crypto.MasterKey) -> None:
        self.master = master
        self._keys: dict[int, bytes | None] = {}

    def __repr__(self) -> str:  # never a key
        return f"Keyring({len(self._keys)} subjects)"

    def _unwrap(self, subject_id: int, wrapped: bytes) -> bytes:
        try:
            return crypto.unwrap(self.master.get(), subject_id, wrapped)
        except crypto.MasterKeyError:
            self.master.reload()  # `keys rotate` in another process: read the new key file
            return crypto.unwrap(self.master.get(), subject_id, wrapped)

    def prime(self, subject_id: int, wrapped: bytes | None) -> None:
        """A wrapped key read along with the row (a join), so no extra statement is needed."""
        if wrapped is not None and subject_id not in self._keys:
            self._keys[subject_id] = self._unwrap(subject_id, wrapped)

    def key(self, session: Session, subject_id: int, *, create: bool = False) -> bytes | None:
        if self._keys.get(subject_id) is not None or (subject_id in self._keys and not create):
            return self._keys[subject_id]
        conn = session.connection()
        wrapped = conn.execute(select(DataKey.wrapped).where(DataKey.subject_id == subject_id)).scalar()
        if wrapped is None and create:
            master = self.master.get()
            data_key = crypto.new_data_key()
            conn.execute(insert(DataKey).values(subject_id=subject_id, wrapped=crypto.wrap(master, subject_id, data_key),
                                                master_id=crypto.fingerprint(master)))
            self._keys[subject_id] = data_key
            return data_key
        self._keys[subject_id] = None if wrapped is None else self._unwrap(subject_id, wrapped)
        return self._keys[subject_id]

    def forget(self, subject_id: int) -> None:
        self._keys[subject_id] = None


def keyring(session: Session) -> Keyring:
    ring = session.info.get(_KEYRING)
    if ring is None:
        ring = session.info[_KEYRING] = Keyring(session.info.get(crypto.SESSION_INFO) or crypto.master_for())
    return ring


def sealed(*, subject: Subject, index: tuple[str, ...] = (), **fields: type) -> Callable[[type], type]:
    """Class decorator: `fields` (name -> str or date) are stored sealed for `subject(row, session)`.

    `index`: attributes whose words go into the blind index (exact-name lookup).
    A subject of None (e.g. an erased candidate) stores the values as they are: pseudonyms.
    """
    def decorate(cls: type) -> type:
        cls.__sealed__ = fields  # type: ignore[attr-defined]
        cls.__sealed_subject__ = staticmethod(subject)  # type: ignore[attr-defined]
        cls.__sealed_index__ = index  # type: ignore[attr-defined]
        event.listen(cls, "load", lambda obj, ctx: _open_all(obj, ctx.session))
        event.listen(cls, "refresh", lambda obj, ctx, attrs: _open_all(obj, ctx.session))
        return cls
    return decorate


def _aad(cls: type, attr: str) -> str:
    return f"{cls.__table__.name}.{attr}"  # type: ignore[attr-defined]


def _dump(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _load(kind: type, value: str) -> Any:
    return date.fromisoformat(value) if kind is date else value


def _open_all(obj: Any, session: Session | None) -> None:
    d = obj.__dict__
    primed = d.get("data_key")
    if session is not None and isinstance(primed, DataKey):
        keyring(session).prime(primed.subject_id, primed.wrapped)
    for attr, kind in type(obj).__sealed__.items():
        value = d.get(attr)
        if crypto.is_sealed(value):
            d[attr] = open_value(session, type(obj), attr, value, kind)


def open_value(session: Session | None, cls: type, attr: str, value: Any, kind: type = str) -> Any:
    """The clear value of one sealed column value (None once the subject's key is destroyed)."""
    if not crypto.is_sealed(value):
        return value
    subject_id = crypto.subject_of(value)
    key = keyring(session).key(session, subject_id) if session is not None and subject_id is not None else None
    return None if key is None else _load(kind, crypto.open_sealed(key, _aad(cls, attr), value))


def open_column(session: Session, column: Any, value: Any, wrapped: bytes | None = None) -> Any:
    """Open `value` read by a column query of `column` (e.g. `Candidate.first_name`);
    `wrapped`: the subject's `DataKey.wrapped` when the query joined it."""
    if wrapped is not None and crypto.is_sealed(value):
        keyring(session).prime(crypto.subject_of(value), wrapped)
    cls = column.class_
    return open_value(session, cls, column.key, value, cls.__sealed__.get(column.key, str))


def next_id(session: Session, table: Any) -> int:
    """An id for a new row before it is inserted (its values are sealed under that id)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id'))"), {"t": table.name}).scalar())
    # SQLite: the write transaction holds the database lock (BEGIN IMMEDIATE).
    taken = session.info.setdefault(_NEXT_IDS, {})
    highest = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar()
    taken[table.name] = max(int(highest), taken.get(table.name, 0)) + 1
    return taken[table.name]


def name_clause(master: bytes, words: str, column: Any) -> Any:
    """`column IN (subjects whose indexed name holds every word of words)`; None: no word."""
    tokens = crypto.name_tokens(words)
    if not tokens:
        return None
    digests = crypto.blind_digests(crypto.blind_key(master), tokens)
    return column.in_(select(NameIndex.subject_id).where(NameIndex.digest.in_(digests))
                      .group_by(NameIndex.subject_id).having(func.count() == len(digests)))


def lookup(session: Session, words: str) -> set[int] | None:
    """Subjects whose indexed name holds every word of `words` (None: no usable word)."""
    clause = name_clause(keyring(session).master.get(), words, NameIndex.subject_id)
    if clause is None:
        return None
    return set(session.execute(select(NameIndex.subject_id).where(clause)).scalars())


def reindex(session: Session, subject_id: int, words: Iterable[str | None], master: bytes | None = None) -> None:
    """The subject's blind-index rows for these name words (replacing the old ones)."""
    conn = session.connection()
    conn.execute(delete(NameIndex).where(NameIndex.subject_id == subject_id))
    key = crypto.blind_key(master or keyring(session).master.get())
    digests = crypto.blind_digests(key, crypto.name_tokens(*words))
    if digests:
        conn.execute(insert(NameIndex), [{"digest": d, "subject_id": subject_id} for d in sorted(digests)])


def destroy(session: Session, subject_id: int) -> None:
    """Crypto-shredding: delete the subject's data key and blind index, in the caller's transaction."""
    conn = session.connection()
    conn.execute(delete(DataKey).where(DataKey.subject_id == subject_id))
    conn.execute(delete(NameIndex).where(NameIndex.subject_id == subject_id))
    keyring(session).forget(subject_id)


@event.listens_for(Session, "before_flush")
@own_flush_hook
def _seal_before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    todo: list[tuple[Any, str, Any]] = []
    session.info[_UNSEAL] = todo
    for obj in [*session.new, *session.dirty]:
        fields = getattr(type(obj), "__sealed__", None)
        if not fields:
            continue
        state = inspect(obj)
        new = obj in session.new
        changed = [a for a in fields if a in state.dict and state.dict[a] is not None
                   and not crypto.is_sealed(state.dict[a]) and (new or state.attrs[a].history.has_changes())]
        indexed = [a for a in type(obj).__sealed_index__ if new or state.attrs[a].history.has_changes()]
        if not changed and not indexed:
            continue
        subject_id = type(obj).__sealed_subject__(obj, session)
        if subject_id is None:
            continue
        if indexed:
            reindex(session, subject_id, [state.dict.get(a) for a in type(obj).__sealed_index__])
        if not changed:
            continue
        key = keyring(session).key(session, subject_id, create=True)
        for attr in changed:
            clear = state.dict[attr]
            state.dict[attr] = crypto.seal(key, subject_id, _aad(type(obj), attr), _dump(clear))
            todo.append((state, attr, clear))


@event.listens_for(Session, "after_flush_postexec")
def _unseal_after_flush(session: Session, _ctx: Any) -> None:
    """Written sealed; in memory the clear values again (without marking the row changed)."""
    for state, attr, clear in session.info.pop(_UNSEAL, ()):
        state.dict[attr] = clear


@event.listens_for(Session, "after_transaction_end")
def _forget_keys(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_KEYRING, None)
        session.info.pop(_NEXT_IDS, None)


def seal_existing(session: Session, classes: Iterable[type], batch: int = 500) -> int:
    """Seal values stored in clear before sealing existed (the migration); returns rows sealed.

    Idempotent: values already sealed, and rows whose subject is gone (erased), stay as they are.
    """
    from sqlalchemy.orm.attributes import flag_modified

    done = 0
    for cls in classes:
        table = cls.__table__  # type: ignore[attr-defined]
        fields = list(cls.__sealed__)  # type: ignore[attr-defined]
        pk = list(table.primary_key.columns)
        raw = session.connection().execute(select(*pk, *[table.c[f] for f in fields])).all()
        todo = [tuple(r[:len(pk)]) for r in raw
                if any(v is not None and not crypto.is_sealed(str(v)) for v in r[len(pk):])]
        for start in range(0, len(todo), batch):
            for ident in todo[start:start + batch]:
                row = session.get(cls, ident if len(ident) > 1 else ident[0])
                state = inspect(row)
                for attr in {*fields, *cls.__sealed_index__}:  # type: ignore[attr-defined]
                    if state.dict.get(attr) is not None:
                        flag_modified(row, attr)
                done += 1
            session.flush()
    return done
