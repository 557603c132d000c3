"""Tasks through the API: my tasks, my role's queue, completing one."""

from __future__ import annotations

from sqlalchemy import select

from engine.store.models import Case, Task
from tests.api.conftest import assert_error


def open_task(svc, **where) -> Task:
    with svc.db.read() as s:
        stmt = select(Task).join(Case, Case.id == Task.case_id).where(Task.status == "open")
        for key, value in where.items():
            stmt = stmt.where(getattr(Task, key) == value) if hasattr(Task, key) else stmt.where(
                getattr(Case, key.removeprefix("case_")) == value)
        return s.scalars(stmt.order_by(Task.id)).first()


def test_my_open_tasks_are_the_ones_assigned_to_me(client, bearer, user_id):
    body = client.get("/api/v1/tasks?assignee=me&status=open", headers=bearer("sanne@job.example")).get_json()
    assert body["items"]
    assert {t["assignee_id"] for t in body["items"]} == {user_id("sanne@job.example")}
    assert {t["status"] for t in body["items"]} == {"open"}


def test_the_role_queue_holds_unassigned_tasks_of_my_role_on_cases_i_may_see(client, bearer, org_id):
    body = client.get("/api/v1/tasks?assignee=role", headers=bearer("lisa@wsp-nijmegen.example")).get_json()
    assert body["items"]
    assert {t["role"] for t in body["items"]} == {"wsp"} and {t["assignee_id"] for t in body["items"]} == {None}


def test_an_employer_never_sees_another_employers_tasks(client, bearer, svc, org_id):
    items = client.get("/api/v1/tasks?assignee=any&status=all&limit=100",
                       headers=bearer("marieke@korenaar.example")).get_json()["items"]
    cases = {t["case_id"] for t in items}
    with svc.db.read() as s:
        orgs = set(s.scalars(select(Case.organisation_id).where(Case.id.in_(cases))))
    assert orgs == {org_id("Bakkerij De Korenaar")}


def test_tasks_page_and_filter_by_due_date(client, bearer):
    headers = bearer("sanne@job.example")
    everything = client.get("/api/v1/tasks?assignee=any&status=all&limit=100", headers=headers).get_json()["items"]
    seen, cursor = [], None
    while True:
        body = client.get("/api/v1/tasks?assignee=any&status=all&limit=3" + (f"&cursor={cursor}" if cursor else ""),
                          headers=headers).get_json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [t["id"] for t in everything]
    due = sorted(t["due_at"] for t in everything if t["due_at"])
    cut = due[len(due) // 2]
    earlier = client.get(f"/api/v1/tasks?assignee=any&status=all&limit=100&due_before={cut[:19]}Z",
                         headers=headers).get_json()["items"]
    assert earlier and all(t["due_at"] and t["due_at"] < cut for t in earlier)
    by_date = client.get("/api/v1/tasks?assignee=any&due_before=2000-01-01", headers=headers).get_json()
    assert by_date["items"] == []


def test_bad_task_queries_are_400(client, bearer):
    headers = bearer("sanne@job.example")
    for query in ("assignee=someone", "status=half", "due_before=morgen", "limit=0", "cursor=-4",
                  "due_before=0001-01-01T00:00:00%2B05:00", "due_before=2026-02-30"):
        assert_error(client.get(f"/api/v1/tasks?{query}", headers=headers), 400)


def test_completing_a_checklist_task_of_my_role(client, bearer, svc, user_id):
    task = open_task(svc, role="job", key="support_analysis")  # a checklist task (no action, no condition)
    response = client.post(f"/api/v1/tasks/{task.id}/complete", headers=bearer("ahmed@job.example"))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "done" and body["completed_by_id"] == user_id("ahmed@job.example")
    assert_error(client.post(f"/api/v1/tasks/{task.id}/complete", headers=bearer("ahmed@job.example")), 403)


def test_completing_a_task_of_another_role_is_403(client, bearer, svc, org_id):
    task = open_task(svc, role="wsp", case_organisation_id=org_id("Hoveniersbedrijf Groen & Zo"))
    assert_error(client.post(f"/api/v1/tasks/{task.id}/complete", headers=bearer("sanne@job.example")), 403)


def test_another_organisations_task_is_404_and_stays_open(client, bearer, svc, org_id):
    task = open_task(svc, role="opdrachtgever", case_organisation_id=org_id("Hoveniersbedrijf Groen & Zo"))
    assert_error(client.post(f"/api/v1/tasks/{task.id}/complete", headers=bearer("marieke@korenaar.example")), 404)
    assert_error(client.post("/api/v1/tasks/99999999/complete", headers=bearer("marieke@korenaar.example")), 404)
    assert_error(client.post(f"/api/v1/tasks/{2**64}/complete", headers=bearer("marieke@korenaar.example")), 404)
    with svc.db.read() as s:
        assert s.get(Task, task.id).status == "open"


def test_due_before_takes_exactly_what_the_document_says_an_rfc3339_date_or_date_time(client, bearer):
    from webui.api.schemas import TASK_QUERY

    schema = next(p.openapi()["schema"] for p in TASK_QUERY if p.name == "due_before")
    assert {alt["format"] for alt in schema["anyOf"]} == {"date", "date-time"}
    headers = bearer("sanne@job.example")
    for value in ("2026-11-23", "2026-11-23T09:00:00Z", "2026-11-23T09:00:00.5%2B01:00", "2026-11-23t09:00:00z"):
        response = client.get(f"/api/v1/tasks?due_before={value}", headers=headers)
        assert response.status_code == 200, value
    for value in ("2026-11-23T09:00:00", "2026-11-23%2009:00:00Z", "%202026-11-23", "20261123", "2026-W48-1",
                  "2026-11-23T09:00Z", "morgen"):
        error = assert_error(client.get(f"/api/v1/tasks?due_before={value}", headers=headers), 400)
        assert "due_before" in error["details"]["errors"], value
