"""Firing triggers through the API: the same rules, audit and errors as the web UI."""

from __future__ import annotations

from sqlalchemy import select

from engine.store.models import AuditEntry, Case
from tests.api.conftest import assert_error, audit_count, case_of
from tests.helpers import snapshot

GROEN, KORENAAR = "Hoveniersbedrijf Groen & Zo", "Bakkerij De Korenaar"
NOTE = {"trigger": "record_advisory_meeting", "payload": {"notes": "Kennismaking via de API"}}


def test_a_transition_returns_the_new_case_and_is_audited_with_user_and_request_id(
        client, bearer, svc, org_id, user_id):
    case_id = case_of(svc, org_id(GROEN))
    version = client.get(f"/api/v1/cases/{case_id}", headers=bearer("lisa@wsp-nijmegen.example")).get_json()["version"]
    response = client.post(f"/api/v1/cases/{case_id}/transitions",
                           headers={**bearer("lisa@wsp-nijmegen.example"), "X-Request-Id": "script-42"},
                           json={**NOTE, "expected_version": version})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["X-Request-Id"] == "script-42"
    body = response.get_json()
    assert body["version"] == version + 1 and body["data"]["advisory_meeting"]["notes"] == "Kennismaking via de API"
    with svc.db.read() as s:
        last = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq.desc())).first()
    assert last.trigger == "record_advisory_meeting"
    assert last.actor_user_id == user_id("lisa@wsp-nijmegen.example") and last.actor_role == "wsp"
    assert last.request_id == "script-42"


def test_without_a_request_id_one_is_made_returned_and_audited(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    response = client.post(f"/api/v1/cases/{case_id}/transitions", headers=bearer("sanne@job.example"), json=NOTE)
    rid = response.headers["X-Request-Id"]
    assert response.status_code == 200 and len(rid) >= 16
    with svc.db.read() as s:
        assert s.scalar(select(AuditEntry.request_id).where(AuditEntry.case_id == case_id)
                        .order_by(AuditEntry.seq.desc()).limit(1)) == rid


def test_an_unusable_request_id_is_replaced(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    response = client.post(f"/api/v1/cases/{case_id}/transitions",
                           headers={**bearer("sanne@job.example"), "X-Request-Id": "x" * 65}, json=NOTE)
    assert response.status_code == 200 and response.headers["X-Request-Id"] != "x" * 65


def test_a_stale_expected_version_is_409_and_changes_nothing(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    headers = bearer("sanne@job.example")
    version = client.get(f"/api/v1/cases/{case_id}", headers=headers).get_json()["version"]
    before = snapshot(svc.db)
    error = assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                                     json={**NOTE, "expected_version": version - 1}), 409, "stale")
    assert error["details"]["expected"] == version - 1
    assert snapshot(svc.db) == before


def test_a_guard_that_says_no_is_422_with_its_reason(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    headers = bearer("sanne@job.example")
    refused = [t for t in client.get(f"/api/v1/cases/{case_id}", headers=headers).get_json()["available_triggers"]
               if not t["allowed"]]
    assert refused, "the demo's adviesgesprek should have an action that is not yet possible"
    before = snapshot(svc.db)
    error = assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                                     json={"trigger": refused[0]["trigger"]}), 422, "guard_rejected")
    assert error["message"] == refused[0]["reason"]
    assert snapshot(svc.db) == before


def test_a_trigger_not_possible_in_this_phase_is_422_listing_the_allowed_ones(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    error = assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=bearer("sanne@job.example"),
                                     json={"trigger": "start_interviews"}), 422, "transition_not_allowed")
    assert "record_advisory_meeting" in error["details"]["allowed"]


def test_an_unknown_trigger_and_an_invalid_payload_are_422(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    headers = bearer("sanne@job.example")
    assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                             json={"trigger": "fly_to_the_moon"}), 422, "unknown_trigger")
    error = assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                                     json={"trigger": "record_advisory_meeting",
                                           "payload": {"support": "enorm"}}), 422, "invalid_payload")
    assert "support" in error["details"]["errors"]


def test_a_role_that_may_not_fire_the_trigger_gets_403(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(KORENAAR))  # Harrie may see his employer's trajectory
    before = audit_count(svc)
    assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=bearer("harrie@korenaar.example"),
                             json={"trigger": "close_trajectory"}), 403, "not_permitted")
    assert audit_count(svc) == before


def test_another_organisations_token_can_neither_read_nor_change_a_case(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    headers = bearer("marieke@korenaar.example")
    before = snapshot(svc.db)
    for body in (NOTE, {"trigger": "stop", "payload": {"reason": "geen_draagvlak"}}, {"trigger": "nonsense"},
                 {"bad": "body"}):
        assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers, json=body), 404)
    assert snapshot(svc.db) == before


def test_a_wsp_of_another_region_cannot_change_a_case(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))  # Nijmegen
    before = audit_count(svc)
    assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=bearer("tom@wsp-gelderland.example"),
                             json=NOTE), 404)
    assert audit_count(svc) == before


def test_malformed_transition_requests_are_400(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    headers = bearer("sanne@job.example")
    before = audit_count(svc)
    for body in ({}, {"trigger": 5}, {"trigger": "stop", "payload": []}, {"trigger": "stop", "extra": 1},
                 {"trigger": "stop", "expected_version": "3"}, {"trigger": "stop", "expected_version": -1},
                 {"trigger": ""}, {"trigger": "x" * 65}, []):
        assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers, json=body), 400)
    assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers={**headers, "Content-Type":
                             "application/json"}, data=b'{"trigger": '), 400, "invalid_json")
    assert audit_count(svc) == before


def test_a_plan_trigger_behind_an_action_is_refused_with_the_action_to_use(client, bearer, svc):
    with svc.db.read() as s:
        plan_id = s.scalar(select(Case.id).where(Case.workflow == "candidate_plan"))
    before = audit_count(svc)
    error = assert_error(client.post(f"/api/v1/cases/{plan_id}/transitions", headers=bearer("sanne@job.example"),
                                     json={"trigger": "set_goal", "payload": {"goal_id": 1}}),
                         422, "unknown_trigger")
    assert "'SMART-doel toevoegen' (add_goal)" in error["message"]
    assert error["details"]["actions"] == ["add_goal", "set_goal_status"]
    assert audit_count(svc) == before


def test_a_trigger_that_is_an_action_runs_the_action_with_its_rows(client, bearer, svc):
    """`record_evaluation` by its trigger name is the action itself: its fields are checked, nothing half-done."""
    with svc.db.read() as s:
        plan_id = s.scalar(select(Case.id).where(Case.workflow == "candidate_plan"))
    before = audit_count(svc)
    error = assert_error(client.post(f"/api/v1/cases/{plan_id}/transitions", headers=bearer("sanne@job.example"),
                                     json={"trigger": "record_evaluation", "payload": {"milestone": "week4"}}),
                         422, "invalid_payload")
    assert set(error["details"]["errors"]) >= {"held_on", "discussed"}
    assert audit_count(svc) == before


def test_nul_characters_in_a_payload_are_refused_not_stored(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    before = audit_count(svc)
    response = client.post(f"/api/v1/cases/{case_id}/transitions", headers=bearer("sanne@job.example"),
                           json={"trigger": "record_advisory_meeting", "payload": {"notes": "a\u0000b"}})
    assert response.status_code in (400, 422)
    assert audit_count(svc) == before
