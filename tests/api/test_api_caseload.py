"""The coordinator's views over the API (issues 19 and 20): the caseload per colleague as on
"Taken overdragen", handing several tasks over with a reason through the page's use case (all
or nothing), and who may read the management figures; a bad period is the page's message."""

from __future__ import annotations

import pytest

from engine.identity import tokens
from tests.api.conftest import assert_error
from tests.web.inbox_support import actor, events, sign_in, state
from tests.web.test_caseload import loads
from workflows.usecases.caseload import Caseload
from workflows.usecases.task_inbox import TaskFilter, TaskInbox

SANNE, AHMED, ADMIN = "sanne@job.example", "ahmed@job.example", "beheer@job.example"
LISA, MARIEKE = "lisa@wsp-nijmegen.example", "marieke@korenaar.example"


def held_by(app, email: str | None) -> list[int]:
    """The open tasks of Sanne's team that `email` holds (as "Taken tonen" on the page lists them;
    None: all of them, the queue included)."""
    svc = app.extensions["jobtraject"]
    holder = actor(app, email).user_id if email else None
    return sorted(t.task_id for t in TaskInbox(svc).team(actor(app, SANNE), TaskFilter(), holder))


def test_the_caseload_is_the_pages_table_per_colleague_and_the_queue(app, client, bearer):
    r = client.get("/api/v1/caseload", headers=bearer(SANNE))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    expected = Caseload(app.extensions["jobtraject"]).per_colleague(actor(app, SANNE))
    rows = [*body["items"], body["queue"]]
    assert [(x["user_id"], x["name"], x["open_cases"], x["open_tasks"], x["late_tasks"]) for x in rows] == \
        [(x.user_id, x.name, x.open_cases, x.open_tasks, x.late_tasks) for x in expected]
    assert body["queue"]["user_id"] is None and body["queue"]["name"] == "Wachtrij (nog niemand)"
    sign_in(client, SANNE)
    page = loads(client.get("/overdragen").get_data(as_text=True))
    assert {x["name"]: (x["open_cases"], x["open_tasks"], x["late_tasks"]) for x in rows} == page
    assert sum(x["open_tasks"] for x in rows) > 0


@pytest.mark.parametrize("email", [AHMED, ADMIN, LISA, MARIEKE])
def test_the_caseload_is_for_coordinators_only_as_the_page(app, client, bearer, email):
    assert_error(client.get("/api/v1/caseload", headers=bearer(email)), 404, "not_found")


