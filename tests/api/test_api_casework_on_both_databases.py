"""Issue 19's API on SQLite and on PostgreSQL: a document up and down with versions, another
organisation's case out of reach, the search scoped, an organisation and a candidate changed,
and ids or text at the edge of what a column holds refused without a server error."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engine.store.models import Case, ReadAccess
from tests import casework_files as files
from tests.api.conftest import assert_error
from tests.api.test_api_on_both_databases import _bearer, _ids
from tests.helpers import snapshot
from tests.integration.test_casework import rows

OTHER_CASE = 4  # Tuincentrum De Bongerd (WSP Midden-Gelderland): not Lisa's, not Marieke's


def everything(svc) -> tuple:
    """The engine's tables, the notes and documents with their bytes, and the read log."""
    with svc.db.read() as s:
        logged = s.scalar(select(func.count()).select_from(ReadAccess))
    return snapshot(svc.db), rows(svc), logged


def _upload(client, headers, path, content, name="verslag.pdf", visibility="all"):
    data = {"file": (io.BytesIO(content), name), **({"visibility": visibility} if visibility else {})}
    return client.post(path, headers=headers, data=data, content_type="multipart/form-data")


def test_documents_and_notes_and_their_organisation_check(both_app):  # noqa: F811
    svc = both_app.extensions["jobtraject"]
    users, _case_id = _ids(svc)
    client = both_app.test_client()
    job = _bearer(svc, users["sanne@job.example"])
    r = _upload(client, job, f"/api/v1/cases/{OTHER_CASE}/documents", files.PDF)
    assert r.status_code == 201, r.get_json()
    doc = r.get_json()
    r = _upload(client, job, f"/api/v1/cases/{OTHER_CASE}/documents/{doc['id']}/versions", files.docx(), "v2.docx",
                None)
    assert [v["version"] for v in r.get_json()["versions"]] == [2, 1]
    assert client.get(f"/api/v1/cases/{OTHER_CASE}/documents/{doc['id']}/versions/1", headers=job).data == files.PDF
    note = client.post(f"/api/v1/cases/{OTHER_CASE}/notes", headers=job, json={"text": "Eerste", "visibility": "all"})
    assert note.status_code == 201
    edited = client.patch(f"/api/v1/cases/{OTHER_CASE}/notes/{note.get_json()['id']}", headers=job,
                          json={"text": "Tweede"}).get_json()
    assert [v["text"] for v in edited["versions"]] == ["Tweede", "Eerste"]

    outsiders = [_bearer(svc, users[e]) for e in ("lisa@wsp-nijmegen.example", "marieke@korenaar.example")]
    before = everything(svc)
    assert_error(_upload(client, job, f"/api/v1/cases/{OTHER_CASE}/documents", files.HTML), 422, "invalid_payload")
    for outsider in outsiders:
        assert_error(client.get(f"/api/v1/cases/{OTHER_CASE}/documents/{doc['id']}/versions/1", headers=outsider),
                     404)
        assert_error(_upload(client, outsider, f"/api/v1/cases/{OTHER_CASE}/documents", files.PDF), 404)
        assert_error(client.post(f"/api/v1/cases/{OTHER_CASE}/notes", headers=outsider,
                                 json={"text": "x", "visibility": "all"}), 404)
    assert everything(svc) == before
    for big in (2**31, 2**63 - 1):
        assert_error(client.get(f"/api/v1/cases/{OTHER_CASE}/documents/{doc['id']}/versions/{big}", headers=job), 404)
        assert_error(client.patch(f"/api/v1/cases/{OTHER_CASE}/notes/{big}", headers=job, json={"text": "x"}), 404)


def test_search_never_returns_another_organisations_case(both_app):  # noqa: F811
    svc = both_app.extensions["jobtraject"]
    users, _case_id = _ids(svc)
    client = both_app.test_client()
    with svc.db.read() as s:
        every_case = list(s.scalars(select(Case.id)))
    for email in ("lisa@wsp-nijmegen.example", "tom@wsp-gelderland.example", "ingrid@debongerd.example"):
        headers = _bearer(svc, users[email])
        visible = {c["id"] for c in client.get("/api/v1/cases?limit=100", headers=headers).get_json()["items"]}
        for q in [*map(str, every_case), "bakkerij", "tuincentrum", "zorg", "groen", "Daan"]:
            hits = client.get(f"/api/v1/search?q={q}", headers=headers).get_json()
            assert {c["id"] for c in hits["cases"]} <= visible, (email, q)
            assert hits["candidates"] == []


def test_organisations_and_candidates_change_and_edge_values_are_refused(both_app):  # noqa: F811
    svc = both_app.extensions["jobtraject"]
    users, _case_id = _ids(svc)
    client = both_app.test_client()
    job = _bearer(svc, users["sanne@job.example"])
    r = client.post("/api/v1/organisations", headers=job, json={"name": "WSP Rivierenland", "kind": "wsp",
                                                                "reason": "Nieuwe regio"})
    assert r.status_code == 201, r.get_json()
    r = client.patch(f"/api/v1/organisations/{r.get_json()['id']}", headers=job,
                     json={"name": "WSP Rivierenland-Zuid", "reason": "Hernoemd"})
    assert r.get_json()["name"] == "WSP Rivierenland-Zuid"
    for bad in ({"name": "Nul\u0000teken", "kind": "wsp", "reason": "x"},
                {"name": "Groot", "kind": "employer", "wsp_organisation_id": 2**31, "reason": "x"},
                {"name": "Groot", "kind": "employer", "employees": 2**31, "reason": "x"}):
        assert_error(client.post("/api/v1/organisations", headers=job, json=bad), 400)
    r = client.patch("/api/v1/candidates/1", headers=job, json={"phone": "06 1234 5678", "contract_hours": 30})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["phone"], r.get_json()["contract_hours"]) == ("06 1234 5678", 30.0)
    assert_error(client.patch(f"/api/v1/candidates/{2**31}", headers=job, json={"phone": "0612345678"}), 404)
    assert_error(client.get(f"/api/v1/candidates/{2**31 - 1}/invra", headers=job), 404)
