"""Through the API a field sent as null is cleared (or refused when required); a field not sent
stays as it was: the same rule as emptying an input on the web form. And a vacancy's tasks are
the bedrijfsanalyse's, as on the web."""

from __future__ import annotations

from tests.api.conftest import assert_error, case_of

GROEN, ARNHEM = "Hoveniersbedrijf Groen & Zo", "Logistiek Centrum Arnhem"


def _fire(client, headers, case_id: int, trigger: str, payload: dict):
    return client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                       json={"trigger": trigger, "payload": payload})


def test_null_clears_an_optional_field_and_a_field_not_sent_stays(client, bearer, svc, org_id):
    headers = bearer("lisa@wsp-nijmegen.example")
    case_id = case_of(svc, org_id(GROEN))
    r = _fire(client, headers, case_id, "record_advisory_meeting", {"date": "2026-11-20", "notes": "Eerste contact"})
    assert r.status_code == 200, r.get_data(as_text=True)
    r = _fire(client, headers, case_id, "record_advisory_meeting", {"support": "groot"})
    assert r.get_json()["data"]["advisory_meeting"] == {"date": "2026-11-20", "notes": "Eerste contact",
                                                        "support": "groot"}
    r = _fire(client, headers, case_id, "record_advisory_meeting", {"date": None})
    assert r.status_code == 200 and r.get_json()["data"]["advisory_meeting"] == {"notes": "Eerste contact",
                                                                                 "support": "groot"}


def test_null_for_a_required_field_is_refused_with_its_reason(client, bearer, svc, org_id):
    headers = bearer("sanne@job.example")
    case_id = case_of(svc, org_id(ARNHEM))
    error = assert_error(_fire(client, headers, case_id, "record_closing_meeting", {"date": None}), 422,
                         "invalid_payload")
    assert error["details"]["errors"]["date"] == "Dit veld is verplicht."


def test_a_vacancy_task_not_in_the_analysis_is_refused(client, bearer, svc, org_id):
    headers = bearer("sanne@job.example")
    case_id = case_of(svc, org_id(ARNHEM))
    error = assert_error(_fire(client, headers, case_id, "record_vacancy", {
        "title": "Medewerker", "hours_per_week": 24, "location": "Arnhem", "tasks": ["Heftruck rijden"]}),
        422, "invalid_payload")
    assert error["details"]["errors"]["tasks"].startswith("Deze taken staan niet in de bedrijfsanalyse: Heftruck rijden.")
    ok = _fire(client, headers, case_id, "record_vacancy", {
        "title": "Medewerker", "hours_per_week": 24, "location": "Arnhem", "tasks": ["Karton en folie scheiden"]})
    assert ok.status_code == 200 and ok.get_json()["data"]["vacancy"]["tasks"] == ["Karton en folie scheiden"]
