"""The plan's money over the API (reads): hours statements per period, instruments, settings.

Every figure comes from the same `MoneyServices` as the plan page and its CSV, so the three
agree to the cent; amounts and hours are decimal strings ("123.45"), never floats. JoB's money
is not for the employer's side (`plan_actions.hidden_fields`: the statements are a 404 for
them, as the CSV is). The settings are JoB's and the administrators' page (others get 404).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.errors import NotFound
from webui.api import bp
from webui.api.auth import api_actor, token_required
from webui.api.schemas import ID
from webui.api.views import _args, _case_id, _json
from webui.extensions import services
from workflows.domain import hours_periods, instruments
from workflows.domain.plan_actions import hidden_fields
from workflows.domain.roles import ADMIN, JOB
from workflows.usecases.money_services import MoneyServices, SettingLine

SETTINGS_ROLES = (JOB, ADMIN)  # as the settings page (webui/dashboard: roles_required(JOB, ADMIN))
NOT_VISIBLE = "Dit plan bestaat niet of u heeft er geen toegang toe."
DECIMAL = {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "examples": ["40.00"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def _num(value: Decimal | int | float) -> str:
    return f"{Decimal(str(value)):f}"


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def statement_json(st: hours_periods.Statement) -> dict[str, Any]:
    """One period's statement: the figures of the page's table and the CSV, line by line."""
    return {
        "month": st.month, "label": st.label, "closed": st.closed, "rate_eur": _num(st.rate),
        "hours": _num(st.hours), "billable_hours": _num(st.billable), "uwv_hours": _num(st.uwv_hours),
        "cost_eur": _num(st.cost_eur), "uwv_eur": _num(st.uwv_eur), "employer_eur": _num(st.employer_eur),
        "lines": [{"entry_id": ln.entry.id, "on": ln.entry.on.isoformat(), "plan_year": ln.plan_year,
                   "hours": _num(ln.hours), "billable_hours": _num(ln.billable_hours),
                   "uwv_hours": _num(ln.uwv_hours), "activity": ln.entry.activity,
                   "activity_label": ln.activity_label, "correction": ln.correction is not None,
                   "coach": ln.entry.coach} for ln in st.lines],
        "years": [{"year": y.year, "cap_hours": _num(y.cap), "used_hours": _num(y.used), "share": _num(y.share)}
                  for y in st.years],
    }


def setting_json(line: SettingLine) -> dict[str, Any]:
    """One setting: the value valid today and every version by valid-from, newest first (as the page)."""
    s = line.setting
    return {"key": s.key, "label": s.label, "value": _num(line.value), "source": line.source,
            "valid_from": line.valid_from.isoformat(), "changed": line.changed, "example": line.example,
            "default": _num(s.default), "minimum": _num(s.minimum), "maximum": _num(s.maximum),
            "versions": [{"value": _num(v.value), "source": v.source, "valid_from": v.valid_from.isoformat(),
                          "state": v.state, "reason": v.reason,
                          "changed_at": v.changed_at.isoformat() if v.changed_at else None,
                          "changed_by": v.changed_by} for v in line.history]}


def instrument_json(line: instruments.InstrumentLine) -> dict[str, Any]:
    return {"kind": line.kind, "label": line.label, "status": line.status, "status_label": line.status_label,
            "apply_by": _day(line.apply_by),
            "applied_on": _day(line.applied_on), "decided_on": _day(line.decided_on),
            "starts_on": _day(line.starts_on), "ends_on": _day(line.ends_on),
            "amount_eur": _num(line.amount_eur) if line.amount_eur is not None else None}


def _money_visible() -> None:
    if "invoiced" in hidden_fields(api_actor().role):
        raise NotFound(NOT_VISIBLE)


@bp.route("/cases/<int:case_id>/hours-statements", methods=["GET"])
@token_required
def list_statements(case_id: int):
    _args()
    _money_visible()
    items = MoneyServices(services()).statements(api_actor(), _case_id(case_id))
    return _json({"case_id": case_id, "items": [statement_json(st) for st in items]})


@bp.route("/cases/<int:case_id>/hours-statements/<month>", methods=["GET"])
@token_required
def get_statement(case_id: int, month: str):
    """The period's statement with the names the CSV heads it with (the read is logged)."""
    _args()
    _money_visible()
    if hours_periods.parse_month(month) != month:
        raise NotFound("Onbekende periode.")
    st, candidate, employer = MoneyServices(services()).statement(api_actor(), _case_id(case_id), month)
    return _json({"case_id": case_id, "candidate": candidate, "employer": employer, **statement_json(st)})


