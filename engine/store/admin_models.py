"""The administrator's tables: one-time invitation links and the administration history.

Kept apart from the case audit chain (engine/audit.py): changes to organisations and
accounts are not steps of a case, but an auditor still asks who changed what, when and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base
from engine.store.models import BigId, JsonType, UtcDateTime

if TYPE_CHECKING:
    from engine.spec import Actor


class InvitationToken(Base):
    """A mailed single-use link with which an invited user sets a first password.

    Only the SHA-256 of the secret is stored, as for password-reset links; the mail keeps
    the link sealed until it is sent (engine/jobs/secret_mail.py).
    """

    __tablename__ = "invitation_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AdminAuditEntry(Base):
    """One change made by an administrator (or on the command line: no actor), with the reason.

    `changes` holds {field: [before, after]} for what changed; never a password or secret.
    """

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(16))  # organisation | user
    subject_id: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_admin_audit_subject", "subject_kind", "subject_id"),)

    @classmethod
    def record(cls, actor: Actor, at: datetime, action: str, kind: str, subject_id: int,
               changes: dict[str, Any], reason: str) -> AdminAuditEntry:
        """One line of the history, with who did it as the history page names them."""
        label = "Opdrachtregel (beheerder)" if actor.is_system else (actor.name or f"gebruiker {actor.user_id}")
        return cls(at=at, actor_user_id=actor.user_id, actor_label=label, action=action, subject_kind=kind,
                   subject_id=subject_id, changes=changes, reason=reason)
