"""The API's contract: JSON errors everywhere under /api/, HTML pages elsewhere, and an
OpenAPI document that lists exactly the routes the app serves."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from tests.api.conftest import assert_error


def test_an_unknown_api_path_is_a_json_404(client, bearer):
    assert_error(client.get("/api/v1/nothing-here", headers=bearer("sanne@job.example")), 404, "not_found")
    assert_error(client.get("/api/v2/cases"), 404, "not_found")


def test_a_wrong_method_is_a_json_405_with_allow(client, bearer):
    response = client.delete("/api/v1/cases", headers=bearer("sanne@job.example"))
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert_error(client.put("/api/v1/tasks/1/complete"), 405)


def test_the_web_ui_keeps_its_dutch_html_error_pages(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Niet gevonden" in response.get_data(as_text=True)


def test_every_api_response_carries_a_request_id(client, bearer):
    for response in (client.get("/api/v1/cases"), client.get("/api/v1/nope"),
                     client.get("/api/v1/workflows", headers=bearer("sanne@job.example"))):
        assert response.headers.get("X-Request-Id")


def test_every_api_view_declares_token_access_except_the_public_document(app):
    rules = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            rules[rule.rule] = getattr(app.view_functions[rule.endpoint], "access_rule", None)
    assert rules.pop("/api/v1/openapi.json") == "public"
    assert rules and set(rules.values()) == {"api_token"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_the_openapi_document_lists_exactly_the_served_routes_and_methods(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            served.setdefault(_openapi_path(rule.rule), set()).update(
                m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: set(ops) for path, ops in doc["paths"].items()}
    assert documented == served


def test_the_openapi_document_is_valid_openapi_3_1(client):
    from schemathesis.openapi import from_dict

    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"][
            "description"]}
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    from_dict(doc)  # schemathesis refuses a schema that is not valid OpenAPI


def test_request_bodies_are_closed_and_every_error_uses_the_error_schema(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    assert schemas["TransitionRequest"]["additionalProperties"] is False
    create = doc["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert all(alt["additionalProperties"] is False for alt in create["oneOf"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}, (method, path, status)
            if path != "/api/v1/openapi.json":
                assert "401" in op["responses"], (method, path)


def test_workflows_list_states_transitions_with_roles_and_timers(client, bearer):
    items = client.get("/api/v1/workflows", headers=bearer("harrie@korenaar.example")).get_json()["items"]
    company = next(w for w in items if w["name"] == "company_trajectory")
    assert company["initial_state"] == "adviesgesprek"
    stop = next(t for t in company["transitions"] if t["trigger"] == "stop")
    assert stop["to"] == "gestopt" and "job" in stop["roles"] and "adviesgesprek" in stop["from"]
    assert any(t["to"] is None for t in company["transitions"])  # data-only actions
    plan = next(w for w in items if w["name"] == "candidate_plan")
    assert plan["timers"] and all({"in_state", "trigger", "after_seconds"} <= set(t) for t in plan["timers"])


def test_an_unknown_query_parameter_is_400_like_an_unknown_field(client, bearer):
    headers = bearer("sanne@job.example")
    error = assert_error(client.get("/api/v1/cases?colour=red", headers=headers), 400, "invalid_request")
    assert error["details"]["errors"] == {"colour": "Onbekende parameter."}
    assert_error(client.get("/api/v1/workflows?x=1", headers=headers), 400)


def test_a_server_error_is_json_without_a_stack_trace(app, bearer, svc):
    from sqlalchemy import text

    headers = bearer("sanne@job.example")
    app.config["TESTING"] = False  # as in production: errors become responses
    with svc.db.engine.begin() as conn:  # a broken database (a real one, not a mock)
        conn.execute(text("ALTER TABLE wf_case RENAME TO wf_case_gone"))
    response = app.test_client().get("/api/v1/cases", headers=headers)
    error = assert_error(response, 500, "internal_error")
    assert "Traceback" not in response.get_data(as_text=True) and "wf_case" not in error["message"]
    assert response.headers["X-Request-Id"]
