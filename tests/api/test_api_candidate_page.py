"""GET /api/v1/candidates/{id}: the candidate page for JoB over the API; anyone else gets 404."""

from __future__ import annotations

from tests.api.conftest import assert_error
from workflows.domain.casework import JOB_ONLY
from workflows.usecases.casework import CaseworkServices


def test_job_reads_a_candidate_with_plans_notes_and_documents_and_the_read_is_logged(client, bearer, svc):
    from tests.integration.test_casework import who

    sanne = who(svc, "sanne@job.example")
    CaseworkServices(svc).add_note(sanne, 2, "Gesprek over de werktijden.", JOB_ONLY)
    r = client.get("/api/v1/candidates/1", headers=bearer("sanne@job.example"))
    assert r.status_code == 200
    body = r.get_json()
    assert (body["id"], body["name"], body["erased"]) == (1, "Daan Verhoeven", False)
    assert [p["case_id"] for p in body["plans"]] == [2]
    assert [n["text"] for n in body["notes"]] == ["Gesprek over de werktijden."]
    assert body["documents"] == []
    log = client.get("/api/v1/candidates/1", headers=bearer("beheer@job.example"))
    assert log.status_code == 200


def test_an_employer_or_a_wsp_adviser_gets_404_and_so_does_an_id_beyond_any_row(client, bearer):
    for email in ("marieke@korenaar.example", "lisa@wsp-nijmegen.example"):
        assert_error(client.get("/api/v1/candidates/1", headers=bearer(email)), 404)
    assert_error(client.get("/api/v1/candidates/99999999999", headers=bearer("sanne@job.example")), 404)
