"""The audit trail's hash chain and its verification (`jobtraject audit verify`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import ensure_utc
from engine.registry import Registry
from engine.spec import SYSTEM
from engine.store.models import AuditEntry, Case
from engine.versioning import MIGRATION_TRIGGER

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    *,
    prev_hash: str,
    case_id: int,
    seq: int,
    at: datetime,
    actor_user_id: int | None,
    actor_role: str,
    trigger: str,
    from_state: str | None,
    to_state: str,
    payload: Any,
    reason: str | None,
    request_id: str | None,
    payload_digest: str | None = None,
    reason_digest: str | None = None,
) -> str:
    """The chain hash of one entry.

    Payload and reason enter through their SHA-256 digests, so personal free text in them
    can be erased later (`redact`) while the stored digests keep the chain verifiable.
    """
    body = canonical_json(
        [
            case_id,
            seq,
            ensure_utc(at).isoformat(timespec="microseconds"),
            actor_user_id,
            actor_role,
            trigger,
            from_state,
            to_state,
            payload_digest or value_digest(payload),
            reason_digest or value_digest(reason),
            request_id,
        ]
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def value_digest(value: Any) -> str:
    if value is None:
        return _NULL_DIGEST  # most entries have no reason, and many no payload: no need to hash again
    if isinstance(value, dict) and not value:
        return _EMPTY_DIGEST
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


_NULL_DIGEST = hashlib.sha256(b"null").hexdigest()
_EMPTY_DIGEST = hashlib.sha256(b"{}").hexdigest()


def redact(entry: AuditEntry, payload: dict[str, Any], reason: str | None) -> None:
    """Replace the entry's payload and reason (AVG erasure), keeping the original digests."""
    if entry.redacted is None:
        entry.redacted = {"payload": value_digest(entry.payload), "reason": value_digest(entry.reason)}
    entry.payload = payload
    entry.reason = reason


def hash_of(entry: AuditEntry) -> str:
    redacted = entry.redacted or {}
    return entry_hash(
        prev_hash=entry.prev_hash,
        case_id=entry.case_id,
        seq=entry.seq,
        at=entry.at,
        actor_user_id=entry.actor_user_id,
        actor_role=entry.actor_role,
        trigger=entry.trigger,
        from_state=entry.from_state,
        to_state=entry.to_state,
        payload=entry.payload,
        reason=entry.reason,
        request_id=entry.request_id,
        payload_digest=redacted.get("payload"),
        reason_digest=redacted.get("reason"),
    )


@dataclass(frozen=True)
class AuditProblem:
    case_id: int
    problem: str


def verify_case(case: Case, entries: list[AuditEntry], registry: Registry) -> list[AuditProblem]:
    """Check one case's chain, and each entry against the table of the version it ran on.

    A case migrated to a newer version (engine.versioning) ran on older versions before its
    migration rows: the trail is read from the version it started on, switching tables at
    each migration row, which must match a registered migration.
    """
    problems: list[AuditProblem] = []
    prev = GENESIS
    version = _starting_version(case, entries)
    try:
        wf = registry.get(case.workflow, version).spec
    except KeyError:
        return [AuditProblem(case.id, f"unknown workflow {case.workflow} v{version}")]
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            problems.append(AuditProblem(case.id, f"sequence gap: expected {expected_seq}, found {entry.seq}"))
            break
        if entry.prev_hash != prev:
            problems.append(AuditProblem(case.id, f"entry {entry.seq}: broken link to previous hash"))
        if hash_of(entry) != entry.hash:
            problems.append(AuditProblem(case.id, f"entry {entry.seq}: hash does not match its content"))
        if entry.seq > 1 and entry.trigger == MIGRATION_TRIGGER and entry.actor_role == SYSTEM:
            why = _migration_problem(registry, case.workflow, version, entry)
            if why is not None:
                problems.append(AuditProblem(case.id, f"entry {entry.seq}: {why}"))
            else:
                version = int(entry.payload["to_version"])
                wf = registry.get(case.workflow, version).spec
        elif entry.seq > 1 and not _transition_exists(wf, entry):
            problems.append(
                AuditProblem(
                    case.id,
                    f"entry {entry.seq}: {entry.from_state} --{entry.trigger}--> {entry.to_state} "
                    "is not in the workflow definition",
                )
            )
        if entry.seq == 1 and entry.to_state != wf.initial.name:
            problems.append(AuditProblem(case.id, "first entry does not start in the initial state"))
        prev = entry.hash
    if not entries:
        problems.append(AuditProblem(case.id, "case has no audit entries"))
    else:
        last = entries[-1]
        if last.to_state != case.state:
            problems.append(AuditProblem(case.id, f"state {case.state!r} differs from last audit entry {last.to_state!r}"))
        if version != case.workflow_version:
            problems.append(AuditProblem(
                case.id, f"case runs on version {case.workflow_version} but its trail ends on version {version}"))
        if case.audit_seq != last.seq or case.last_hash != last.hash:
            problems.append(AuditProblem(case.id, "case's audit head does not match its last entry"))
    return problems


def _transition_exists(wf, entry: AuditEntry) -> bool:
    for t in wf.transitions_for(entry.from_state or "", entry.trigger):
        dest = t.dest if t.dest is not None else entry.from_state
        if dest == entry.to_state:
            return True
    return False


def _starting_version(case: Case, entries: list[AuditEntry]) -> int:
    """The version a case was started on: before its first migration row, else its own."""
    for entry in entries:
        if entry.trigger == MIGRATION_TRIGGER and isinstance(entry.payload, dict):
            from_version = entry.payload.get("from_version")
            if isinstance(from_version, int):
                return from_version
    return case.workflow_version


def _migration_problem(registry: Registry, workflow: str, version: int, entry: AuditEntry) -> str | None:
    """Why a migration row is not legitimate (None: it is a registered migration, applied as declared)."""
    payload = entry.payload if isinstance(entry.payload, dict) else {}
    from_version, to_version = payload.get("from_version"), payload.get("to_version")
    if from_version != version or not isinstance(to_version, int):
        return f"migration from version {from_version} while the case ran on version {version}"
    try:
        migration = registry.migration(workflow, version, to_version)
        new = registry.get(workflow, to_version).spec
    except KeyError:
        return f"no registered migration of {workflow} from version {version} to {to_version}"
    if migration.target_state(entry.from_state or "", new) != entry.to_state:
        return f"migration moved {entry.from_state} to {entry.to_state}, not as declared"
    return None


def verify_all(session: Session, registry: Registry, batch: int = 500) -> tuple[int, list[AuditProblem]]:
    """Verify every case; returns (cases checked, problems). Streams in id order."""
    problems: list[AuditProblem] = []
    checked = 0
    last_id = 0
    while True:
        cases = session.scalars(select(Case).where(Case.id > last_id).order_by(Case.id).limit(batch)).all()
        if not cases:
            break
        ids = [c.id for c in cases]
        entries_by_case: dict[int, list[AuditEntry]] = {i: [] for i in ids}
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.case_id.in_(ids)).order_by(AuditEntry.case_id, AuditEntry.seq)
        )
        for e in rows:
            entries_by_case[e.case_id].append(e)
        for c in cases:
            problems.extend(verify_case(c, entries_by_case[c.id], registry))
        checked += len(cases)
        last_id = ids[-1]
        session.expunge_all()
    return checked, problems
