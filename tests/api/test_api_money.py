"""The plan's money actions over `POST /api/v1/cases/{id}/actions/{name}`: the same declared
actions, rules and messages as the page, with their JSON Schema in `available_actions`."""

from __future__ import annotations

from sqlalchemy import select

from engine.store.models import User
from tests.api.conftest import assert_error

BAKERY = "Bakkerij De Korenaar"


def _plan_and_boss(client, bearer, svc, org_id):
    job = bearer("sanne@job.example")
    bakery = org_id(BAKERY)
    plans = client.get(f"/api/v1/cases?workflow=candidate_plan&organisation={bakery}", headers=job).get_json()
    with svc.db.read() as s:
        boss = s.scalar(select(User.email).where(User.organisation_id == bakery, User.role == "opdrachtgever"))
    return job, plans["items"][0]["id"], bearer(boss)


def _act(client, headers, case_id, action, payload):
    return client.post(f"/api/v1/cases/{case_id}/actions/{action}", headers=headers, json={"payload": payload})


def test_instruments_work_level_and_training_are_performed_over_the_api(client, bearer, svc, org_id):
    job, pid, boss = _plan_and_boss(client, bearer, svc, org_id)
    case = client.get(f"/api/v1/cases/{pid}", headers=job).get_json()
    actions = {a["name"]: a for a in case["available_actions"]}
    assert {"update_instrument", "close_period", "set_work_level", "record_training"} <= set(actions)
    assert "loonkostensubsidie" in actions["update_instrument"]["schema"]["properties"]["kind"]["enum"]

    r = _act(client, boss, pid, "update_instrument", {"kind": "loonkostensubsidie", "status": "aangevraagd",
                                                      "applied_on": "2026-11-20", "amount_eur": 9600})
    assert r.status_code == 200, r.get_json()
    data = client.get(f"/api/v1/cases/{pid}", headers=job).get_json()["data"]
    assert data["instruments"]["loonkostensubsidie"] == {"status": "aangevraagd", "applied_on": "2026-11-20",
                                                         "decision_due": "2027-01-15"}  # 8 weeks (setting)

    error = assert_error(_act(client, job, pid, "update_instrument", {"kind": "no_riskpolis", "status": "toegekend"}),
                         422, "invalid_payload")
    assert set(error["details"]["errors"]) == {"decided_on", "starts_on"}

    assert _act(client, job, pid, "set_work_level", {"level": "beschut", "since": "2026-11-01"}).status_code == 200
    assert _act(client, job, pid, "record_training",
                {"route": "entree", "status": "gestart", "on": "2026-11-16"}).status_code == 200
    data = client.get(f"/api/v1/cases/{pid}", headers=job).get_json()["data"]
    assert data["work_level"] == {"level": "beschut", "since": "2026-11-01"}
    assert data["training"]["entree"] == {"status": "gestart", "on": "2026-11-16"}
    assert_error(_act(client, boss, pid, "set_work_level", {"level": "vrij", "since": "2026-11-01"}), 403)


def test_a_period_that_is_not_over_cannot_be_closed_over_the_api(client, bearer, svc, org_id):
    job, pid, boss = _plan_and_boss(client, bearer, svc, org_id)
    this_month = svc.clock.now().date().isoformat()[:7]
    error = assert_error(_act(client, job, pid, "close_period", {"month": this_month}), 422)
    assert "nog niet voorbij" in error["details"]["errors"]["month"]
    error = assert_error(_act(client, job, pid, "close_period", {"month": "2026-13"}), 422, "invalid_payload")
    assert error["details"]["errors"]["month"].startswith("Vul een maand in")
    assert_error(_act(client, boss, pid, "close_period", {"month": this_month}), 403)
