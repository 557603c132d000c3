"""A coordinator (Sanne) hands several tasks to a colleague with a reason; nobody else can."""

from __future__ import annotations

import pytest

from engine.errors import NotPermitted
from engine.task_services import TaskServices
from tests.web.inbox_support import (  # noqa: F401 - fixtures: a fast demo `app`
    ADMIN,
    AHMED,
    HARRIE,
    LISA,
    MARIEKE,
    SANNE,
    actor,
    csrf,
    events,
    services,
    sign_in,
    state,
    task,
    task_id,
    user_id,
)

BAKERY, GARDEN_CENTRE, LOGISTICS = "Bakkerij De Korenaar", "Tuincentrum De Bongerd", "Logistiek Centrum Arnhem"


def handover(client, ids, to: int | str, reason: str, query: str = ""):
    data = {"csrf_token": csrf(client, "/"), "taak": [str(i) for i in ids], "to_user": str(to), "reason": reason}
    return client.post("/overdragen" + query, data=data)


def test_the_coordinator_sees_the_teams_tasks_with_checkboxes(app, client):
    sign_in(client, SANNE)
    assert 'href="/overdragen">Taken overdragen</a>' in client.get("/").get_data(as_text=True)
    html = client.get("/overdragen").get_data(as_text=True)
    assert "<h1>Taken overdragen</h1>" in html
    for key, company in (("support_hr", BAKERY), ("write_vacancy", LOGISTICS), ("recruit", GARDEN_CENTRE)):
        tid = task_id(app, company, key)
        assert f'id="taak-{tid}"' in html and f'<label for="taak-{tid}" class="visually-hidden">' in html
    assert "Ahmed Yilmaz" in html and "Wachtrij" in html
    assert '<label for="to_user">Overdragen aan</label>' in html and '<label for="reason">' in html
    only_ahmed = client.get(f"/overdragen?bij={user_id(app, AHMED)}").get_data(as_text=True)
    assert f'id="taak-{task_id(app, LOGISTICS, "write_vacancy")}"' in only_ahmed
    assert f'id="taak-{task_id(app, BAKERY, "support_hr")}"' not in only_ahmed


def test_the_coordinator_hands_several_tasks_to_a_colleague_with_a_reason(app, client):
    mine, queued = task_id(app, BAKERY, "support_hr"), task_id(app, GARDEN_CENTRE, "recruit")
    sanne, ahmed = user_id(app, SANNE), user_id(app, AHMED)
    sign_in(client, SANNE)
    r = handover(client, [mine, queued], ahmed, "  Sanne is twee weken met verlof ")
    assert r.status_code == 302
    assert "2 taken overgedragen." in client.get(r.headers["Location"]).get_data(as_text=True)
    assert task(app, mine).assignee_id == ahmed and task(app, queued).assignee_id == ahmed
    assert events(app) == [
        (mine, "handover", sanne, sanne, ahmed, "Sanne is twee weken met verlof"),
        (queued, "handover", sanne, None, ahmed, "Sanne is twee weken met verlof"),
    ]
    sign_in(client, AHMED)
    inbox = client.get("/").get_data(as_text=True)
    assert "HR van de werkgever ondersteunen" in inbox and "Kandidaten werven" in inbox


@pytest.mark.parametrize("email", [AHMED, LISA, MARIEKE, HARRIE, ADMIN])
def test_anyone_but_a_coordinator_neither_sees_nor_can_use_the_handover(app, client, email):
    sign_in(client, email)
    assert "/overdragen" not in client.get("/").get_data(as_text=True)
    assert client.get("/overdragen").status_code == 404
    before = state(app)
    r = handover(client, [task_id(app, BAKERY, "support_hr")], user_id(app, AHMED), "Omdat het kan")
    assert r.status_code == 404
    assert state(app) == before


def test_the_use_case_itself_refuses_a_non_coordinator(app):
    before = state(app)
    with pytest.raises(NotPermitted, match="Alleen een coördinator kan taken overdragen."):
        TaskServices(services(app)).hand_over(actor(app, AHMED), [task_id(app, BAKERY, "support_hr")],
                                              user_id(app, AHMED), "Omdat het kan")
    assert state(app) == before


def test_a_handover_without_a_reason_is_shown_again_with_the_choices_kept(app, client):
    ids = [task_id(app, BAKERY, "support_hr"), task_id(app, GARDEN_CENTRE, "recruit")]
    sign_in(client, SANNE)
    before = state(app)
    r = handover(client, ids, user_id(app, AHMED), "   ")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Geef een reden voor de overdracht." in html
    for tid in ids:
        assert f'id="taak-{tid}"\n        checked>' in html
    assert f'<option selected value="{user_id(app, AHMED)}">Ahmed Yilmaz</option>' in html
    assert state(app) == before


def test_a_handover_without_tasks_or_colleague_is_refused_in_dutch(app, client):
    sign_in(client, SANNE)
    before = state(app)
    r = handover(client, [], user_id(app, AHMED), "Verlof")
    assert r.status_code == 400 and "Kies ten minste één taak." in r.get_data(as_text=True)
    r = handover(client, [task_id(app, BAKERY, "support_hr")], "0", "Verlof")
    assert r.status_code == 400 and "Kies een collega." in r.get_data(as_text=True)
    r = handover(client, [task_id(app, BAKERY, "support_hr")], user_id(app, LISA), "Verlof")
    assert r.status_code == 400 and "Kies een actieve collega met dezelfde rol." in r.get_data(as_text=True)
    r = handover(client, ["twee"], user_id(app, AHMED), "Verlof")
    assert r.status_code == 400 and "Kies ten minste één taak." in r.get_data(as_text=True)
    assert state(app) == before


def test_one_task_of_another_role_refuses_the_whole_handover(app, client):
    ours = task_id(app, GARDEN_CENTRE, "recruit")
    theirs = task_id(app, GARDEN_CENTRE, "suggest_candidates")  # a WSP task JoB may see
    sign_in(client, SANNE)
    before = state(app)
    r = handover(client, [ours, theirs], user_id(app, AHMED), "Verlof")
    assert r.status_code == 400 and "Deze taak is niet voor uw rol." in r.get_data(as_text=True)
    assert state(app) == before


def test_an_unknown_task_in_the_selection_is_not_found_and_changes_nothing(app, client):
    sign_in(client, SANNE)
    before = state(app)
    r = handover(client, [task_id(app, BAKERY, "support_hr"), 987654], user_id(app, AHMED), "Verlof")
    assert r.status_code == 404
    assert state(app) == before
