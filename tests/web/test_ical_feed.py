"""Notification settings and the per-user calendar feed of open tasks (Outlook subscribes to it)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.store.models import Organisation, User
from tests.helpers import T0
from tests.timer_workflow import EVALUATION


@pytest.fixture
def svc(app):
    services = app.extensions["jobtraject"]
    services.registry.register(EVALUATION)
    return services


def ids(svc) -> tuple[dict[str, int], dict[str, int]]:
    with svc.db.read() as s:
        users = dict(s.execute(select(User.email, User.id)).all())
        orgs = dict(s.execute(select(Organisation.name, Organisation.id)).all())
    return users, orgs


def start_case(svc, org_id: int, due, **data):
    from engine.spec import SYSTEM_ACTOR

    return svc.start_case(SYSTEM_ACTOR, "evaluation", {"task_due": due.isoformat(), "first_name": "Jan",
                                                       "last_name": "Hoogeveen", **data}, organisation_id=org_id)


def new_feed_path(client, auth) -> str:
    response = client.post("/meldingen/agenda", data={"csrf_token": auth.csrf("/meldingen")})
    assert response.status_code == 302
    page = client.get("/meldingen").get_data(as_text=True)
    url = re.search(r'value="(http://[^"]+\.ics)"', page).group(1)
    return url.split("127.0.0.1:5000", 1)[1]


def test_a_user_makes_a_calendar_link_that_lists_their_open_tasks_by_due_date(client, auth, svc):
    users, orgs = ids(svc)
    case = start_case(svc, orgs["Bakkerij De Korenaar"], T0 + timedelta(days=3), coach_id=users["sanne@job.example"])
    start_case(svc, orgs["Bakkerij De Korenaar"], T0 - timedelta(days=1), harrie_task=True)
    auth.login("sanne@job.example")
    assert "Agendalink maken" in client.get("/meldingen").get_data(as_text=True)
    path = new_feed_path(client, auth)
    assert "/ical/" not in client.get("/meldingen").get_data(as_text=True), "the link is shown only once"

    client.post("/logout", data={"csrf_token": auth.csrf("/meldingen")})
    response = client.get(path)  # calendar clients do not log in
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    unfolded = body.replace("\r\n ", "")
    summaries = [line for line in unfolded.split("\r\n") if line.startswith("SUMMARY:")]
    assert body.count("BEGIN:VEVENT") == len(summaries)
    ours = [line for line in summaries if line.endswith("Evaluatie voorbereiden")]
    assert len(ours) == 2, "her own task and the JoB queue's overdue task (besides the demo data's tasks)"
    assert "SUMMARY:Evaluatie voorbereiden" in unfolded
    assert "SUMMARY:TE LAAT: Evaluatie voorbereiden" in unfolded
    assert "DTSTART;VALUE=DATE:20261126" in unfolded
    assert f"URL:http://127.0.0.1:5000/zaken/{case.id}" in unfolded
    assert "Werkplek bespreken" not in unfolded, "Harrie's task is not JoB's"
    assert "Hoogeveen" not in unfolded and "Jan" not in unfolded


def test_a_new_link_replaces_the_old_one_and_a_revoked_link_stops_working(client, auth, svc):
    auth.login("ahmed@job.example")
    first = new_feed_path(client, auth)
    second = new_feed_path(client, auth)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert client.post("/meldingen/agenda/intrekken", data={"csrf_token": auth.csrf("/meldingen")}).status_code == 302
    assert client.get(second).status_code == 404
    assert "Agendalink intrekken" not in client.get("/meldingen").get_data(as_text=True)


def test_a_deactivated_users_feed_is_gone(client, auth, svc):
    users, _ = ids(svc)
    auth.login("ahmed@job.example")
    path = new_feed_path(client, auth)
    with svc.db.write() as s:
        s.get(User, users["ahmed@job.example"]).active = False
    assert client.get(path).status_code == 404


def test_an_unknown_or_malformed_token_is_not_found(client):
    assert client.get("/ical/niet-bestaand.ics").status_code == 404
    assert client.get("/ical/" + "x" * 300 + ".ics").status_code == 404


def test_the_feed_shows_only_tasks_of_cases_the_user_may_see(client, auth, svc):
    users, orgs = ids(svc)
    start_case(svc, orgs["Bakkerij De Korenaar"], T0 + timedelta(days=2), harrie_task=True)
    start_case(svc, orgs["Logistiek Centrum Arnhem"], T0 + timedelta(days=2), harrie_task=True)
    auth.login("harrie@korenaar.example")
    body = client.get(new_feed_path(client, auth)).get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") == 1 and "Werkplek bespreken" in body


def test_a_user_chooses_which_mail_they_get(client, auth, svc):
    users, _ = ids(svc)
    auth.login("ahmed@job.example")
    page = client.get("/meldingen").get_data(as_text=True)
    assert 'value="digest"\n      checked' in page or 'value="digest" checked' in page.replace("\n      ", " ")
    response = client.post("/meldingen", data={"notify": "none", "csrf_token": auth.csrf("/meldingen")})
    assert response.status_code == 302
    response = client.post("/meldingen", data={"notify": "soms", "csrf_token": auth.csrf("/meldingen")},
                           follow_redirects=True)
    assert "Kies een van de mogelijkheden." in response.get_data(as_text=True)
    with svc.db.read() as s:
        assert s.get(User, users["ahmed@job.example"]).notify == "none"