def test_a_coordinator_hands_tasks_over_with_one_reason_through_the_pages_use_case(app, client, bearer, user_id):
    ids = sorted(set(held_by(app, None)) - set(held_by(app, AHMED)))  # Sanne's and the queue's
    holders = set(held_by(app, SANNE))
    assert len(ids) > len(holders) > 0
    sanne, ahmed = user_id(SANNE), user_id(AHMED)
    r = client.post("/api/v1/tasks/handover", headers=bearer(SANNE),
                    json={"task_ids": ids, "assignee_id": ahmed, "reason": "Sanne is met verlof"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"moved": len(ids), "task_ids": ids, "assignee_id": ahmed}
    assert events(app) == [(i, "handover", sanne, sanne if i in holders else None, ahmed, "Sanne is met verlof")
                           for i in ids]
    after = {x["name"]: x["open_tasks"] for x in client.get("/api/v1/caseload", headers=bearer(SANNE)).get_json()["items"]}
    assert after["Sanne de Vries"] == 0
    again = client.post("/api/v1/tasks/handover", headers=bearer(SANNE),
                        json={"task_ids": ids, "assignee_id": ahmed, "reason": "Nog eens"})
    assert again.get_json()["moved"] == 0 and len(events(app)) == len(ids)  # already his: nothing to write


def test_a_handover_that_cannot_be_done_says_why_and_writes_nothing(app, client, bearer, user_id):
    ids = held_by(app, SANNE)
    sanne = user_id(AHMED)  # the colleague
    before = state(app)

    def post(email: str = SANNE, **body):
        payload = {"task_ids": ids, "assignee_id": sanne, "reason": "Verlof", **body}
        return client.post("/api/v1/tasks/handover", headers=bearer(email), json=payload)

    err = assert_error(post(reason="   "), 422, "invalid_payload")
    assert err["details"]["errors"] == {"reason": "Geef een reden voor de overdracht."}
    for other in (ADMIN, LISA):  # another role; another organisation
        err = assert_error(post(assignee_id=user_id(other)), 422, "invalid_payload")
        assert err["details"]["errors"] == {"assignee_id": "Kies een actieve collega met dezelfde rol."}
    err = assert_error(post(task_ids=[*ids, 987654321]), 404, "not_found")
    assert err["message"] == "Deze taak bestaat niet of u heeft er geen toegang toe."
    err = assert_error(post(AHMED), 403, "not_permitted")
    assert err["message"] == "Alleen een coördinator kan taken overdragen."
    assert_error(post(LISA), 403, "not_permitted")
    assert_error(client.post("/api/v1/tasks/handover", headers=bearer(SANNE), json={"task_ids": ids,
                                                                                    "assignee_id": sanne}), 400)
    assert_error(post(task_ids=[]), 400, "invalid_request")
    assert_error(post(extra=1), 400, "invalid_request")
    assert state(app) == before


def test_the_management_figures_are_for_job_coordinators_and_administrators(client, bearer):
    for email in (SANNE, ADMIN):
        r = client.get("/api/v1/management", headers=bearer(email))
        assert r.status_code == 200, (email, r.get_json())
        assert r.get_json()["period"]["key"] == "2026"  # this year by default, as the page
    for email in (AHMED, LISA, MARIEKE):
        assert_error(client.get("/api/v1/management", headers=bearer(email)), 404, "not_found")


@pytest.mark.parametrize("period", ["vorig-jaar", "2026-K5", "1999"])
def test_an_unknown_period_is_the_pages_dutch_message(app, client, bearer, period):
    err = assert_error(client.get(f"/api/v1/management?periode={period}", headers=bearer(SANNE)), 400,
                       "invalid_request")
    message = f"Onbekende periode '{period}': kies een jaar (2026) of een kwartaal (2026-K1)."
    assert err["message"] == message and err["details"]["errors"] == {"periode": message}
    sign_in(client, SANNE)
    page = client.get(f"/management?periode={period}")
    assert page.status_code == 400 and message in page.get_data(as_text=True).replace("&#39;", "'")


def test_unknown_query_parameters_are_refused(client, bearer):
    assert_error(client.get("/api/v1/management?jaar=2026", headers=bearer(SANNE)), 400, "invalid_request")
    assert_error(client.get("/api/v1/caseload?bij=1", headers=bearer(SANNE)), 400, "invalid_request")


def test_a_handover_is_all_or_nothing_on_both_databases(both_app):
    svc = both_app.extensions["jobtraject"]
    client = both_app.test_client()
    headers = {"Authorization": f"Bearer {tokens.create_token(svc.db, svc.clock, actor(both_app, SANNE).user_id, 't').secret}"}
    ids, ahmed = held_by(both_app, SANNE), actor(both_app, AHMED).user_id
    before = state(both_app)
    r = client.post("/api/v1/tasks/handover", headers=headers,
                    json={"task_ids": [*ids, 987654321], "assignee_id": ahmed, "reason": "Verlof"})
    assert_error(r, 404, "not_found")
    assert state(both_app) == before
    r = client.post("/api/v1/tasks/handover", headers=headers, json={"task_ids": ids, "assignee_id": ahmed,
                                                                     "reason": "Verlof"})
    assert r.status_code == 200 and r.get_json()["moved"] == len(ids) > 0
    assert held_by(both_app, SANNE) == [] and set(ids) <= set(held_by(both_app, AHMED))
