"""Reading and starting cases through the API: the same access policy as the web UI."""

from __future__ import annotations

import json

from sqlalchemy import func, inspect, select, table

from engine.store.models import Case
from tests.api.conftest import assert_error, audit_count, case_of
from tests.helpers import count
from workflows.domain.company_trajectory import WORKFLOW as COMPANY_TRAJECTORY
from workflows.storage.models import Candidate

KORENAAR, GROEN, BONGERD, DRUKKERIJ = ("Bakkerij De Korenaar", "Hoveniersbedrijf Groen & Zo",
                                       "Tuincentrum De Bongerd", "Drukkerij Het Gulden Boek")


def all_pages(client, headers, query: str = "", limit: int = 2) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        url = f"/api/v1/cases?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).get_json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert pages < 50


def test_job_pages_through_every_case_exactly_once(client, bearer, svc):
    items = all_pages(client, bearer("sanne@job.example"))
    ids = [c["id"] for c in items]
    assert ids == sorted(set(ids))
    assert len(ids) == count(svc.db, Case)


def test_an_employer_lists_only_its_own_cases(client, bearer, org_id):
    items = all_pages(client, bearer("marieke@korenaar.example"))
    assert items and {c["organisation_id"] for c in items} == {org_id(KORENAAR)}


def test_a_wsp_adviser_lists_the_employers_of_their_region_only(client, bearer, org_id):
    items = all_pages(client, bearer("tom@wsp-gelderland.example"))
    gelderland = {org_id(n) for n in ("Logistiek Centrum Arnhem", BONGERD, DRUKKERIJ)}
    assert items and {c["organisation_id"] for c in items} <= gelderland


def test_cases_filter_by_workflow_state_and_organisation(client, bearer, org_id):
    headers = bearer("sanne@job.example")
    plans = all_pages(client, headers, "&workflow=candidate_plan")
    assert plans and {c["workflow"] for c in plans} == {"candidate_plan"}
    stopped = all_pages(client, headers, "&state=gestopt")
    assert stopped and {c["state"] for c in stopped} == {"gestopt"}
    own = all_pages(client, headers, f"&organisation={org_id(GROEN)}")
    assert own and {c["organisation_id"] for c in own} == {org_id(GROEN)}


def test_an_employer_filtering_on_another_organisation_gets_nothing(client, bearer, org_id):
    body = client.get(f"/api/v1/cases?organisation={org_id(GROEN)}", headers=bearer("marieke@korenaar.example"))
    assert body.status_code == 200 and body.get_json() == {"items": [], "next_cursor": None}


def test_bad_query_parameters_are_400(client, bearer):
    headers = bearer("sanne@job.example")
    for query in ("limit=0", "limit=101", "limit=abc", "cursor=abc", "organisation=-1", "organisation=x",
                  "limit=99999999999999999999999"):
        error = assert_error(client.get(f"/api/v1/cases?{query}", headers=headers), 400, "invalid_request")
        assert error["details"]["errors"]


def test_a_case_shows_its_data_and_what_the_user_may_do(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(GROEN))
    body = client.get(f"/api/v1/cases/{case_id}", headers=bearer("lisa@wsp-nijmegen.example")).get_json()
    assert body["id"] == case_id and body["workflow"] == "company_trajectory"
    assert body["state"] == "adviesgesprek" and isinstance(body["version"], int)
    assert isinstance(body["data"], dict)
    triggers = {t["trigger"]: t for t in body["available_triggers"]}
    assert "record_advisory_meeting" in triggers and triggers["record_advisory_meeting"]["allowed"]
    assert all(set(t) == {"trigger", "label", "allowed", "reason"} for t in body["available_triggers"])
    assert all(t["reason"] for t in body["available_triggers"] if not t["allowed"])


