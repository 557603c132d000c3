"""The API's endpoints: thin, like the web UI's views. Parse and validate the request, call
the same use case the UI calls as the token's user, map the result to JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Response, current_app, json, request, url_for
from sqlalchemy.exc import DBAPIError

from engine.clock import ensure_utc
from engine.errors import CaseNotFound, DatabaseBusy, EngineError, NotFound
from engine.perform import ActionOption
from engine.registry import Registry
from engine.runtime import TriggerOption
from engine.services import CaseSnapshot, Services, TaskSnapshot
from engine.spec import Actor, Workflow
from engine.starting import refuse_direct_start, started_by_actions
from engine.store.models import AuditEntry
from engine.task_services import TaskServices
from engine.workdays import AMSTERDAM
from webui.api import bp, openapi
from webui.api.auth import api_actor, token_required
from webui.api.errors import ApiError, api_error, database_error, engine_error, request_id
from webui.api.schemas import (
    CASE_QUERY,
    COMPANY_TRAJECTORY_DATA,
    MAX_ID,
    TASK_QUERY,
    TRANSITION_REQUEST,
    create_case_envelope,
)
from webui.api.validation import (
    RFC3339_DATE,
    RFC3339_DATE_TIME,
    QueryParam,
    check,
    integral,
    parse_json,
)
from webui.auth import public
from webui.extensions import services
from workflows.domain.company_trajectory import NAME as COMPANY_TRAJECTORY
from workflows.usecases.company_services import CompanyServices

# -- starting a case: per workflow, the data it takes and the use case the UI calls ----------

Starter = Callable[[Services, Actor, int, dict[str, Any], str], CaseSnapshot]


def _start_trajectory(svc: Services, actor: Actor, organisation_id: int, _data: dict[str, Any],
                      rid: str) -> CaseSnapshot:
    return CompanyServices(svc).start_trajectory(actor, organisation_id, request_id=rid)


STARTERS: dict[str, tuple[dict[str, Any], Starter]] = {
    COMPANY_TRAJECTORY: (COMPANY_TRAJECTORY_DATA, _start_trajectory),
}


# -- JSON shapes (see webui.api.schemas) -----------------------------------------------------


def _dt(value: datetime | None) -> str | None:
    return ensure_utc(value).isoformat() if value is not None else None


def case_summary(case: CaseSnapshot, registry: Registry) -> dict[str, Any]:
    spec = registry.get(case.workflow, case.workflow_version).spec
    return {
        "id": case.id, "workflow": case.workflow, "workflow_version": case.workflow_version,
        "state": case.state, "state_label": spec.state_label(case.state), "version": case.version,
        "organisation_id": case.organisation_id, "parent_id": case.parent_id,
        "created_at": _dt(case.created_at), "updated_at": _dt(case.updated_at), "closed_at": _dt(case.closed_at),
    }


def case_full(case: CaseSnapshot, options: list[TriggerOption], registry: Registry) -> dict[str, Any]:
    return {
        **case_summary(case, registry),
        "data": case.data,
        "available_triggers": [
            {"trigger": o.trigger, "label": o.label, "allowed": o.allowed, "reason": o.reason} for o in options
        ],
    }


def action_json(o: ActionOption) -> dict[str, Any]:
    return {"name": o.name, "label": o.label, "allowed": o.allowed, "reason": o.reason, "hint": o.hint,
            "irreversible": o.irreversible, "reason_required": o.reason_required, "schema": o.schema}


def audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq, "at": _dt(e.at), "actor_user_id": e.actor_user_id, "actor_role": e.actor_role,
        "trigger": e.trigger, "from_state": e.from_state, "to_state": e.to_state, "payload": e.payload or {},
        "reason": e.reason, "request_id": e.request_id, "prev_hash": e.prev_hash, "hash": e.hash,
    }


def task_json(t: TaskSnapshot) -> dict[str, Any]:
    return {
        "id": t.id, "case_id": t.case_id, "workflow": t.workflow, "case_state": t.case_state, "key": t.key,
        "title": t.title, "role": t.role, "assignee_id": t.assignee_id, "status": t.status,
        "created_at": _dt(t.created_at), "due_at": _dt(t.due_at), "completed_at": _dt(t.completed_at),
        "completed_by_id": t.completed_by_id,
    }


def workflow_json(spec: Workflow) -> dict[str, Any]:
    return {
        "name": spec.name, "version": spec.version, "label": spec.label, "description": spec.description,
        "initial_state": spec.initial.name,
        "states": [{"name": s.name, "label": s.label, "description": s.description, "initial": s.initial,
                    "final": s.final} for s in spec.states],
        "transitions": [
            {"trigger": t.trigger, "label": t.label or t.trigger, "from": list(t.sources(spec.states)),
             "to": t.dest, "roles": list(t.by), "guards": [g.name for g in t.guards],
             "reason_required": t.reason_required}
            for t in spec.transitions
        ],
        "timers": [
            {"name": tm.name or tm.fire, "in_state": tm.in_state, "trigger": tm.fire,
             "after_seconds": int(tm.after.total_seconds()) if hasattr(tm.after, "total_seconds") else None}
            for tm in spec.timers
        ],
        "tasks": [{"key": ts.key or ts.title[:64], "on_enter": ts.on_enter, "role": ts.role, "title": ts.title}
                  for ts in spec.tasks],
    }


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _body() -> Any:
    return parse_json(request.get_data(cache=False))


def _args(params: tuple[QueryParam, ...] = ()) -> list[Any]:
    """The endpoint's query parameters, parsed; an unknown one is a 400 like an unknown field."""
    unknown = sorted(set(request.args) - {p.name for p in params})
    if unknown:
        raise ApiError(400, "invalid_request", "Het verzoek klopt niet met het schema.",
                       errors={name[:64]: "Onbekende parameter." for name in unknown[:20]})
    return [p.parse(request.args) for p in params]


