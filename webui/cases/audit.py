"""The audit trail as sentences people read: who did what, when, and why.

Audit rows hold ids, not names; the names of every actor (and of the candidates and Harrie
a row names) are fetched in one query each, never one per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.runtime import START_TRIGGER
from engine.spec import SYSTEM, Workflow
from engine.store.models import AuditEntry
from workflows.domain.company_records import REJECTION_REASONS, STOP_REASONS
from workflows.domain.roles import role_label

# Codes in a payload that explain a step, shown as its reason (company trajectory).
PAYLOAD_REASONS: dict[str, dict[str, str]] = {
    "stop": STOP_REASONS,
    "decline_company_analysis": STOP_REASONS,
    "reject_candidate": REJECTION_REASONS,
}


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: datetime
    who: str
    role: str
    action: str  # "zette de fase van Werving naar Sollicitatie (Sollicitatie starten)"
    reason: str | None


def _system_role(entry: AuditEntry) -> str:
    rid = entry.request_id or ""
    return "timer" if rid.startswith("timer:") else "automatisch"


def referenced_ids(trail: Iterable[AuditEntry]) -> tuple[set[int], set[int]]:
    """(user ids, candidate ids) that the sentences need names for."""
    users: set[int] = set()
    cands: set[int] = set()
    for e in trail:
        if e.actor_user_id:
            users.add(e.actor_user_id)
        payload = e.payload or {}
        if isinstance(payload.get("harrie_user_id"), int):
            users.add(payload["harrie_user_id"])
        if isinstance(payload.get("candidate_id"), int):
            cands.add(payload["candidate_id"])
    return users, cands


def audit_lines(
    spec_for: Callable[[], Workflow] | Workflow,
    trail: Iterable[AuditEntry],
    user_names: dict[int, str],
    candidate_names: dict[int, str] | None = None,
) -> list[AuditLine]:
    """Newest first."""
    spec = spec_for() if callable(spec_for) else spec_for
    candidate_names = candidate_names or {}
    lines = []
    for e in trail:
        if e.actor_role == SYSTEM or e.actor_user_id is None:
            who, role = "Systeem", _system_role(e)
        else:
            who, role = user_names.get(e.actor_user_id, "Onbekende gebruiker"), role_label(e.actor_role)
        label = spec.label_for(e.trigger) if e.trigger != START_TRIGGER else ""
        detail = _detail(e.payload or {}, user_names, candidate_names)
        if e.from_state is None:
            action = f"startte de zaak in fase {spec.state_label(e.to_state)}"
        elif e.from_state == e.to_state:
            action = f"legde vast: {label}{detail}"
        else:
            action = (f"zette de fase van {spec.state_label(e.from_state)} naar {spec.state_label(e.to_state)} "
                      f"({label}{detail})")
        lines.append(AuditLine(e.seq, e.at, who, role, action, _reason(e)))
    return lines[::-1]


def _detail(payload: dict[str, Any], users: dict[int, str], cands: dict[int, str]) -> str:
    parts = []
    if isinstance(payload.get("candidate_id"), int):
        parts.append("kandidaat " + cands.get(payload["candidate_id"], "(verwijderd)"))
    if isinstance(payload.get("harrie_user_id"), int):
        parts.append("Harrie: " + users.get(payload["harrie_user_id"], "(onbekend)"))
    return " — " + ", ".join(parts) if parts else ""


def _reason(e: AuditEntry) -> str | None:
    texts = []
    options = PAYLOAD_REASONS.get(e.trigger)
    payload = e.payload or {}
    if options and payload.get("reason") in options:
        texts.append(options[payload["reason"]])
        if payload.get("explanation"):
            texts.append(str(payload["explanation"]))
    if e.reason:
        texts.append(e.reason)
    return "; ".join(texts) or None
