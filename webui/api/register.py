"""Organisations, candidates and the search box over the API: the administration pages', the
candidate register's and the header search's use cases, with their role checks.

- `POST/PATCH /organisations`: administrators, and JoB coordinators for WSP regions and
  employers (`Administration`); every change needs a `reason` and is in the admin history.
  Anyone else gets 404, as on the pages.
- `POST /candidates` (JoB, WSP) and `PATCH /candidates/{id}` (JoB): the registration's
  plausible-input checks (`CompanyServices`); `GET /candidates/{id}/invra` (JoB; the read is logged).
- `GET /search?q=`: exactly the header search (`CandidateRegister.search`), grouped by kind.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.errors import NotFound
from webui.api import bp
from webui.api.auth import api_actor, token_required
from webui.api.schemas import SMALL_ID
from webui.api.validation import QueryParam, check, integral
from webui.api.views import _args, _body, _json
from webui.extensions import services
from workflows.domain.roles import ORG_KINDS
from workflows.usecases.administration import Administration, OrganisationLine
from workflows.usecases.company_services import CANDIDATE_FIELDS, TARGET_GROUPS, CompanyServices
from workflows.usecases.register import CandidateRegister, SearchResults

MAX_SMALL = SMALL_ID["maximum"]
NO_NUL = "^[^\\u0000]*$"  # PostgreSQL text cannot hold NUL; refused like any malformed value


def _text(max_len: int, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["string", "null"] if nullable else "string", "maxLength": max_len, "pattern": NO_NUL}


NULLABLE_SMALL_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_SMALL}
_ORG_FIELDS = {"name": _text(200), "wsp_organisation_id": NULLABLE_SMALL_ID,
               "employees": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_SMALL},
               "reason": {**_text(500), "description": "Why: kept in the administration history."}}
ORGANISATION_CREATE = {"type": "object", "additionalProperties": False, "required": ["name", "kind", "reason"],
                       "properties": {**_ORG_FIELDS, "kind": {"type": "string", "enum": list(ORG_KINDS)}},
                       "examples": [{"name": "WSP Rivierenland", "kind": "wsp", "reason": "Nieuwe regio"}]}
ORGANISATION_EDIT = {"type": "object", "additionalProperties": False, "required": ["reason"],
                     "properties": _ORG_FIELDS,
                     "description": "The fields given replace the stored ones; the kind never changes."}
ORGANISATION = {"type": "object", "additionalProperties": False,
                "required": ["id", "name", "kind", "kind_label", "parent_id", "region", "employees", "users"],
                "properties": {"id": SMALL_ID, "name": {"type": "string"}, "kind": {"type": "string"},
                               "kind_label": {"type": "string"}, "parent_id": NULLABLE_SMALL_ID,
                               "region": {"type": ["string", "null"], "description": "The WSP region's name."},
                               "employees": {"type": ["integer", "null"]}, "users": {"type": "integer"}}}
_CANDIDATE_FIELDS: dict[str, Any] = {
    "first_name": _text(200), "last_name": _text(200),
    "date_of_birth": {**_text(40, True), "description": "JJJJ-MM-DD, in the past."},
    "email": _text(300, True), "phone": _text(40, True),
    "target_group": {"type": ["string", "null"], "enum": [*TARGET_GROUPS, None]},
    "in_doelgroepregister": {"type": ["boolean", "null"]},
    "register_checked_on": {**_text(40, True), "description": "Required when `in_doelgroepregister` is given."},
    "contract_hours": {"type": ["number", "null"], "description": "Per week: more than 0, at most 40."},
}
assert set(_CANDIDATE_FIELDS) == set(CANDIDATE_FIELDS)
CANDIDATE_CREATE = {"type": "object", "additionalProperties": False, "required": ["first_name", "last_name"],
                    "properties": _CANDIDATE_FIELDS,
                    "examples": [{"first_name": "Iris", "last_name": "Vos", "target_group": "wajong",
                                  "contract_hours": 24}]}
CANDIDATE_EDIT = {"type": "object", "additionalProperties": False, "minProperties": 1,
                  "properties": _CANDIDATE_FIELDS,
                  "description": "The fields given replace the stored ones (null clears an optional one); the "
                                 "whole record is checked again as at registration."}
INVRA_PROFILE = {"type": "object", "additionalProperties": False,
                 "required": ["id", "observed_on", "plan_case_id", "observer_id", "scores", "notes"],
                 "properties": {"id": {"type": "integer"}, "observed_on": {"type": "string", "format": "date"},
                                "plan_case_id": {"type": ["integer", "null"]},
                                "observer_id": {"type": ["integer", "null"]},
                                "scores": {"type": "object", "additionalProperties": {"type": "integer"},
                                           "description": "Level 1-3 per INVRA competence code."},
                                "notes": {"type": ["string", "null"]}}}
_HIT_CASE = {"type": "object", "additionalProperties": False,
             "required": ["id", "workflow", "state", "organisation", "closed"],
             "properties": {"id": {"type": "integer"}, "workflow": {"type": "string"}, "state": {"type": "string"},
                            "organisation": {"type": "string"}, "closed": {"type": "boolean"}}}
_HIT = {"type": "object", "additionalProperties": False, "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
SEARCH_RESULTS = {"type": "object", "additionalProperties": False,
                  "required": ["query", "cases", "companies", "candidates", "candidates_searched"],
                  "properties": {"query": {"type": "string"}, "cases": {"type": "array", "items": _HIT_CASE},
                                 "companies": {"type": "array", "items": _HIT},
                                 "candidates": {"type": "array", "items": _HIT},
                                 "candidates_searched": {"type": "boolean",
                                                         "description": "false: your role does not find candidates."}}}
SEARCH_QUERY = (QueryParam("q", {"type": "string", "maxLength": 200, "default": ""},
                           "Case number (`12`, `#12`, `zaak 12`), part of an employer's name, or a candidate's "
                           "whole first or last name (JoB)."),)
COMPONENTS = {"Organisation": ORGANISATION, "OrganisationRequest": ORGANISATION_CREATE,
              "OrganisationEdit": ORGANISATION_EDIT, "CandidateRequest": CANDIDATE_CREATE,
              "CandidateEdit": CANDIDATE_EDIT, "InvraProfile": INVRA_PROFILE, "SearchResults": SEARCH_RESULTS}


def organisation_json(o: OrganisationLine) -> dict[str, Any]:
    return {"id": o.id, "name": o.name, "kind": o.kind, "kind_label": o.kind_label, "parent_id": o.parent_id,
            "region": o.region, "employees": o.employees, "users": o.users}


def search_json(r: SearchResults) -> dict[str, Any]:
    return {"query": r.query,
            "cases": [{"id": c.id, "workflow": c.workflow_label, "state": c.state_label,
                       "organisation": c.organisation, "closed": c.closed} for c in r.cases],
            "companies": [{"id": c.id, "name": c.name} for c in r.companies],
            "candidates": [{"id": c.id, "name": c.name} for c in r.candidates],
            "candidates_searched": r.candidates_searched}


def _small(value: int, message: str) -> int:
    if not 1 <= value <= MAX_SMALL:
        raise NotFound(message)
    return value


# -- organisations -----------------------------------------------------------------------------


@bp.route("/organisations", methods=["POST"])
@token_required
def create_organisation():
    _args()
    admin = Administration(services())
    actor = api_actor()
    body = _body()
    check(ORGANISATION_CREATE, body)
    org_id = admin.create_organisation(actor, name=body["name"], kind=body["kind"],
                                       wsp_organisation_id=integral(body.get("wsp_organisation_id")),
                                       employees=integral(body.get("employees")), reason=body["reason"])
    return _json(organisation_json(admin.organisation(actor, org_id)), 201,
                 {"Location": url_for("api.update_organisation", organisation_id=org_id)})


@bp.route("/organisations/<int:organisation_id>", methods=["PATCH"])
@token_required
def update_organisation(organisation_id: int):
    _args()
    admin = Administration(services())
    actor = api_actor()
    current = admin.organisation(actor, _small(organisation_id, "Deze organisatie bestaat niet."))
    body = _body()
    check(ORGANISATION_EDIT, body)
    fields = {"name": current.name, "wsp_organisation_id": current.parent_id, "employees": current.employees}
    fields.update({k: integral(v) for k, v in body.items() if k != "reason"})
    admin.update_organisation(actor, organisation_id, reason=body["reason"], **fields)
    return _json(organisation_json(admin.organisation(actor, organisation_id)))


# -- candidates --------------------------------------------------------------------------------


@bp.route("/candidates", methods=["POST"])
@token_required
def register_candidate():
    """JoB and WSP register a candidate (as the page *Kandidaten*); the answer is its id."""
    _args()
    body = _body()
    check(CANDIDATE_CREATE, body)
    candidate_id = CompanyServices(services()).register_candidate(
        api_actor(), **{k: integral(v) for k, v in body.items()})
    return _json({"id": candidate_id}, 201, {"Location": url_for("api.get_candidate", candidate_id=candidate_id)})


@bp.route("/candidates/<int:candidate_id>", methods=["PATCH"])
@token_required
def update_candidate(candidate_id: int):
    from webui.api.actions import candidate_json

    _args()
    svc = services()
    actor = api_actor()
    CompanyServices(svc).check_editable(actor, candidate_id)  # 404 before the body is judged
    body = _body()
    check(CANDIDATE_EDIT, body)
    CompanyServices(svc).update_candidate(actor, candidate_id, body)
    return _json(candidate_json(CandidateRegister(svc).page(actor, candidate_id)))


@bp.route("/candidates/<int:candidate_id>/invra", methods=["GET"])
@token_required
def candidate_invra(candidate_id: int):
    _args()
    rows = CandidateRegister(services()).invra_profiles(api_actor(), candidate_id)
    return _json({"candidate_id": candidate_id, "items": [
        {"id": o.id, "observed_on": o.observed_on.isoformat(), "plan_case_id": o.plan_case_id,
         "observer_id": o.observer_id, "scores": o.scores, "notes": o.notes} for o in rows]})


# -- search ------------------------------------------------------------------------------------


@bp.route("/search", methods=["GET"])
@token_required
def search():
    (query,) = _args(SEARCH_QUERY)
    return _json(search_json(CandidateRegister(services()).search(api_actor(), query)))


# -- the OpenAPI entries -----------------------------------------------------------------------


def paths(errors: dict[str, Any]) -> dict[str, Any]:
    def err(*codes: str) -> dict[str, Any]:
        return {c: errors[c] for c in codes}

    def ref(name: str) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{name}"}

    def body(name: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": ref(name)}}}

    def ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    def param(name: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {**SMALL_ID, "examples": [1]}}

    write = err("400", "401", "404", "413", "422", "503")
    invra_list = {"type": "object", "additionalProperties": False, "required": ["candidate_id", "items"],
                  "properties": {"candidate_id": SMALL_ID, "items": {"type": "array", "items": ref("InvraProfile")}}}
    return {
        "/api/v1/organisations": {"post": {
            "operationId": "createOrganisation",
            "summary": "Create JoB, a WSP region or an employer (administrators; JoB coordinators for WSP "
                       "regions and employers; others get 404). In the administration history with the reason.",
            "requestBody": body("OrganisationRequest"),
            "responses": {"201": ok("The organisation", ref("Organisation")), **write}}},
        "/api/v1/organisations/{organisation_id}": {"patch": {
            "operationId": "updateOrganisation",
            "summary": "Change name, WSP region or number of employees (same rights as creating)",
            "parameters": [param("organisation_id")], "requestBody": body("OrganisationEdit"),
            "responses": {"200": ok("The organisation", ref("Organisation")), **write}}},
        "/api/v1/candidates": {"post": {
            "operationId": "registerCandidate", "summary": "Register a candidate (JoB and WSP; others 403)",
            "requestBody": body("CandidateRequest"),
            "responses": {"201": ok("The new candidate's id", {
                "type": "object", "additionalProperties": False, "required": ["id"], "properties": {"id": SMALL_ID}}),
                **err("400", "401", "403", "413", "422", "503")}}},
        "/api/v1/candidates/{candidate_id}": {"patch": {
            "operationId": "updateCandidate",
            "summary": "Correct a candidate's details (JoB; others get 404). The answer is the candidate, as "
                       "`GET` gives it (the read is logged).",
            "parameters": [param("candidate_id")], "requestBody": body("CandidateEdit"),
            "responses": {"200": ok("The candidate", {"type": "object"}), **write}}},
        "/api/v1/candidates/{candidate_id}/invra": {"get": {
            "operationId": "listInvraProfiles",
            "summary": "The candidate's INVRA profiles over time, oldest first (JoB; others 404; the read is logged)",
            "parameters": [param("candidate_id")],
            "responses": {"200": ok("Profiles", invra_list), **err("400", "401", "404", "503")}}},
        "/api/v1/search": {"get": {
            "operationId": "search",
            "summary": "The header's search box: cases by number, employers by name, candidates by whole name "
                       "(JoB); only what you may see",
            "parameters": [p.openapi() for p in SEARCH_QUERY],
            "responses": {"200": ok("Results grouped by kind (at most 25 each)", ref("SearchResults")),
                          **err("400", "401", "503")}}},
    }