def test_another_organisations_case_is_404_like_one_that_does_not_exist(client, bearer, svc, org_id):
    other = case_of(svc, org_id(GROEN))
    headers = bearer("marieke@korenaar.example")
    hidden = assert_error(client.get(f"/api/v1/cases/{other}", headers=headers), 404, "not_found")
    missing = assert_error(client.get("/api/v1/cases/999999", headers=headers), 404, "not_found")
    assert hidden["message"] == missing["message"]
    assert_error(client.get(f"/api/v1/cases/{other}/audit", headers=headers), 404)
    assert_error(client.get(f"/api/v1/cases/{2**70}", headers=headers), 404)
    assert_error(client.get("/api/v1/cases/0", headers=headers), 404)
    assert_error(client.get("/api/v1/cases/abc", headers=headers), 404)


def test_the_audit_trail_is_returned_in_order(client, bearer, svc, org_id):
    case_id = case_of(svc, org_id(KORENAAR))
    body = client.get(f"/api/v1/cases/{case_id}/audit", headers=bearer("marieke@korenaar.example")).get_json()
    seqs = [e["seq"] for e in body["items"]]
    assert body["case_id"] == case_id and seqs == list(range(1, len(seqs) + 1))
    assert body["items"][0]["trigger"] == "start"
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(body["items"], body["items"][1:], strict=False))


def test_job_starts_a_company_trajectory_with_201(client, bearer, svc, org_id):
    response = client.post("/api/v1/cases", headers={**bearer("sanne@job.example"), "X-Request-Id": "start-1"},
                           json={"workflow": "company_trajectory", "organisation_id": org_id(DRUKKERIJ)})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "adviesgesprek" and body["organisation_id"] == org_id(DRUKKERIJ)
    assert response.headers["Location"].endswith(f"/api/v1/cases/{body['id']}")
    trail = svc.audit_trail(svc_actor(svc, "sanne@job.example"), body["id"])
    assert trail[0].request_id == "start-1" and trail[0].actor_user_id is not None


def svc_actor(svc, email):
    from sqlalchemy import select

    from engine.spec import Actor
    from engine.store.models import User

    with svc.db.read() as s:
        u = s.scalars(select(User).where(User.email == email)).one()
        return Actor(u.id, u.role, u.organisation_id, u.name)


def test_a_second_open_trajectory_for_one_employer_is_422(client, bearer, org_id):
    response = client.post("/api/v1/cases", headers=bearer("sanne@job.example"),
                           json={"workflow": "company_trajectory", "organisation_id": org_id(GROEN)})
    error = assert_error(response, 422, "invalid_payload")
    assert "organisation_id" in error["details"]["errors"]


def test_an_employer_may_not_start_a_trajectory(client, bearer, svc, org_id):
    before = audit_count(svc)
    response = client.post("/api/v1/cases", headers=bearer("marieke@korenaar.example"),
                           json={"workflow": "company_trajectory", "organisation_id": org_id(DRUKKERIJ)})
    assert_error(response, 403, "not_permitted")
    assert audit_count(svc) == before


def test_a_wsp_adviser_may_not_start_in_another_region(client, bearer, svc, org_id):
    response = client.post("/api/v1/cases", headers=bearer("lisa@wsp-nijmegen.example"),
                           json={"workflow": "company_trajectory", "organisation_id": org_id(DRUKKERIJ)})
    assert_error(response, 403)


def test_starting_for_an_unknown_employer_is_404(client, bearer):
    response = client.post("/api/v1/cases", headers=bearer("sanne@job.example"),
                           json={"workflow": "company_trajectory", "organisation_id": 424242})
    assert_error(response, 404, "not_found")


def test_a_malformed_create_request_is_400_and_writes_nothing(client, bearer, svc, org_id):
    headers = {**bearer("sanne@job.example"), "Content-Type": "application/json"}
    org = org_id(DRUKKERIJ)
    before = audit_count(svc)
    bodies = [
        b"{not json", b"", b"[]", b"null", b'"text"', b"\xff\xfe",
        json.dumps({"workflow": "company_trajectory"}).encode(),  # missing field
        json.dumps({"workflow": "company_trajectory", "organisation_id": "9"}).encode(),  # wrong type
        json.dumps({"workflow": "company_trajectory", "organisation_id": True}).encode(),
        json.dumps({"workflow": "company_trajectory", "organisation_id": org, "extra": 1}).encode(),  # unknown field
        json.dumps({"workflow": "unknown", "organisation_id": org}).encode(),
        json.dumps({"workflow": "company_trajectory", "organisation_id": org, "data": {"x": 1}}).encode(),
        json.dumps({"workflow": "company_trajectory", "organisation_id": 2**70}).encode(),
        b'{"workflow": "company_trajectory", "organisation_id": NaN}',
        b"[" * 5000 + b"]" * 5000,
    ]
    for raw in bodies:
        assert_error(client.post("/api/v1/cases", headers=headers, data=raw), 400)
    assert audit_count(svc) == before


