"""The OpenAPI 3.1 document, built from the same schemas that validate requests.

Every status code an endpoint can answer is listed; a test compares this document with the
app's URL map, and schemathesis checks live responses against it.
"""

from __future__ import annotations

from typing import Any

from engine.registry import Registry
from webui.api import schemas as s

BEARER = [{"bearerAuth": []}]


def _err(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(description: str, ref: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


ERRORS = {
    "400": _err("Malformed JSON, a wrong type, an unknown field, or an unknown or bad query parameter."),
    "401": _err("No token, or an unknown or revoked one, or its user is deactivated."),
    "403": _err("Your role may not do this."),
    "404": _err("Not found, or not visible to you (another organisation's case is never revealed)."),
    "409": _err("`expected_version` is not the case's current version: read it again."),
    "413": _err("The body is larger than 1 MiB."),
    "422": _err("The workflow refused: not possible in this phase, a guard said no (its reason is the "
                "message), the payload is invalid, or the action needs its own page."),
    "503": _err("The database is busy; nothing was written. Try again."),
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: ERRORS[code] for code in codes}


def _case_id_param(name: str = "case_id") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {**s.ID, "examples": [1, 8]}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _list(description: str, item: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "required": ["items"], "additionalProperties": False,
              "properties": {"items": {"type": "array", "items": item}}}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def action_paths() -> dict[str, Any]:
    """The declared actions and the reads a client needs to fill their payloads."""
    get_ok = {**_errors("400", "401", "404", "503")}
    return {
        "/api/v1/cases/{case_id}/actions/{action}": {"post": {
            "operationId": "performAction", "summary": "Perform an action on a case (as its web form does)",
            "description": "The payload's schema is the action's `schema` in `available_actions` of `GET "
                           "/cases/{case_id}`. Tasks that stand for the action close with it.",
            "parameters": [_case_id_param(), {"name": "action", "in": "path", "required": True,
                                              "schema": {"type": "string", "minLength": 1, "maxLength": 64,
                                                         "examples": ["add_goal", "record_evaluation"]}}],
            "requestBody": _body({"$ref": "#/components/schemas/ActionRequest"}),
            "responses": {"200": _ok("The case after the action; `result` is what it wrote (an id)", "Case"),
                          **_errors("400", "401", "403", "404", "409", "413", "422", "503")},
        }},
        "/api/v1/cases/{case_id}/schedule": {"get": {
            "operationId": "getSchedule", "summary": "Every planned evaluation with its due date (moved by pauses)",
            "parameters": [_case_id_param()],
            "responses": {"200": {"description": "The plan's milestones in date order", "content": {
                "application/json": {"schema": {"type": "object", "required": ["case_id", "items"],
                                                "properties": {"case_id": s.ID, "items": {"type": "array"}}}}}},
                **get_ok},
        }},
        "/api/v1/organisations": {"get": {
            "operationId": "listOrganisations", "summary": "Organisations you may see",
            "responses": {"200": _list("Organisations", {"type": "object"}), **_errors("400", "401", "503")},
        }},
        "/api/v1/candidates": {"get": {
            "operationId": "listCandidates", "summary": "Registered candidates (JoB only; others get 404)",
            "responses": {"200": _list("Candidates", {"type": "object"}), **get_ok},
        }},
        "/api/v1/candidates/{candidate_id}": {"get": {
            "operationId": "getCandidate",
            "summary": "One candidate: personal details, plans, trajectories, notes and documents (JoB only; "
                       "others get 404). The read is logged.",
            "parameters": [{"name": "candidate_id", "in": "path", "required": True,
                            "schema": {**s.SMALL_ID, "examples": [1]}}],
            "responses": {"200": {"description": "The candidate", "content": {"application/json": {
                "schema": {"type": "object", "required": ["id", "name", "plans", "notes", "documents"]}}}},
                **get_ok},
        }},
        "/api/v1/users/me": {"get": {
            "operationId": "getMe", "summary": "The token's own user",
            "responses": {"200": {"description": "You", "content": {"application/json": {
                "schema": {"type": "object"}}}}, **get_ok},
        }},
    }


def document(registry: Registry, starters: dict[str, tuple[dict[str, Any], Any]]) -> dict[str, Any]:
    create = s.create_case_schema({name: schema for name, (schema, _fn) in starters.items()})
    paths: dict[str, Any] = {
        "/api/v1/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document", "security": [],
            "responses": {"200": {"description": "The OpenAPI document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          **_errors("400")},
        }},
        "/api/v1/workflows": {"get": {
            "operationId": "listWorkflows", "summary": "Workflows with states, transitions, timers and tasks",
            "responses": {"200": _ok("Every registered workflow version", "WorkflowList"), **_errors("400", "401", "503")},
        }},
        "/api/v1/cases": {
            "get": {
                "operationId": "listCases", "summary": "Cases you may see, oldest first, paginated",
                "parameters": [p.openapi() for p in s.CASE_QUERY],
                "responses": {"200": _ok("A page of cases", "CasePage"), **_errors("400", "401", "503")},
            },
            "post": {
                "operationId": "createCase", "summary": "Start a case",
                "description": "`company_trajectory`: one open trajectory per employer, started empty. "
                               "`candidate_plan` is refused (422 `start_refused`): a plan starts with the hire "
                               "(`hire_candidate`) in a company trajectory.",
                "requestBody": _body(create),
                "responses": {"201": _ok("The new case", "Case"),
                              **_errors("400", "401", "403", "404", "413", "422", "503")},
            },
        },
        "/api/v1/cases/{case_id}": {"get": {
            "operationId": "getCase", "summary": "One case with what you may do now",
            "parameters": [_case_id_param()],
            "responses": {"200": _ok("The case", "Case"), **_errors("400", "401", "404", "503")},
        }},
        "/api/v1/cases/{case_id}/transitions": {"post": {
            "operationId": "fireTransition", "summary": "Fire a trigger on a case",
            "parameters": [_case_id_param()],
            "requestBody": _body({"$ref": "#/components/schemas/TransitionRequest"}),
            "responses": {"200": _ok("The case after the transition", "Case"),
                          **_errors("400", "401", "403", "404", "409", "413", "422", "503")},
        }},
        "/api/v1/cases/{case_id}/audit": {"get": {
            "operationId": "getAuditTrail", "summary": "The case's audit trail (hash-chained)",
            "parameters": [_case_id_param()],
            "responses": {"200": _ok("Audit entries in order", "AuditTrail"), **_errors("400", "401", "404", "503")},
        }},
        "/api/v1/tasks": {"get": {
            "operationId": "listTasks", "summary": "Tasks on cases you may see, paginated",
            "parameters": [p.openapi() for p in s.TASK_QUERY],
            "responses": {"200": _ok("A page of tasks", "TaskPage"), **_errors("400", "401", "503")},
        }},
        "/api/v1/tasks/{task_id}/complete": {"post": {
            "operationId": "completeTask", "summary": "Mark a task done",
            "parameters": [_case_id_param("task_id")],
            "responses": {"200": _ok("The completed task", "Task"), **_errors("400", "401", "403", "404", "503")},
        }},
    }
    paths.update(action_paths())
    from webui.api.admin import admin_paths  # it imports the views, which import this module

    paths.update(admin_paths(ERRORS))
    from webui.api.prints import print_paths

    paths.update(print_paths(ERRORS))
    from webui.api import casework, coordination, money, register

    components = dict(s.COMPONENTS)
    for module in (casework, register, money, coordination):
        for path, operations in module.paths(ERRORS).items():  # a path may add a method to one above
            paths.setdefault(path, {}).update(operations)
        components.update(module.COMPONENTS)
    names = ", ".join(f"`{c.name}` v{c.version}" for c in registry.all())
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "jobtraject API",
            "version": "1.0.0",
            "description": (
                "Company trajectories and candidate plans as state machines. A personal API token "
                "(page *API-sleutels*, or `jobtraject token create --user EMAIL`) acts as its user, "
                "with the same role and organisation limits as the web UI. Errors are "
                "`{\"error\": {\"code\", \"message\", \"details\"}}`; messages are Dutch. Every response "
                f"carries `X-Request-Id` (yours, or a new one), also stored in the audit trail. Workflows: {names}."
            ),
        },
        "servers": [{"url": "/"}],
        "security": BEARER,
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A personal API token (`jt_...`)."}},
        },
    }
