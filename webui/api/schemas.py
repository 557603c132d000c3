"""JSON Schemas of the API: they validate requests and they are the OpenAPI document's
schemas, so the document and the behaviour cannot drift apart.

Request bodies are closed (`additionalProperties: false`): an unknown field is a 400, not
silently ignored. Query parameters are described once (`QueryParam`) and parsed with the
same schema the document shows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from webui.api.errors import ApiError

# The largest id either database can hold (SQLite INTEGER, PostgreSQL BIGINT).
MAX_ID = 2**63 - 1
# Payloads and case data are stored as JSON; deeper nesting is never a real form.
MAX_DEPTH = 32

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

# -- validation ---------------------------------------------------------------------------

_MESSAGES = {
    "additionalProperties": "Onbekend veld.",
    "required": "Dit veld is verplicht.",
    "type": "Dit veld heeft het verkeerde type.",
    "enum": "Deze waarde is niet toegestaan.",
    "const": "Deze waarde is niet toegestaan.",
    "maxProperties": "Hier horen geen gegevens.",
    "maxLength": "Deze tekst is te lang.",
    "minLength": "Dit veld mag niet leeg zijn.",
    "minimum": "Dit getal is te klein.",
    "maximum": "Dit getal is te groot.",
    "pattern": "Deze waarde heeft niet de juiste vorm.",
}


def _path(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        parts += missing[:1]
    elif error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        parts += extra[:1]
    return ".".join(parts) or "(body)"


def check(schema: dict[str, Any], value: Any) -> None:
    """Raise a 400 naming every field that does not fit the schema."""
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        fields = {_path(e): _MESSAGES.get(str(e.validator), "Deze waarde klopt niet.") for e in errors[:20]}
        raise ApiError(400, "invalid_request", "Het verzoek klopt niet met het schema.", errors=fields)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth, stopping early once past `limit` (iterative: no recursion limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_json(raw: bytes) -> Any:
    """The request body as JSON; malformed, non-UTF-8 or absurdly nested bodies are a 400."""
    if not raw.strip():
        raise ApiError(400, "invalid_json", "Het verzoek heeft geen JSON-inhoud.")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "Het verzoek is geen geldige JSON.") from exc
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise ApiError(400, "invalid_json", f"De JSON is dieper genest dan {MAX_DEPTH} niveaus.")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def integral(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer; the services want the int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# -- query parameters ---------------------------------------------------------------------


# What `format: date` / `format: date-time` mean (RFC 3339), checked where the value is parsed.
RFC3339_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RFC3339_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})")


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str = ""

    def openapi(self) -> dict[str, Any]:
        return {"name": self.name, "in": "query", "required": False, "schema": self.schema,
                "description": self.description}

    def parse(self, args) -> Any:
        raw = args.get(self.name)
        if raw is None:
            return self.schema.get("default")
        value: Any = raw
        if self.schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]{1,20}", raw):
                raise ApiError(400, "invalid_request", "Het verzoek klopt niet met het schema.",
                               errors={self.name: "Verwacht een geheel getal."})
            value = int(raw)
        validator = Draft202012Validator(self.schema)
        if not validator.is_valid(value):
            error = next(validator.iter_errors(value))
            raise ApiError(400, "invalid_request", "Het verzoek klopt niet met het schema.",
                           errors={self.name: _MESSAGES.get(str(error.validator), "Deze waarde klopt niet.")})
        return value


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
