"""JSON Schemas of the API: they validate requests and they are the OpenAPI document's
schemas, so the document and the behaviour cannot drift apart.

Request bodies are closed (`additionalProperties: false`): an unknown field is a 400, not
silently ignored (checked by `webui.api.validation`). Query parameters are described once
(`QueryParam`) and parsed with the same schema the document shows.
"""

from __future__ import annotations

from typing import Any

from webui.api.validation import QueryParam

# The largest id either database can hold (SQLite INTEGER, PostgreSQL BIGINT).
MAX_ID = 2**63 - 1

# Organisations, users and candidates have 32-bit ids on PostgreSQL (INTEGER).
MAX_SMALL_ID = 2**31 - 1

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
SMALL_ID = {"type": "integer", "minimum": 1, "maximum": MAX_SMALL_ID}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}

# -- requests -----------------------------------------------------------------------------

COMPANY_TRAJECTORY_DATA: dict[str, Any] = {
    "type": "object",
    "maxProperties": 0,
    "description": "A company trajectory starts empty in 'adviesgesprek'; record each phase with a transition.",
}

def create_case_schema(data_schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`POST /cases`: one alternative per startable workflow, each with its own `data`."""
    return {
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["workflow", "organisation_id"],
                "properties": {
                    "workflow": {"const": name},
                    "organisation_id": SMALL_ID,
                    "data": schema,
                },
                **({"required": ["workflow", "organisation_id", "data"]} if schema.get("required") else {}),
            }
            for name, schema in data_schemas.items()
        ],
        "examples": [{"workflow": "company_trajectory", "organisation_id": 9}],
    }


def create_case_envelope(workflows: list[str]) -> dict[str, Any]:
    """The outer shape of `POST /cases`, checked first so errors name the right field."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["workflow", "organisation_id"],
        "properties": {
            "workflow": {"type": "string", "enum": workflows},
            "organisation_id": SMALL_ID,
            "data": {"type": "object"},
        },
    }


TRANSITION_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["trigger"],
    "properties": {
        "trigger": {"type": "string", "minLength": 1, "maxLength": 64},
        "payload": {"type": "object", "description": "The action's fields, as the web form sends them."},
        "expected_version": {
            "type": "integer", "minimum": 0, "maximum": MAX_ID,
            "description": "The case `version` you read; a different current version gives 409.",
        },
        "reason": {"type": ["string", "null"], "maxLength": 2000},
    },
    "examples": [{"trigger": "record_advisory_meeting", "payload": {"notes": "Kennismaking met de werkgever"}}],
}

# -- responses ----------------------------------------------------------------------------

ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "Dutch, for people."},
                "details": {"type": "object"},
            },
        }
    },
}

TRIGGER_OPTION: dict[str, Any] = {
    "type": "object",
    "required": ["trigger", "label", "allowed", "reason"],
    "additionalProperties": False,
    "properties": {
        "trigger": {"type": "string"},
        "label": {"type": "string"},
        "allowed": {"type": "boolean"},
        "reason": {"type": ["string", "null"], "description": "Why not, when `allowed` is false."},
    },
}

_CASE_FIELDS: dict[str, Any] = {
    "id": ID,
    "workflow": {"type": "string"},
    "workflow_version": {"type": "integer"},
    "state": {"type": "string"},
    "state_label": {"type": "string"},
    "version": {"type": "integer"},
    "organisation_id": NULLABLE_ID,
    "parent_id": NULLABLE_ID,
    "created_at": DATETIME,
    "updated_at": DATETIME,
    "closed_at": NULLABLE_DATETIME,
}

CASE_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": list(_CASE_FIELDS),
    "additionalProperties": False,
    "properties": _CASE_FIELDS,
}

CASE: dict[str, Any] = {
    "type": "object",
    "required": [*_CASE_FIELDS, "data", "available_triggers"],
    "additionalProperties": False,
    "properties": {
        **_CASE_FIELDS,
        "data": {"type": "object"},
        "available_triggers": {"type": "array", "items": {"$ref": "#/components/schemas/TriggerOption"}},
        "available_actions": {"type": "array", "items": {"$ref": "#/components/schemas/ActionOption"}},
        "result": {"description": "What the action wrote (`POST .../actions/...` only)"},
    },
}


def page_of(ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page."},
        },
    }


AUDIT_ENTRY: dict[str, Any] = {
    "type": "object",
    "required": ["seq", "at", "actor_user_id", "actor_role", "trigger", "from_state", "to_state", "payload",
                 "reason", "request_id", "prev_hash", "hash"],
    "additionalProperties": False,
    "properties": {
        "seq": {"type": "integer"},
        "at": DATETIME,
        "actor_user_id": NULLABLE_ID,
        "actor_role": {"type": "string"},
        "trigger": {"type": "string"},
        "from_state": {"type": ["string", "null"]},
        "to_state": {"type": "string"},
        "payload": {"type": "object"},
        "reason": {"type": ["string", "null"]},
        "request_id": {"type": ["string", "null"]},
        "prev_hash": {"type": "string"},
        "hash": {"type": "string"},
    },
}