def test_an_unknown_field_is_named_in_the_error(client, bearer, org_id):
    response = client.post("/api/v1/cases", headers=bearer("sanne@job.example"),
                           json={"workflow": "company_trajectory", "organisation_id": org_id(DRUKKERIJ),
                                 "colour": "red"})
    assert "colour" in assert_error(response, 400)["details"]["errors"]


def test_a_body_over_one_mebibyte_is_413(client, bearer):
    big = json.dumps({"workflow": "company_trajectory", "organisation_id": 1, "data": {"x": "a" * (1024 * 1024)}})
    response = client.post("/api/v1/cases", headers={**bearer("sanne@job.example"),
                                                     "Content-Type": "application/json"}, data=big)
    assert_error(response, 413, "payload_too_large")


def row_counts(svc) -> dict[str, int]:
    """Rows per table, every table of the schema: 'nothing was written' means none changed."""
    names = inspect(svc.db.engine).get_table_names()
    with svc.db.read() as s:
        return {name: s.scalar(select(func.count()).select_from(table(name))) for name in names}


def hire_label() -> str:
    return next(t.label for t in COMPANY_TRAJECTORY.transitions if t.trigger == "hire_candidate")


def test_a_candidate_plan_is_not_started_over_the_api_but_by_the_hire(client, bearer, svc, org_id):
    # The probe's reproduction: a JoB token, any candidate, any employer, a start date long gone.
    body = {"workflow": "candidate_plan", "organisation_id": 5,
            "data": {"candidate_id": 1, "start_date": "2000-01-01", "contract_hours": 24, "fulltime": False}}
    job, wsp = bearer("sanne@job.example"), bearer("lisa@wsp-nijmegen.example")
    before = row_counts(svc)
    error = assert_error(client.post("/api/v1/cases", headers=job, json=body), 422, "start_refused")
    assert hire_label() in error["message"] and "bedrijfstraject" in error["message"]
    # The same reason for every role and whatever the data: the rule comes before the payload.
    for headers, data in ((wsp, body["data"]), (job, {"colour": "red"}), (job, {})):
        again = {**body, "organisation_id": org_id(GROEN), "data": data}
        assert_error(client.post("/api/v1/cases", headers=headers, json=again), 422, "start_refused")
    assert row_counts(svc) == before


def test_over_the_api_a_plan_starts_with_the_hire_in_the_company_trajectory(client, bearer, svc, org_id):
    trajectory = case_of(svc, org_id(BONGERD))
    with svc.db.read() as s:
        sophie = next(c.id for c in s.scalars(select(Candidate)) if c.first_name == "Sophie")  # names are sealed
    headers = bearer("sanne@job.example")
    for trigger, payload in (
        ("start_interviews", {}),
        ("record_interview", {"candidate_id": sophie, "date": "2026-11-20", "harrie_present": True}),
        ("hire_candidate", {"candidate_id": sophie, "start_date": "2026-12-01", "contract_hours": 20,
                            "fulltime": False}),
    ):
        response = client.post(f"/api/v1/cases/{trajectory}/transitions", headers=headers,
                               json={"trigger": trigger, "payload": payload})
        assert response.status_code == 200, response.get_data(as_text=True)
    with svc.db.read() as s:
        plan = s.scalars(select(Case).where(Case.parent_id == trajectory, Case.workflow == "candidate_plan")).one()
    assert plan.data["candidate_id"] == sophie and plan.organisation_id == org_id(BONGERD)
    shown = client.get(f"/api/v1/cases/{plan.id}", headers=headers).get_json()
    assert shown["workflow"] == "candidate_plan" and shown["parent_id"] == trajectory