def _case_id(value: int) -> int:
    """Ids beyond what a database column holds are simply not found (never a driver error)."""
    if not 1 <= value <= MAX_ID:
        raise CaseNotFound(value)
    return value


def _page(items: list[Any], limit: int, last_id: Callable[[Any], int]) -> str | None:
    return str(last_id(items[-1])) if len(items) == limit else None


def _cursor(raw: str | None) -> int | None:
    return int(raw) if raw is not None else None


def _due_before(raw: str | None) -> datetime | None:
    """A date (RFC 3339 full-date) means the start of that day in Amsterdam, as the UI shows due
    dates; a date-time needs its offset (RFC 3339), exactly what the OpenAPI document says."""
    if raw is None:
        return None
    try:
        if RFC3339_DATE.fullmatch(raw):
            return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=AMSTERDAM).astimezone(UTC)
        if not RFC3339_DATE_TIME.fullmatch(raw):
            raise ValueError(raw)
        return datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1] in "Zz" else raw).astimezone(UTC)
    except (ValueError, OverflowError):  # e.g. year 1 with a positive offset falls before year 1 in UTC
        raise ApiError(400, "invalid_request", "Het verzoek klopt niet met het schema.",
                       errors={"due_before": "Gebruik een datum (2026-11-23) of datum-tijd volgens ISO 8601."}) from None


# -- endpoints -------------------------------------------------------------------------------


bp.register_error_handler(EngineError, engine_error)
bp.register_error_handler(DatabaseBusy, engine_error)  # not an EngineError: always 503
bp.register_error_handler(ApiError, api_error)
bp.register_error_handler(DBAPIError, database_error)


@bp.after_request
def _request_id_header(response: Response) -> Response:
    response.headers["X-Request-Id"] = request_id()
    return response


@bp.route("/openapi.json", methods=["GET"])
@public
def openapi_document():
    """The OpenAPI 3.1 description of this API (no token needed: it holds no data)."""
    _args()
    doc = current_app.extensions.get("jobtraject_openapi")
    if doc is None:
        doc = openapi.document(services().registry, STARTERS)
        current_app.extensions["jobtraject_openapi"] = doc
    return _json(doc)