@bp.route("/cases/<int:case_id>/instruments", methods=["GET"])
@token_required
def list_instruments(case_id: int):
    _args()
    lines = MoneyServices(services()).instruments(api_actor(), _case_id(case_id))
    return _json({"case_id": case_id, "items": [instrument_json(line) for line in lines]})


@bp.route("/settings", methods=["GET"])
@token_required
def list_settings():
    _args()
    if api_actor().role not in SETTINGS_ROLES:
        raise NotFound("Deze pagina bestaat niet of u heeft er geen toegang toe.")
    return _json({"items": [setting_json(line) for line in MoneyServices(services()).settings()]})


# -- the OpenAPI entries -----------------------------------------------------------------------

_LINE = {"type": "object", "additionalProperties": False,
         "required": ["entry_id", "on", "plan_year", "hours", "billable_hours", "uwv_hours", "activity",
                      "activity_label", "correction", "coach"],
         "properties": {"entry_id": {"type": "integer"}, "on": {"type": "string", "format": "date"},
                        "plan_year": {"type": "integer"}, "hours": DECIMAL, "billable_hours": DECIMAL,
                        "uwv_hours": DECIMAL, "activity": {"type": "string"}, "activity_label": {"type": "string"},
                        "correction": {"type": "boolean", "description": "A counter-entry for an entry of a "
                                       "closed month (`on` is that entry's day)."},
                        "coach": {"type": "string"}}}
_YEAR = {"type": "object", "additionalProperties": False, "required": ["year", "cap_hours", "used_hours", "share"],
         "properties": {"year": {"type": "integer"}, "cap_hours": DECIMAL, "used_hours": DECIMAL, "share": DECIMAL}}
_STATEMENT_FIELDS = {
    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "label": {"type": "string"},
    "closed": {"type": "boolean", "description": "Closed by JoB: its hours are never edited again."},
    "rate_eur": DECIMAL, "hours": DECIMAL,
    "billable_hours": {**DECIMAL, "description": "After the proefplaatsing."},
    "uwv_hours": {**DECIMAL, "description": "Within the plan year's UWV cap."},
    "cost_eur": DECIMAL, "uwv_eur": DECIMAL, "employer_eur": DECIMAL,
    "lines": {"type": "array", "items": _LINE}, "years": {"type": "array", "items": _YEAR}}
STATEMENT = {"type": "object", "additionalProperties": False, "required": list(_STATEMENT_FIELDS),
             "properties": _STATEMENT_FIELDS}
STATEMENT_ONE = {"type": "object", "additionalProperties": False,
                 "required": ["case_id", "candidate", "employer", *_STATEMENT_FIELDS],
                 "properties": {"case_id": ID, "candidate": {"type": "string"}, "employer": {"type": "string"},
                                **_STATEMENT_FIELDS}}
INSTRUMENT = {"type": "object", "additionalProperties": False,
              "required": ["kind", "label", "status", "status_label", "apply_by", "applied_on", "decided_on", "starts_on", "ends_on",
                           "amount_eur"],
              "properties": {"kind": {"type": "string", "enum": list(instruments.KIND_LABELS)},
                             "label": {"type": "string"},
                             "status": {"type": "string", "enum": list(instruments.STATUSES)},
                             "status_label": {"type": "string"}, "apply_by": NULLABLE_DATE, "applied_on": NULLABLE_DATE,
                             "decided_on": NULLABLE_DATE, "starts_on": NULLABLE_DATE, "ends_on": NULLABLE_DATE,
                             "amount_eur": {"anyOf": [DECIMAL, {"type": "null"}]}}}