AUDIT_TRAIL: dict[str, Any] = {
    "type": "object",
    "required": ["case_id", "items"],
    "additionalProperties": False,
    "properties": {
        "case_id": ID,
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
    },
}

TASK: dict[str, Any] = {
    "type": "object",
    "required": ["id", "case_id", "workflow", "case_state", "key", "title", "role", "assignee_id", "status",
                 "created_at", "due_at", "completed_at", "completed_by_id"],
    "additionalProperties": False,
    "properties": {
        "id": ID,
        "case_id": ID,
        "workflow": {"type": "string"},
        "case_state": {"type": "string"},
        "key": {"type": "string"},
        "title": {"type": "string"},
        "role": {"type": "string"},
        "assignee_id": NULLABLE_ID,
        "status": {"type": "string", "enum": ["open", "done", "cancelled"]},
        "created_at": DATETIME,
        "due_at": NULLABLE_DATETIME,
        "completed_at": NULLABLE_DATETIME,
        "completed_by_id": NULLABLE_ID,
    },
}

WORKFLOW: dict[str, Any] = {
    "type": "object",
    "required": ["name", "version", "label", "description", "initial_state", "states", "transitions", "timers",
                 "tasks"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "version": {"type": "integer"},
        "label": {"type": "string"},
        "description": {"type": "string"},
        "initial_state": {"type": "string"},
        "states": {"type": "array", "items": {
            "type": "object", "required": ["name", "label", "description", "initial", "final"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "label": {"type": "string"},
                           "description": {"type": "string"}, "initial": {"type": "boolean"},
                           "final": {"type": "boolean"}},
        }},
        "transitions": {"type": "array", "items": {
            "type": "object", "required": ["trigger", "label", "from", "to", "roles", "guards", "reason_required"],
            "additionalProperties": False,
            "properties": {
                "trigger": {"type": "string"}, "label": {"type": "string"},
                "from": {"type": "array", "items": {"type": "string"}},
                "to": {"type": ["string", "null"], "description": "null: the case stays in its state."},
                "roles": {"type": "array", "items": {"type": "string"}},
                "guards": {"type": "array", "items": {"type": "string"}},
                "reason_required": {"type": "boolean"},
            },
        }},
        "timers": {"type": "array", "items": {
            "type": "object", "required": ["name", "in_state", "trigger", "after_seconds"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"}, "in_state": {"type": "string"}, "trigger": {"type": "string"},
                "after_seconds": {"type": ["integer", "null"],
                                  "description": "null: the moment is computed from the case data."},
            },
        }},
        "tasks": {"type": "array", "items": {
            "type": "object", "required": ["key", "on_enter", "role", "title"],
            "additionalProperties": False,
            "properties": {"key": {"type": "string"}, "on_enter": {"type": "string"},
                           "role": {"type": "string"}, "title": {"type": "string"}},
        }},
    },
}

WORKFLOW_LIST: dict[str, Any] = {
    "type": "object",
    "required": ["items"],
    "additionalProperties": False,
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Workflow"}}},
}

COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": ERROR,
    "TriggerOption": TRIGGER_OPTION,
    "CaseSummary": CASE_SUMMARY,
    "Case": CASE,
    "CasePage": page_of("CaseSummary"),
    "AuditEntry": AUDIT_ENTRY,
    "AuditTrail": AUDIT_TRAIL,
    "Task": TASK,
    "TaskPage": page_of("Task"),
    "Workflow": WORKFLOW,
    "WorkflowList": WORKFLOW_LIST,
    "TransitionRequest": TRANSITION_REQUEST,
}


def _action_components() -> None:
    from webui.api.action_schemas import ACTION_OPTION, ACTION_REQUEST

    COMPONENTS["ActionOption"] = ACTION_OPTION
    COMPONENTS["ActionRequest"] = ACTION_REQUEST


_action_components()

# -- query parameters ---------------------------------------------------------------------

LIMIT = QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                   "Page size (1-100).")
CURSOR = QueryParam("cursor", {"type": "string", "pattern": "^[0-9]{1,18}$"},
                    "The `next_cursor` of the previous page.")
CASE_QUERY = (
    QueryParam("workflow", {"type": "string", "maxLength": 64}, "Only cases of this workflow."),
    QueryParam("state", {"type": "string", "maxLength": 64}, "Only cases in this state."),
    QueryParam("organisation", {"type": "integer", "minimum": 1, "maximum": MAX_SMALL_ID},
               "Only cases of this organisation (an employer's id)."),
    LIMIT,
    CURSOR,
)
TASK_QUERY = (
    QueryParam("assignee", {"type": "string", "enum": ["me", "role", "any"], "default": "me"},
               "`me`: assigned to you; `role`: your role's unassigned queue; `any`: every task you may see."),
    QueryParam("status", {"type": "string", "enum": ["open", "done", "cancelled", "all"], "default": "open"}),
    QueryParam("due_before", {"type": "string", "maxLength": 40,
                              "anyOf": [{"format": "date"}, {"format": "date-time"}]},
               "Only tasks due before it: an RFC 3339 date (the start of that day, Europe/Amsterdam) "
               "or date-time with its offset (`Z` for UTC)."),
    LIMIT,
    CURSOR,
)