@bp.route("/workflows", methods=["GET"])
@token_required
def list_workflows():
    _args()
    return _json({"items": [workflow_json(c.spec) for c in services().registry.all()]})


@bp.route("/cases", methods=["GET"])
@token_required
def list_cases():
    workflow, state, organisation, limit, cursor = _args(CASE_QUERY)
    svc = services()
    cases = svc.list_cases(api_actor(), workflow=workflow, state=state, organisation_id=organisation,
                           after_id=_cursor(cursor), limit=limit)
    return _json({"items": [case_summary(c, svc.registry) for c in cases],
                  "next_cursor": _page(cases, limit, lambda c: c.id)})


@bp.route("/cases", methods=["POST"])
@token_required
def create_case():
    _args()
    body = _body()
    registry = services().registry
    # A workflow only an action starts (a plan: the hire) is named, to be refused with the reason.
    check(create_case_envelope([*STARTERS, *started_by_actions(registry)]), body)
    refuse_direct_start(registry, body["workflow"])
    data_schema, start = STARTERS[body["workflow"]]
    data = body.get("data") or {}
    check({"type": "object", "properties": {"data": data_schema}}, {"data": data})
    svc = services()
    actor = api_actor()
    snap = start(svc, actor, integral(body["organisation_id"]), data, request_id())
    return _json(case_full(snap, svc.triggers_for(actor, snap.id), svc.registry), 201,
                 {"Location": url_for("api.get_case", case_id=snap.id)})


@bp.route("/cases/<int:case_id>", methods=["GET"])
@token_required
def get_case(case_id: int):
    _args()
    svc = services()
    actor = api_actor()
    snap = svc.get_case(actor, _case_id(case_id))
    body = case_full(snap, svc.triggers_for(actor, case_id), svc.registry)
    body["available_actions"] = [action_json(o) for o in svc.actions_for(actor, case_id)]
    return _json(body)


@bp.route("/cases/<int:case_id>/transitions", methods=["POST"])
@token_required
def fire_transition(case_id: int):
    _args()
    svc = services()
    actor = api_actor()
    case = svc.get_case(actor, _case_id(case_id))  # an invisible case is 404 before anything else
    body = _body()
    check(TRANSITION_REQUEST, body)
    trigger = body["trigger"]  # a person's trigger is the action of that name (Services.perform)
    kwargs = {"expected_version": integral(body.get("expected_version")), "reason": body.get("reason"),
              "request_id": request_id()}
    snap = svc.fire_trigger(actor, case.id, trigger, body.get("payload") or {}, **kwargs)
    return _json(case_full(snap, svc.triggers_for(actor, case_id), svc.registry))


@bp.route("/cases/<int:case_id>/audit", methods=["GET"])
@token_required
def case_audit(case_id: int):
    _args()
    trail = services().audit_trail(api_actor(), _case_id(case_id))
    return _json({"case_id": case_id, "items": [audit_entry(e) for e in trail]})


@bp.route("/tasks", methods=["GET"])
@token_required
def list_tasks():
    assignee, status, due_before, limit, cursor = _args(TASK_QUERY)
    tasks = services().list_tasks(
        api_actor(), assignee=assignee, status=None if status == "all" else status,
        due_before=_due_before(due_before), after_id=_cursor(cursor), limit=limit,
    )
    return _json({"items": [task_json(t) for t in tasks], "next_cursor": _page(tasks, limit, lambda t: t.id)})


@bp.route("/tasks/<int:task_id>/complete", methods=["POST"])
@token_required
def complete_task(task_id: int):
    _args()
    if not 1 <= task_id <= MAX_ID:
        raise NotFound("Deze taak bestaat niet of u heeft er geen toegang toe.", task_id=task_id)
    svc = services()
    actor = api_actor()
    TaskServices(svc).complete(actor, task_id)
    return _json(task_json(svc.get_task(actor, task_id)))
