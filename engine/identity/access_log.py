"""The read-access log (NEN 7513 style): who read which person's record, when.

Rows hold ids and a short code only, never what was read, so the log itself holds no
personal data beyond the fact of access, and survives the person's erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import ensure_utc
from engine.spec import Actor
from engine.store.models import ReadAccess, User


@dataclass(frozen=True)
class AccessLine:
    at: datetime
    user_id: int | None
    user_name: str
    role: str
    case_id: int | None
    what: str


def record(session: Session, actor: Actor, subject_id: int, case_id: int | None, what: str, now: datetime) -> None:
    session.add(ReadAccess(at=now, user_id=actor.user_id, role=actor.role, subject_id=subject_id,
                           case_id=case_id, what=what[:32]))


def lines_for(session: Session, subject_id: int, limit: int = 1000) -> list[AccessLine]:
    rows = session.execute(
        select(ReadAccess, User.name).outerjoin(User, User.id == ReadAccess.user_id)
        .where(ReadAccess.subject_id == subject_id).order_by(ReadAccess.at.desc(), ReadAccess.id.desc()).limit(limit)
    ).all()
    return [AccessLine(ensure_utc(r.at), r.user_id, name or "Systeem", r.role, r.case_id, r.what) for r, name in rows]
