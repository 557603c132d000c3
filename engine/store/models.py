"""The engine's tables: organisations and users, cases, audit trail, tasks, timers, outbox.

Personal data about candidates never lives here: cases and audit rows refer to domain
rows by id, so a person can be erased while the audit trail stays verifiable.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.store.db import Base

JsonType = JSON().with_variant(JSONB(), "postgresql")
UtcDateTime = DateTime(timezone=True)
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Organisation(Base):
    """JoB, a WSP region/office or an employer; `parent_id` links a company to its WSP."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    notify: Mapped[str] = mapped_column(String(16), default="digest")  # digest | all | none
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Second factor (TOTP, RFC 6238): the base32 secret, when it was confirmed (None: not
    # enrolled) and the last accepted time step, so a code works only once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class UserSession(Base):
    """A logged-in browser: the cookie holds a random id, the table its SHA-256.

    Deleting the row (logout, password change, idle or absolute timeout) ends the session
    for good: a copied cookie stops working.
    """

    __tablename__ = "user_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoginFailure(Base):
    """A failed login (password or second factor), to throttle per account and per address.

    `account` is the SHA-256 of the lower-cased e-mail address typed, so typos of
    strangers' addresses are not kept in readable form.
    """

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    account: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_login_failure_account_at", "account", "at"),
        Index("ix_login_failure_ip_at", "ip", "at"),
    )


class RecoveryCode(Base):
    """A one-time code to log in without the authenticator app; only its hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PasswordResetToken(Base):
    """A mailed single-use link to set a new password; only the SHA-256 is stored."""

    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReadAccess(Base):
    """Who read whose sensitive record, and when (NEN 7513 style): ids and a code only.

    `subject_id` is the id of the person the record is about (a candidate), `what` a short
    code such as `plan` or `export`; never free text or personal data.
    """

    __tablename__ = "read_access"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("wf_case.id"))
    what: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_read_access_subject_at", "subject_id", "at"),)


class Case(Base):
    """A persisted state machine instance. Only the engine writes `state`."""

    __tablename__ = "wf_case"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workflow: Mapped[str] = mapped_column(String(64))
    workflow_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("wf_case.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state_entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_case_org_workflow_state", "organisation_id", "workflow", "state"),
        Index("ix_case_workflow_state", "workflow", "state"),
    )


class AuditEntry(Base):
    """One row per transition; `hash` chains to the previous row of the same case."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Set when personal free text was erased from `payload`/`reason` (AVG erasure): the
    # SHA-256 digests of the original values, so the hash chain still verifies.
    redacted: Mapped[dict[str, Any] | None] = mapped_column(JsonType)

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_audit_case_seq"),)


class Task(Base):
    """Work for a role (or a person) on a case, opened when the case enters a state."""

    __tablename__ = "task"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The assignee's own "look at it again on" day (Europe/Amsterdam), apart from the due date.
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    remind_before: Mapped[list[int]] = mapped_column(JsonType, default=list)  # seconds
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | cancelled
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # The inbox reads these in order and stops at its limit (see engine.inbox, tests/perf);
        # follow_up_on last, so the inbox's group counts and parked list read the index alone.
        Index("ix_task_assignee_status_due", "assignee_id", "status", "due_at", "id", "follow_up_on"),
        # assignee_id last: "IS NULL" does not fix a column's order for PostgreSQL as "=" does.
        Index("ix_task_queue", "role", "status", "due_at", "id", "assignee_id"),
        Index("ix_task_case_status", "case_id", "status"),
        # Reminders, escalations, digests and overdue counts: open tasks by due moment.
        Index("ix_task_status_due", "status", "due_at"),
    )


class TaskEvent(Base):
    """Who moved a task to whom, when and why: taking, assigning and handing over.

    Written in the same transaction as the change to `Task.assignee_id`.
    """

    __tablename__ = "task_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(16))  # take | assign | handover
    from_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    to_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_task_event_task_at", "task_id", "at"),)


class Timer(Base):
    """Due work: fire `trigger` on the case at `due_at` if it is still in `state`."""

    __tablename__ = "timer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("wf_case.id"))
    state: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64), default="")
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending | claimed | fired | skipped | cancelled | incident
    locked_by: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_timer_status_due", "status", "due_at", "id"),  # the sweep's picks, in due order
        Index("ix_timer_case_status", "case_id", "status"),
    )


class OutboxMessage(Base):
    """A mail written in the transaction that caused it, sent after commit.

    A mail that carries a secret (a reset link) keeps it sealed in `sealed_secret` and a
    placeholder in its body (engine/jobs/secret_mail.py); the sealed value is removed when the
    mail is sent or at `secret_expires_at`, whichever comes first.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|claimed|sent|incident|expired
    locked_by: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sealed_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # set: the mail carries a secret

    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        # The expiry sweep's picks: only rows that still hold a sealed secret.
        Index("ix_outbox_sealed_expiry", "secret_expires_at", sqlite_where=text("sealed_secret IS NOT NULL"),
              postgresql_where=text("sealed_secret IS NOT NULL")),
    )


class NotificationLog(Base):
    """One row per reminder moment, escalation or daily digest: the exactly-once record.

    Written in the same transaction as the outbox rows it caused. The unique `key` turns a
    second worker's attempt at the same notification into a no-op.
    """

    __tablename__ = "notification_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder | escalation | digest
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    mails: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_notification_task", "task_id"),)


class CalendarToken(Base):
    """A secret that opens one user's iCalendar feed; only its SHA-256 is stored."""

    __tablename__ = "calendar_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApiToken(Base):
    """A personal API token: acts as its user, with the user's role and organisation.

    Only the SHA-256 of the secret is stored (it has 256 random bits, so a fast hash is
    enough); `prefix` is the first characters of the token, shown so a user can tell
    tokens apart. A revoked token, or any token of a deactivated user, stops working.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WorkerHeartbeat(Base):
    """A scheduler process says it is alive, so admins can see who sweeps."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    beat_at: Mapped[datetime] = mapped_column(UtcDateTime)




import engine.store.admin_models  # noqa: E402,F401 - registers the administrator's tables on Base.metadata
