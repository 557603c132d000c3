"""The coordinators' views over the API: JoB's management figures, the caseload per colleague,
and handing over several tasks at once.

- `GET /management?periode=`: the figures of the page `/management` and its CSV, from the same
  `Management` result (no second computation), each with the link of its list as on the page.
  JoB coordinators and administrators; anyone else 404, as the page. An unknown period is a
  400 with the page's Dutch message.
- `GET /caseload`: the table on "Taken overdragen" (`Caseload.per_colleague`); coordinators
  only, others 404 as the page.
- `POST /tasks/handover`: the page's "Overdragen" (`TaskServices.hand_over`): all or nothing in
  one transaction, a TaskEvent with the reason per task.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.errors import InvalidPayload, NotFound, NotPermitted
from engine.task_services import MAX_BATCH, MAX_REASON, TaskServices
from webui.api import bp
from webui.api.auth import api_actor, token_required
from webui.api.errors import ApiError
from webui.api.schemas import ID, SMALL_ID
from webui.api.validation import QueryParam, check, integral
from webui.api.views import _args, _body, _json
from webui.extensions import services
from webui.management import figure_url
from workflows.domain import coaching
from workflows.usecases import list_filters as lf
from workflows.usecases.caseload import Caseload, Load
from workflows.usecases.management import NO_REGION, Management, ManagementData, RegionFigures

NOT_HERE = "Deze pagina bestaat niet of u heeft er geen toegang toe."
SIMPLE = ("started", "ended", "working_12", "to_apply", "due_this_month", "applied", "refused")
PERIOD_QUERY = (QueryParam("periode", {"type": "string", "maxLength": 20, "examples": ["2026", "2026-K4"]},
                           "A year (`2026`) or a quarter (`2026-K4`); default: this year."),)


def _num(value: Decimal) -> str:
    return f"{value:f}"


def _period(p: lf.Period) -> dict[str, Any]:
    return {"key": p.key, "label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()}


def region_json(m: ManagementData, r: RegionFigures) -> dict[str, Any]:
    """One region's (or the total's) figures, each with the relative link of its list."""
    def fig(what: str, key: str = "") -> dict[str, Any]:
        f = m.figure(r, what, key)
        return {"value": f.value, "link": figure_url(f)}

    is_total = r is m.total
    return {"region_id": None if is_total or r.region_id == NO_REGION else r.region_id, "region": r.region,
            **{what: fig(what) for what in SIMPLE},
            "funnel": {state: fig("funnel", state) for state in m.phases},
            "hours_status": {key: fig("hours", key) for key in coaching.STATUS_LABELS},
            "hours_used": _num(r.hours_used), "hours_cap": _num(r.hours_cap)}


def management_json(m: ManagementData) -> dict[str, Any]:
    return {"period": _period(m.period), "periods": [_period(p) for p in m.periods], "as_of": m.today.isoformat(),
            "phases": [{"key": k, "label": v} for k, v in m.phases.items()],
            "hours_statuses": [{"key": k, "label": v} for k, v in coaching.STATUS_LABELS.items()],
            "regions": [region_json(m, r) for r in m.regions], "total": region_json(m, m.total)}


def load_json(load: Load) -> dict[str, Any]:
    return {"user_id": load.user_id, "name": load.name, "open_cases": load.open_cases,
            "open_tasks": load.open_tasks, "late_tasks": load.late_tasks}


@bp.route("/management", methods=["GET"])
@token_required
def get_management():
    (periode,) = _args(PERIOD_QUERY)
    try:
        data = Management(services()).build(api_actor(), periode)
    except NotPermitted:
        raise NotFound(NOT_HERE) from None
    except InvalidPayload as exc:  # the page's message, as a bad query parameter
        raise ApiError(400, "invalid_request", " ".join(exc.errors.values()), errors=exc.errors) from None
    return _json(management_json(data))


@bp.route("/caseload", methods=["GET"])
@token_required
def get_caseload():
    _args()
    use_case, actor = Caseload(services()), api_actor()
    if not use_case.allowed(actor):
        raise NotFound(NOT_HERE)
    *colleagues, queue = use_case.per_colleague(actor)
    return _json({"items": [load_json(c) for c in colleagues], "queue": load_json(queue)})


@bp.route("/tasks/handover", methods=["POST"])
@token_required
def hand_over_tasks():
    _args()
    body = _body()
    check(HANDOVER, body)
    ids = [integral(i) for i in body["task_ids"]]
    to_user = integral(body["assignee_id"])
    moved = TaskServices(services()).hand_over(api_actor(), ids, to_user, body["reason"])
    return _json({"moved": moved, "task_ids": list(dict.fromkeys(ids)), "assignee_id": to_user})


# -- the OpenAPI entries -----------------------------------------------------------------------

DECIMAL = {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "examples": ["124.80"]}
_DAY = {"type": "string", "format": "date"}
FIGURE = {"type": "object", "additionalProperties": False, "required": ["value", "link"],
          "properties": {"value": {"type": "integer", "minimum": 0},
                         "link": {"type": "string", "description": "The list behind the figure (relative URL of "
                                                                   "the web page), as the page links it."}}}
_FIGURES = {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/ManagementFigure"}}
_REGION_FIELDS: dict[str, Any] = {
    "region_id": {"type": ["integer", "null"], "description": "null: the total, or employers without a region."},
    "region": {"type": "string"},
    **{what: {"$ref": "#/components/schemas/ManagementFigure"} for what in SIMPLE},
    "funnel": {**_FIGURES, "description": "Employers whose trajectory (started in the period) reached the phase."},
    "hours_status": {**_FIGURES, "description": "Running plans by the state of their hours."},
    "hours_used": DECIMAL, "hours_cap": DECIMAL}
REGION = {"type": "object", "additionalProperties": False, "required": list(_REGION_FIELDS),
          "properties": _REGION_FIELDS}
_PERIOD = {"type": "object", "additionalProperties": False, "required": ["key", "label", "start", "end"],
           "properties": {"key": {"type": "string"}, "label": {"type": "string"}, "start": _DAY,
                          "end": {**_DAY, "description": "Exclusive."}}}
_KEYED = {"type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["key", "label"],
                                     "properties": {"key": {"type": "string"}, "label": {"type": "string"}}}}
_REGION_REF = {"$ref": "#/components/schemas/ManagementRegion"}
MANAGEMENT = {"type": "object", "additionalProperties": False,
              "required": ["period", "periods", "as_of", "phases", "hours_statuses", "regions", "total"],
              "properties": {"period": _PERIOD, "periods": {"type": "array", "items": _PERIOD}, "as_of": _DAY,
                             "phases": _KEYED, "hours_statuses": _KEYED,
                             "regions": {"type": "array", "items": _REGION_REF}, "total": _REGION_REF}}
LOAD = {"type": "object", "additionalProperties": False,
        "required": ["user_id", "name", "open_cases", "open_tasks", "late_tasks"],
        "properties": {"user_id": {"type": ["integer", "null"], "description": "null: the queue."},
                       "name": {"type": "string"}, "open_cases": {"type": "integer"},
                       "open_tasks": {"type": "integer"}, "late_tasks": {"type": "integer"}}}
CASELOAD = {"type": "object", "additionalProperties": False, "required": ["items", "queue"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Load"},
                                     "description": "Every active colleague of your role (you included), by name."},
                           "queue": {"$ref": "#/components/schemas/Load"}}}
HANDOVER = {"type": "object", "additionalProperties": False, "required": ["task_ids", "assignee_id", "reason"],
            "properties": {"task_ids": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": ID},
                           "assignee_id": {**SMALL_ID, "description": "An active colleague of your role and "
                                                                      "organisation."},
                           "reason": {"type": "string", "maxLength": MAX_REASON, "pattern": "^[^\\u0000]*$",
                                      "description": "Kept with every task's history; required."}},
            "examples": [{"task_ids": [3, 5], "assignee_id": 2, "reason": "Ahmed is met vakantie"}]}
HANDED_OVER = {"type": "object", "additionalProperties": False, "required": ["moved", "task_ids", "assignee_id"],
               "properties": {"moved": {"type": "integer", "description": "Tasks that changed hands (one already "
                                                                         "held by the colleague stays)."},
                              "task_ids": {"type": "array", "items": ID}, "assignee_id": SMALL_ID}}
COMPONENTS = {"Management": MANAGEMENT, "ManagementRegion": REGION, "ManagementFigure": FIGURE,
              "Caseload": CASELOAD, "Load": LOAD, "HandoverRequest": HANDOVER, "Handover": HANDED_OVER}


def paths(errors: dict[str, Any]) -> dict[str, Any]:
    def ok(description: str, name: str) -> dict[str, Any]:
        return {"description": description,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}

    def err(*codes: str) -> dict[str, Any]:
        return {c: errors[c] for c in codes}

    return {
        "/api/v1/management": {"get": {
            "operationId": "getManagement",
            "summary": "JoB's management view: per WSP region and in total the placements, the phase funnel, "
                       "the hours and the instruments of a period, as the page and its CSV (JoB coordinators "
                       "and administrators; others 404)",
            "parameters": [p.openapi() for p in PERIOD_QUERY],
            "responses": {"200": ok("The figures", "Management"), **err("400", "401", "404", "503")}}},
        "/api/v1/caseload": {"get": {
            "operationId": "getCaseload",
            "summary": "Per colleague of your role their open cases, open and late tasks, and the queue "
                       "(coordinators; others 404)",
            "responses": {"200": ok("The caseload", "Caseload"), **err("400", "401", "404", "503")}}},
        "/api/v1/tasks/handover": {"post": {
            "operationId": "handOverTasks",
            "summary": "Hand several open tasks of your role to a colleague with a reason, all or nothing "
                       "(coordinators; others 403)",
            "description": "A missing reason or a colleague of another role or organisation is a 422; a task "
                           "you may not see is a 404; a closed task or one of another role is a 403. Nothing "
                           "is written then.",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/HandoverRequest"}}}},
            "responses": {"200": ok("How many tasks changed hands", "Handover"),
                          **err("400", "401", "403", "404", "413", "422", "503")}}},
    }
