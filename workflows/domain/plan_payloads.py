"""What each transition of the plan stores in its audit row: ids and categories, never free text.

Checked on every path (actions, timers), so a transition's payload is the same whoever fires it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from engine.errors import InvalidPayload
from workflows.domain.plan_year import (
    DOCUMENT_FIELDS,
    DOCUMENTS,
    KIND_BY_KEY,
    PARTIES,
)
from workflows.domain.rules import clean_schedule


def _int_id(payload: Mapping[str, Any], key: str, errors: dict[str, str]) -> int | None:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors[key] = "Ontbrekende of ongeldige verwijzing."
        return None
    return value


def _only(payload: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, str]:
    return {k: "Onbekend veld." for k in payload if k not in allowed}


def _choice(payload: Mapping[str, Any], key: str, choices: Mapping[str, str], errors: dict[str, str]) -> str | None:
    value = payload.get(key)
    if value not in choices:
        errors[key] = "Kies een van de mogelijkheden."
        return None
    return value


def no_fields(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ())
    if errors:
        raise InvalidPayload(errors)
    return {}


def clean_reason(choices: Mapping[str, str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A reason from a fixed list: categories, never free text about a person in the audit trail."""

    def clean(payload: dict[str, Any]) -> dict[str, Any]:
        errors = _only(payload, ("reason",))
        reason = _choice(payload, "reason", choices, errors)
        if errors:
            raise InvalidPayload(errors)
        return {"reason": reason}

    return clean


def clean_milestone_ref(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("milestone", "evaluation_id"))
    key = _choice(payload, "milestone", KIND_BY_KEY, errors)
    out: dict[str, Any] = {"milestone": key}
    if "evaluation_id" in payload:
        out["evaluation_id"] = _int_id(payload, "evaluation_id", errors)
    if errors:
        raise InvalidPayload(errors)
    return out


def clean_row_ref(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`{key: id}` of a row the plan services wrote in the same transaction."""

    def clean(payload: dict[str, Any]) -> dict[str, Any]:
        errors = _only(payload, (key,))
        out = {key: _int_id(payload, key, errors)}
        if errors:
            raise InvalidPayload(errors)
        return out

    return clean


def clean_observation_ref(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("observation_id", "observed_on"))
    out: dict[str, Any] = {"observation_id": _int_id(payload, "observation_id", errors)}
    try:
        out["observed_on"] = date.fromisoformat(str(payload.get("observed_on"))).isoformat()
    except ValueError:
        errors["observed_on"] = "Vul een geldige datum in."
    if errors:
        raise InvalidPayload(errors)
    return out


def clean_document(payload: dict[str, Any]) -> dict[str, Any]:
    """`filled`: the parts of Bijlage 4 that are filled in after the change (no text itself)."""
    errors = _only(payload, ("filled", "contact_user_id"))
    filled = payload.get("filled")
    if not isinstance(filled, list) or not all(f in DOCUMENT_FIELDS for f in filled):
        errors["filled"] = "Onbekende onderdelen van het trajectplan."
    out: dict[str, Any] = {"filled": filled}
    if "contact_user_id" in payload:
        out["contact_user_id"] = None if payload["contact_user_id"] is None else _int_id(
            payload, "contact_user_id", errors)
    if errors:
        raise InvalidPayload(errors)
    return out


def clean_hours_ref(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("entry_id", "over_cap"))
    out: dict[str, Any] = {"entry_id": _int_id(payload, "entry_id", errors), "over_cap": payload.get("over_cap")}
    if not isinstance(out["over_cap"], bool):
        errors["over_cap"] = "Ontbrekende of ongeldige waarde."
    if errors:
        raise InvalidPayload(errors)
    return out


def clean_offer(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("document",))
    document = _choice(payload, "document", DOCUMENTS, errors)
    if errors:
        raise InvalidPayload(errors)
    return {"document": document}


def clean_sign(payload: dict[str, Any]) -> dict[str, Any]:
    errors = _only(payload, ("party", "round"))
    party = _choice(payload, "party", PARTIES, errors)
    round_ = _int_id(payload, "round", errors)
    if errors:
        raise InvalidPayload(errors)
    return {"party": party, "round": round_}


def clean_schedule_change(payload: dict[str, Any]) -> dict[str, Any]:
    if not payload:
        raise InvalidPayload({"schedule": "Wijzig ten minste één instelling."})
    return clean_schedule(payload)
