"""Small helpers to build real rows for tests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from engine.db import Database
from engine.models import AuditEntry, Case, Organisation, OutboxMessage, Task, Timer, User
from engine.spec import Actor

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def make_org(db: Database, name: str = "Bakkerij De Korenaar", kind: str = "employer",
             parent_id: int | None = None) -> int:
    with db.write() as s:
        org = Organisation(name=name, kind=kind, parent_id=parent_id, created_at=T0)
        s.add(org)
        s.flush()
        return org.id


def make_user(db: Database, org_id: int, role: str, email: str, name: str = "Test Gebruiker") -> Actor:
    with db.write() as s:
        u = User(email=email, name=name, role=role, organisation_id=org_id, active=True,
                 is_coordinator=False, notify="digest", session_epoch=0, created_at=T0)
        s.add(u)
        s.flush()
        return Actor(user_id=u.id, role=role, organisation_id=org_id, name=name)


def snapshot(db: Database) -> dict[str, list]:
    """Every row of every engine table, to assert 'the database is exactly as it was'."""
    out: dict[str, list] = {}
    with db.read() as s:
        for model in (Case, AuditEntry, Task, Timer, OutboxMessage):
            rows = s.execute(select(model.__table__)).all()
            out[model.__tablename__] = sorted(tuple(map(str, r)) for r in rows)
    return out


def count(db: Database, model, *where) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))
