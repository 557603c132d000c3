"""JSON Schemas of the action endpoints (the payload schemas come from each action's declaration)."""

from __future__ import annotations

from typing import Any

ACTION_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "payload": {"type": "object", "description": "The action's fields: see its `schema` in `available_actions`."},
        "expected_version": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1,
                             "description": "The case `version` you read; a different current version gives 409."},
        "reason": {"type": ["string", "null"], "maxLength": 2000},
    },
}

ACTION_OPTION: dict[str, Any] = {
    "type": "object",
    "required": ["name", "label", "allowed", "reason", "hint", "irreversible", "reason_required", "schema"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"}, "label": {"type": "string"}, "allowed": {"type": "boolean"},
        "reason": {"type": ["string", "null"], "description": "Why not, when `allowed` is false."},
        "hint": {"type": "string"}, "irreversible": {"type": "boolean"}, "reason_required": {"type": "boolean"},
        "schema": {"type": "object", "description": "JSON Schema of the action's `payload`."},
    },
}
