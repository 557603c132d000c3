"""The key API promises on SQLite and on PostgreSQL: an audited transition with the user
and request id, and a token of one organisation that can neither read nor change another's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import NotFound
from engine.identity import tokens
from engine.store.models import AuditEntry, Case, Organisation, User
from tests.api.conftest import assert_error, audit_count
from tests.helpers import snapshot
from workflows.storage.models import Candidate


def _ids(svc):
    with svc.db.read() as s:
        users = dict(s.execute(select(User.email, User.id)).all())
        groen = s.scalar(select(Organisation.id).where(Organisation.name == "Hoveniersbedrijf Groen & Zo"))
        case_id = s.scalar(select(Case.id).where(Case.organisation_id == groen))
    return users, case_id


def _bearer(svc, user_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create_token(svc.db, svc.clock, user_id, 'test').secret}"}


def test_an_api_transition_is_audited_with_user_and_request_id(both_app):
    svc = both_app.extensions["jobtraject"]
    users, case_id = _ids(svc)
    client = both_app.test_client()
    headers = {**_bearer(svc, users["lisa@wsp-nijmegen.example"]), "X-Request-Id": "pg-or-sqlite-1"}
    version = client.get(f"/api/v1/cases/{case_id}", headers=headers).get_json()["version"]
    response = client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                           json={"trigger": "record_advisory_meeting", "payload": {"notes": "API"},
                                 "expected_version": version})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                             json={"trigger": "record_advisory_meeting", "payload": {"notes": "nog eens"},
                                   "expected_version": version}), 409, "stale")
    with svc.db.read() as s:
        last = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id)
                         .order_by(AuditEntry.seq.desc())).first()
    assert (last.actor_user_id, last.request_id) == (users["lisa@wsp-nijmegen.example"], "pg-or-sqlite-1")


def test_another_organisations_token_cannot_read_or_change_a_case(both_app):
    svc = both_app.extensions["jobtraject"]
    users, case_id = _ids(svc)
    client = both_app.test_client()
    for email in ("marieke@korenaar.example", "tom@wsp-gelderland.example"):
        headers = _bearer(svc, users[email])
        before, audits = snapshot(svc.db), audit_count(svc)
        assert_error(client.get(f"/api/v1/cases/{case_id}", headers=headers), 404)
        assert_error(client.get(f"/api/v1/cases/{case_id}/audit", headers=headers), 404)
        assert_error(client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                                 json={"trigger": "stop", "payload": {"reason": "geen_draagvlak"}}), 404)
        listed = client.get("/api/v1/cases?limit=100", headers=headers).get_json()["items"]
        assert case_id not in {c["id"] for c in listed}
        assert snapshot(svc.db) == before and audit_count(svc) == audits


def test_ids_at_the_edge_of_what_the_database_holds_are_not_found_never_a_server_error(both_app):
    svc = both_app.extensions["jobtraject"]
    users, _case_id = _ids(svc)
    client = both_app.test_client()
    headers = _bearer(svc, users["sanne@job.example"])
    biggest = 2**63 - 1
    assert_error(client.get(f"/api/v1/cases/{biggest}", headers=headers), 404)
    assert_error(client.post(f"/api/v1/cases/{biggest}/transitions", headers=headers, json={"trigger": "stop"}), 404)
    assert_error(client.post(f"/api/v1/tasks/{biggest}/complete", headers=headers), 404)
    for org, status in ((2**31 - 1, 404), (2**31, 400), (biggest, 400)):  # organisations have 32-bit ids
        assert_error(client.post("/api/v1/cases", headers=headers,
                                 json={"workflow": "company_trajectory", "organisation_id": org}), status)
    assert_error(client.get(f"/api/v1/cases?organisation={2**31}", headers=headers), 400)
    with pytest.raises(NotFound):
        tokens.revoke_token(svc.db, svc.clock, users["sanne@job.example"], biggest)
    for query in (f"organisation={2**31 - 1}", "cursor=999999999999999999"):
        response = client.get(f"/api/v1/cases?{query}", headers=headers)
        assert response.status_code == 200 and response.get_json()["items"] == []


def test_out_of_range_ids_and_dates_in_payloads_are_422_never_a_server_error(both_app):
    svc = both_app.extensions["jobtraject"]
    users, _case_id = _ids(svc)
    client = both_app.test_client()
    headers = _bearer(svc, users["sanne@job.example"])
    with svc.db.read() as s:
        werving = s.scalar(select(Case.id).where(Case.state == "werving"))
        candidate = s.scalar(select(Candidate.id).order_by(Candidate.id))
    before = audit_count(svc)
    for candidate_id in (2**31, 2**63 - 1, 2**70):
        assert_error(client.post(f"/api/v1/cases/{werving}/transitions", headers=headers,
                                 json={"trigger": "propose_candidate", "payload": {"candidate_id": candidate_id}}),
                     422, "invalid_payload")
    assert audit_count(svc) == before
    started = client.post(f"/api/v1/cases/{werving}/transitions", headers=headers,
                          json={"trigger": "start_interviews", "payload": {}})
    assert started.status_code == 200, started.get_data(as_text=True)
    before = audit_count(svc)
    for start in ("0001-01-01", "9999-12-31"):  # a plan starts with the hire, which checks the date
        hire = {"candidate_id": candidate, "start_date": start, "contract_hours": 24, "fulltime": False}
        error = assert_error(client.post(f"/api/v1/cases/{werving}/transitions", headers=headers,
                                         json={"trigger": "hire_candidate", "payload": hire}), 422, "invalid_payload")
        assert "start_date" in error["details"]["errors"]
    assert audit_count(svc) == before