SETTING_VERSION = {
    "type": "object", "additionalProperties": False,
    "required": ["value", "source", "valid_from", "state", "reason", "changed_at", "changed_by"],
    "properties": {"value": DECIMAL, "source": {"type": "string"}, "valid_from": {"type": "string", "format": "date"},
                   "state": {"type": "string", "enum": ["geldt", "vervallen", "toekomst"],
                             "description": "Valid today, replaced, or from a later date."},
                   "reason": {"type": ["string", "null"]},
                   "changed_at": {"type": ["string", "null"], "format": "date-time"},
                   "changed_by": {"type": ["string", "null"]}}}
SETTING = {"type": "object", "additionalProperties": False,
           "required": ["key", "label", "value", "source", "valid_from", "changed", "example", "default", "minimum",
                        "maximum", "versions"],
           "properties": {"key": {"type": "string"}, "label": {"type": "string"}, "value": DECIMAL,
                          "source": {"type": "string", "description": "Where the figure comes from."},
                          "valid_from": {"type": "string", "format": "date"},
                          "changed": {"type": "boolean", "description": "Set by an administrator (not the default)."},
                          "example": {"type": "boolean", "description": "The seed gives no figure: an example "
                                                                        "for JoB to confirm."},
                          "default": DECIMAL, "minimum": DECIMAL, "maximum": DECIMAL,
                          "versions": {"type": "array", "description": "Every value by valid-from, newest first; "
                                       "the default last.", "items": SETTING_VERSION}}}
COMPONENTS = {"HoursStatement": STATEMENT, "HoursStatementOfPeriod": STATEMENT_ONE, "Instrument": INSTRUMENT,
              "Setting": SETTING}


def paths(errors: dict[str, Any]) -> dict[str, Any]:
    def err(*codes: str) -> dict[str, Any]:
        return {c: errors[c] for c in codes}

    def ref(name: str) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{name}"}

    def items(description: str, item: dict[str, Any], with_case: bool = True) -> dict[str, Any]:
        props: dict[str, Any] = {"items": {"type": "array", "items": item}}
        if with_case:
            props["case_id"] = ID
        schema = {"type": "object", "additionalProperties": False, "required": list(props), "properties": props}
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    case = {"name": "case_id", "in": "path", "required": True, "schema": {**ID, "examples": [2]}}
    month = {"name": "month", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "examples": ["2026-10"]}}
    reads = err("400", "401", "404", "503")
    return {
        "/api/v1/cases/{case_id}/hours-statements": {"get": {
            "operationId": "listHoursStatements",
            "summary": "A plan's hours statement per month, newest first (the plan page's figures; JoB and WSP, "
                       "not the employer's side: 404)",
            "parameters": [case],
            "responses": {"200": items("Statements", ref("HoursStatement")), **reads}}},
        "/api/v1/cases/{case_id}/hours-statements/{month}": {"get": {
            "operationId": "getHoursStatement",
            "summary": "One month's statement, the same figures as its CSV (the read is logged)",
            "parameters": [case, month],
            "responses": {"200": {"description": "The statement", "content": {"application/json": {
                "schema": ref("HoursStatementOfPeriod")}}}, **reads}}},
        "/api/v1/cases/{case_id}/instruments": {"get": {
            "operationId": "listInstruments",
            "summary": "The placement's instruments with status, dates and amount (every party on the plan)",
            "parameters": [case], "responses": {"200": items("Instruments", ref("Instrument")), **reads}}},
        "/api/v1/settings": {"get": {
            "operationId": "listSettings",
            "summary": "Every number a rule is stated in, with its source and valid-from date (JoB and "
                       "administrators; others 404)",
            "responses": {"200": items("Settings", ref("Setting"), with_case=False), **reads}}},
    }
