"""The transition's hot-path statements, compiled once (see docs/benchmark.md).

Core statements run on the transaction's connection: building and running an ORM-enabled
statement per call cost more than the database write itself, and a statement object that is
reused also reuses its cache key. Only `engine.runtime` uses them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, update

from engine.spec import ANY_STATE
from engine.store.driver_sql import DriverStatement
from engine.store.models import AuditEntry, Case, OutboxMessage, Task, Timer, User

# Core statements on the session's connection, in the session's transaction: building and
# running an ORM-enabled statement per call cost more than the database write itself (see
# docs/benchmark.md). A statement object that is reused also reuses its cache key.
CASE = Case.__table__
TASK = Task.__table__
TIMER = Timer.__table__


def _insert(table: Any, columns: tuple[str, ...]) -> DriverStatement:
    """An INSERT of exactly these columns (the rest take their server default or NULL).

    `inline()`: nothing reads the new ids back, so PostgreSQL gets no RETURNING clause.
    """
    return DriverStatement(insert(table).values({c: bindparam(c) for c in columns}).inline())


AUDIT_COLUMNS = ("case_id", "seq", "at", "actor_user_id", "actor_role", "trigger", "from_state", "to_state",
                  "payload", "reason", "request_id", "prev_hash", "hash")
TASK_COLUMNS = ("case_id", "key", "state", "role", "assignee_id", "title", "created_at", "due_at",
                 "remind_before", "status")
TIMER_COLUMNS = ("case_id", "state", "trigger", "name", "due_at", "status", "attempts", "created_at")
OUTBOX_COLUMNS = ("created_at", "to_user_id", "to_addr", "subject", "body_text", "body_html", "message_id",
                   "dedupe_key", "status", "attempts", "next_attempt_at")
INSERT_AUDIT = _insert(AuditEntry.__table__, AUDIT_COLUMNS)
CASE_INSERT_COLUMNS = ("workflow", "workflow_version", "state", "data", "organisation_id", "parent_id",
                        "created_at", "updated_at", "state_entered_at", "closed_at", "audit_seq", "last_hash",
                        "version")
INSERT_CASE = DriverStatement(
    insert(CASE).values({c: bindparam(c) for c in CASE_INSERT_COLUMNS}).returning(CASE.c.id)
)
INSERT_TASK = _insert(TASK, TASK_COLUMNS)
INSERT_TIMER = _insert(TIMER, TIMER_COLUMNS)
INSERT_OUTBOX = _insert(OutboxMessage.__table__, OUTBOX_COLUMNS)
CLOSE_TASKS = DriverStatement(
    update(TASK)
    .where(TASK.c.case_id == bindparam("b_case"), TASK.c.status == "open", TASK.c.state == bindparam("b_state"))
    .values(status=bindparam("b_status"), completed_by_id=bindparam("b_by"), completed_at=bindparam("b_at"))
)
CANCEL_TIMERS = DriverStatement(
    update(TIMER)
    .where(TIMER.c.case_id == bindparam("b_case"), TIMER.c.status == "pending",
           TIMER.c.state == bindparam("b_state"))
    .values(status="cancelled", last_error="case left the state")
)
# The version check of `Case.version` (version_id_col), done by hand: the row changes only
# if nobody changed it since we read it; otherwise StaleDataError, exactly as a flush raises.
CASE_COLUMNS = ("state", "data", "updated_at", "state_entered_at", "closed_at", "audit_seq", "last_hash")
WRITTEN = frozenset((*CASE_COLUMNS, "version"))
WRITE_CASE = DriverStatement(
    update(CASE)
    .where(CASE.c.id == bindparam("b_id"), CASE.c.version == bindparam("b_version"))
    .values(version=bindparam("b_new_version"), **{c: bindparam(f"b_{c}") for c in CASE_COLUMNS})
)
CASE_BY_ID = CASE.c.id == bindparam("b_id")
CASE_ROW = DriverStatement(select(*CASE.c).where(CASE_BY_ID))
CASE_ROW_LOCKED = DriverStatement(select(*CASE.c).where(CASE_BY_ID).with_for_update())
CASE_ORM = select(Case).where(Case.id == bindparam("b_id"))
CASE_ORM_LOCKED = CASE_ORM.with_for_update()
OPEN_STANDING = DriverStatement(
    select(TASK.c.id, TASK.c.key, TASK.c.due_at)
    .where(TASK.c.case_id == bindparam("b_case"), TASK.c.state == ANY_STATE, TASK.c.status == "open")
)
SET_TASK_DUE = DriverStatement(update(TASK).where(TASK.c.id == bindparam("b_id")).values(due_at=bindparam("b_due")))
CLOSE_TASK = DriverStatement(
    update(TASK).where(TASK.c.id == bindparam("b_id"), TASK.c.status == "open")
    .values(status=bindparam("b_status"), completed_by_id=bindparam("b_by"), completed_at=bindparam("b_at"))
)
USER_EMAIL = DriverStatement(select(User.__table__.c.email).where(User.__table__.c.id == bindparam("b_id")))
