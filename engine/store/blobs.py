"""Where uploaded files' bytes live: a small interface, stored in the database by default.

In the database, one backup holds every file and several web processes on several machines
share them without a shared disk. Another store (an object store, a folder) only has to
implement `BlobStore`; rows that name a blob keep its key and SHA-256, never a path.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from sqlalchemy import Integer, LargeBinary, String, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.store.db import Base


class BlobStore(Protocol):
    """Bytes in, a key out; all in the caller's transaction (nothing commits here)."""

    def put(self, session: Session, content: bytes) -> str: ...

    def get(self, session: Session, key: str) -> bytes | None: ...

    def delete(self, session: Session, keys: list[str]) -> None: ...


class Blob(Base):
    """The bytes of one uploaded file version."""

    __tablename__ = "blob"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class DatabaseBlobStore:
    """The default: a `blob` row per file version, written in the same transaction as its metadata."""

    PREFIX = "db:"

    def put(self, session: Session, content: bytes) -> str:
        conn = session.connection()
        new_id = conn.execute(insert(Blob).values(sha256=sha256(content), size=len(content), content=content)
                              .returning(Blob.id)).scalar_one()
        return f"{self.PREFIX}{new_id}"

    def _id(self, key: str) -> int | None:
        if not key.startswith(self.PREFIX) or not key[len(self.PREFIX):].isdigit():
            return None
        return int(key[len(self.PREFIX):])

    def get(self, session: Session, key: str) -> bytes | None:
        blob_id = self._id(key)
        if blob_id is None:
            return None
        return session.connection().execute(select(Blob.content).where(Blob.id == blob_id)).scalar()

    def delete(self, session: Session, keys: list[str]) -> None:
        ids = [i for i in (self._id(k) for k in keys) if i is not None]
        if ids:
            session.connection().execute(delete(Blob).where(Blob.id.in_(ids)))
