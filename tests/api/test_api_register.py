"""Organisations, candidates and the search box over the API: the administration pages', the
register's and the header search's rules, roles and messages, with JSON answers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engine.store.admin_models import AdminAuditEntry
from engine.store.models import Case, Organisation, ReadAccess
from tests.api.conftest import assert_error
from workflows.domain import invra
from workflows.storage.models import Candidate

SANNE, AHMED, ADMIN = "sanne@job.example", "ahmed@job.example", "beheer@job.example"
LISA, TOM, MARIEKE = "lisa@wsp-nijmegen.example", "tom@wsp-gelderland.example", "marieke@korenaar.example"
NIJMEGEN = "WSP Rijk van Nijmegen"


def count(svc, model) -> int:
    with svc.db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_coordinator_creates_and_edits_an_employer_with_a_reason_in_the_history(client, bearer, svc, org_id):
    job = bearer(SANNE)  # a JoB coordinator
    wsp = org_id(NIJMEGEN)
    r = client.post("/api/v1/organisations", headers=job, json={
        "name": "Fietsenmakerij De Spaak", "kind": "employer", "wsp_organisation_id": wsp, "employees": 12,
        "reason": "Nieuwe werkgever na de netwerkbijeenkomst"})
    assert r.status_code == 201, r.get_json()
    org = r.get_json()
    assert (org["kind"], org["region"], org["employees"], org["users"]) == ("employer", NIJMEGEN, 12, 0)
    r = client.patch(f"/api/v1/organisations/{org['id']}", headers=job,
                     json={"employees": 30, "reason": "Gegroeid"})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["name"], r.get_json()["employees"], r.get_json()["parent_id"]) == (
        "Fietsenmakerij De Spaak", 30, wsp)
    with svc.db.read() as s:
        history = s.execute(select(AdminAuditEntry.action, AdminAuditEntry.reason, AdminAuditEntry.changes)
                            .where(AdminAuditEntry.subject_id == org["id"]).order_by(AdminAuditEntry.id)).all()
    assert [(a, why) for a, why, _ in history] == [("organisation_created", "Nieuwe werkgever na de netwerkbijeenkomst"),
                                                   ("organisation_changed", "Gegroeid")]
    assert history[1][2] == {"medewerkers": [12, 30]}
    listed = client.get("/api/v1/organisations", headers=job).get_json()["items"]
    assert any(o["id"] == org["id"] for o in listed)


def test_organisation_changes_are_refused_with_the_pages_rules_and_write_nothing(client, bearer, svc, org_id):
    job, coach = bearer(SANNE), bearer(AHMED)
    before = (count(svc, Organisation), count(svc, AdminAuditEntry))
    error = assert_error(client.post("/api/v1/organisations", headers=job, json={
        "name": NIJMEGEN, "kind": "employer", "reason": "x"}), 422, "invalid_payload")
    assert error["details"]["errors"]["name"] == "Er bestaat al een organisatie met deze naam."
    assert error["details"]["errors"]["wsp_organisation_id"] == "Dit veld is verplicht."
    error = assert_error(client.post("/api/v1/organisations", headers=job, json={"name": "X", "kind": "guild",
                                                                              "reason": "x"}), 400)
    assert error["details"]["errors"] == {"kind": "Deze waarde is niet toegestaan."}
    # JoB's own organisation is the administrators'; a coach who is no coordinator and a WSP get 404
    assert_error(client.post("/api/v1/organisations", headers=job, json={"name": "JoB 2", "kind": "job",
                                                                      "reason": "x"}), 404)
    for outsider in (coach, bearer(LISA), bearer(MARIEKE)):
        assert_error(client.post("/api/v1/organisations", headers=outsider, json={
            "name": "Nieuw", "kind": "wsp", "reason": "x"}), 404)
        assert_error(client.patch(f"/api/v1/organisations/{org_id(NIJMEGEN)}", headers=outsider,
                                  json={"name": "Anders", "reason": "x"}), 404)
    assert_error(client.patch(f"/api/v1/organisations/{org_id('JoB Jobcoaching')}", headers=job,
                              json={"name": "JoB", "reason": "x"}), 404)
    error = assert_error(client.patch(f"/api/v1/organisations/{org_id(NIJMEGEN)}", headers=job,
                                      json={"reason": "niets"}), 422)
    assert error["details"]["errors"] == {"name": "Er is niets gewijzigd."}
    assert_error(client.patch(f"/api/v1/organisations/{org_id(NIJMEGEN)}", headers=job, json={"name": "X"}), 400)
    for bad in (99999999, 2**40):
        assert_error(client.patch(f"/api/v1/organisations/{bad}", headers=job, json={"name": "X", "reason": "x"}),
                     404)
    assert (count(svc, Organisation), count(svc, AdminAuditEntry)) == before


def test_job_registers_and_corrects_a_candidate_with_the_plausible_input_checks(client, bearer, svc):
    job = bearer(SANNE)
    r = client.post("/api/v1/candidates", headers=job, json={
        "first_name": "Iris", "last_name": "Vos", "date_of_birth": "2000-02-29", "target_group": "wajong",
        "in_doelgroepregister": True, "register_checked_on": "2026-11-01", "contract_hours": 24})
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    assert r.headers["Location"].endswith(f"/api/v1/candidates/{cid}")
    r = client.patch(f"/api/v1/candidates/{cid}", headers=job,
                     json={"last_name": "de Vos", "email": "iris@example.org", "contract_hours": 28})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["name"], body["email"], body["contract_hours"], body["date_of_birth"]) == (
        "Iris de Vos", "iris@example.org", 28.0, "2000-02-29")
    found = client.get("/api/v1/search?q=de Vos", headers=job).get_json()["candidates"]
    assert {"id": cid, "name": "Iris de Vos"} in found  # the blind index follows the new name

    before = count(svc, Candidate)
    error = assert_error(client.post("/api/v1/candidates", headers=job, json={
        "first_name": "Iris", "last_name": "Vos", "date_of_birth": "2100-01-01", "email": "geen-adres",
        "in_doelgroepregister": True, "contract_hours": 80}), 422, "invalid_payload")
    assert set(error["details"]["errors"]) == {"date_of_birth", "email", "register_checked_on", "contract_hours"}
    assert error["details"]["errors"]["date_of_birth"] == "De geboortedatum moet in het verleden liggen."
    assert_error(client.post("/api/v1/candidates", headers=job, json={"first_name": "Iris"}), 400)
    error = assert_error(client.patch(f"/api/v1/candidates/{cid}", headers=job,
                                      json={"phone": "bel me", "first_name": "  "}), 422)
    assert set(error["details"]["errors"]) == {"phone", "first_name"}
    assert client.get(f"/api/v1/candidates/{cid}", headers=job).get_json()["name"] == "Iris de Vos"
    assert_error(client.patch(f"/api/v1/candidates/{cid}", headers=job, json={}), 400)
    assert count(svc, Candidate) == before


def test_registering_and_correcting_a_candidate_is_in_the_history_with_field_names_not_values(
        client, bearer, svc):
    job = bearer(SANNE)
    cid = client.post("/api/v1/candidates", headers=job, json={
        "first_name": "Iris", "last_name": "Vos", "email": "iris@example.org"}).get_json()["id"]
    assert client.patch(f"/api/v1/candidates/{cid}", headers=job, json={"last_name": "de Vos"}).status_code == 200
    assert client.patch(f"/api/v1/candidates/{cid}", headers=job, json={"last_name": "de Vos"}).status_code == 200
    with svc.db.read() as s:
        rows = s.scalars(select(AdminAuditEntry).where(AdminAuditEntry.subject_kind == "candidate",
                                                       AdminAuditEntry.subject_id == cid)
                         .order_by(AdminAuditEntry.id)).all()
        history = [(r.action, r.actor_label, r.changes) for r in rows]
    assert history == [  # the second, unchanged correction writes nothing
        ("candidate_registered", "Sanne de Vries", {"fields": ["email", "first_name", "last_name"]}),
        ("candidate_changed", "Sanne de Vries", {"fields": ["last_name"]})]
    assert "Vos" not in repr(history) and "iris@" not in repr(history)  # names of fields, never the values


def test_only_job_edits_candidates_wsp_registers_and_the_employer_does_neither(client, bearer, svc):
    for outsider in (bearer(LISA), bearer(MARIEKE), bearer(ADMIN)):
        assert_error(client.patch("/api/v1/candidates/1", headers=outsider, json={"last_name": "X"}), 404)
    with svc.db.read() as s:
        assert s.get(Candidate, 1).last_name == "Verhoeven"
    r = client.post("/api/v1/candidates", headers=bearer(LISA), json={"first_name": "Ruben", "last_name": "Kok"})
    assert r.status_code == 201, r.get_json()
    assert_error(client.post("/api/v1/candidates", headers=bearer(MARIEKE),
                             json={"first_name": "Ruben", "last_name": "Kok"}), 403, "not_permitted")
    assert_error(client.patch("/api/v1/candidates/99999999", headers=bearer(SANNE), json={"last_name": "X"}), 404)


def test_a_candidates_invra_profiles_over_time_for_job_and_the_read_is_logged(client, bearer, svc):
    def logged() -> int:
        with svc.db.read() as s:
            return s.scalar(select(func.count()).select_from(ReadAccess).where(ReadAccess.what == "invra"))

    job = bearer(SANNE)
    assert client.get("/api/v1/candidates/1/invra", headers=job).get_json()["items"] == []
    today = svc.clock.now().date()
    for days_ago, level in ((0, 2), (14, 1)):  # recorded on the plan page's action, later one first
        scores = {code: level for code in invra.CODES}
        r = client.post("/api/v1/cases/2/actions/record_observation", headers=job, json={"payload": {
            "observed_on": (today - timedelta(days=days_ago)).isoformat(), "scores": scores}})
        assert r.status_code == 200, r.get_json()
    r = client.get("/api/v1/candidates/1/invra", headers=job)
    assert r.status_code == 200, r.get_json()
    items = r.get_json()["items"]
    assert [(o["observed_on"], set(o["scores"].values()), o["plan_case_id"]) for o in items] == [
        ((today - timedelta(days=14)).isoformat(), {1}, 2), (today.isoformat(), {2}, 2)]
    assert logged() == 2
    for outsider in (LISA, MARIEKE):
        assert_error(client.get("/api/v1/candidates/1/invra", headers=bearer(outsider)), 404)
    assert_error(client.get("/api/v1/candidates/99999999/invra", headers=bearer(SANNE)), 404)
    assert logged() == 2


def test_search_is_the_header_search_grouped_by_kind_and_never_shows_another_organisations_case(
        client, bearer, svc, org_id):
    job = bearer(SANNE)
    r = client.get("/api/v1/search?q=korenaar", headers=job).get_json()
    assert [c["name"] for c in r["companies"]] == ["Bakkerij De Korenaar"]
    assert r["cases"] and all(c["organisation"] == "Bakkerij De Korenaar" for c in r["cases"])
    assert client.get("/api/v1/search?q=Daan", headers=job).get_json()["candidates"] == [
        {"id": 1, "name": "Daan Verhoeven"}]

    with svc.db.read() as s:
        everything = s.execute(select(Case.id, Case.organisation_id)).all()
    for email in (LISA, TOM, MARIEKE):
        headers = bearer(email)
        visible = {c["id"] for c in client.get("/api/v1/cases?limit=100", headers=headers).get_json()["items"]}
        for case_id, _org in everything:
            hits = client.get(f"/api/v1/search?q={case_id}", headers=headers).get_json()
            assert {c["id"] for c in hits["cases"]} == ({case_id} & visible), (email, case_id)
            assert hits["candidates"] == [] and hits["candidates_searched"] is False
        for name in ("korenaar", "bongerd", "groen", "linde"):
            hits = client.get(f"/api/v1/search?q={name}", headers=headers).get_json()
            assert {c["id"] for c in hits["cases"]} <= visible, (email, name)
    assert client.get("/api/v1/search?q=Daan", headers=bearer(MARIEKE)).get_json()["candidates"] == []
    assert client.get("/api/v1/search", headers=job).get_json()["cases"] == []
    assert_error(client.get("/api/v1/search?q=" + "x" * 201, headers=job), 400)
    assert_error(client.get("/api/v1/search?q=1&scope=all", headers=job), 400)


def test_an_erased_candidate_cannot_be_edited(client, bearer, svc):
    from engine.spec import SYSTEM_ACTOR
    from workflows.usecases.privacy import PrivacyServices

    job = bearer(SANNE)
    cid = client.post("/api/v1/candidates", headers=job, json={"first_name": "Ruben", "last_name": "Kok"}).get_json()["id"]
    PrivacyServices(svc).erase(SYSTEM_ACTOR, cid)
    assert_error(client.patch(f"/api/v1/candidates/{cid}", headers=job, json={"last_name": "Kok"}), 404)
    assert client.get(f"/api/v1/candidates/{cid}", headers=job).get_json()["erased"] is True
