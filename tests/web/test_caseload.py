"""The coordinator's caseload view on "Taken overdragen": per colleague open cases, open and late
tasks; select all shown tasks and hand them to a colleague with a reason, all or nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine.store.models import User
from tests.helpers import make_user
from tests.web.inbox_support import (  # noqa: F401 - fixtures: a fast demo `app`
    ADMIN,
    AHMED,
    SANNE,
    csrf,
    events,
    services,
    set_task,
    sign_in,
    state,
    task,
    task_id,
    user_id,
)

BAKERY, GARDEN_CENTRE, LOGISTICS = "Bakkerij De Korenaar", "Tuincentrum De Bongerd", "Logistiek Centrum Arnhem"


def loads(html: str) -> dict[str, tuple[int, int, int]]:
    """The caseload table: colleague -> (open cases, open tasks, late)."""
    table = html.split('<h2 id="werkvoorraad">')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>\s*'
                      r'<td[^>]*>(?:<strong class="late-date">)?(\d+)', table)
    return {name: (int(a), int(b), int(c)) for name, a, b, c in rows}


def checked(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'value="(\d+)" id="taak-\d+"\s*checked>', html)}


def new_coach(app, email: str = "bram@job.example", name: str = "Bram de Wit") -> int:
    db = services(app).db
    with db.read() as s:
        org = s.scalar(select(User.organisation_id).where(User.email == SANNE))
    return make_user(db, org, "job", email, name).user_id  # type: ignore[return-value]


def test_the_coordinator_sees_open_cases_open_and_late_tasks_per_colleague(app, client):
    bram = new_coach(app)
    sign_in(client, SANNE)
    before = loads(client.get("/overdragen").get_data(as_text=True))
    assert before["Bram de Wit"] == (0, 0, 0) and "Wachtrij (nog niemand)" in before
    support, recruit = task_id(app, BAKERY, "support_hr"), task_id(app, GARDEN_CENTRE, "recruit")
    vacancy = task_id(app, LOGISTICS, "write_vacancy")
    now = services(app).clock.now()
    for tid in (support, recruit, vacancy):
        set_task(app, tid, assignee_id=bram, due_at=now + timedelta(days=3))
    set_task(app, recruit, due_at=now - timedelta(days=2))
    after = loads(client.get("/overdragen").get_data(as_text=True))
    assert after["Bram de Wit"] == (3, 3, 1)
    opened = sum(v[1] for v in after.values())
    assert opened == sum(v[1] for v in before.values())  # the same tasks, counted once each
    html = client.get(f"/overdragen?bij={bram}").get_data(as_text=True)
    assert f'href="/overdragen?bij={bram}">Taken tonen<span class="visually-hidden"> van Bram de Wit</span>' in html


def test_select_all_ticks_every_task_shown_and_hands_them_over_with_one_reason(app, client):
    bram = new_coach(app)
    ahmed, sanne = user_id(app, AHMED), user_id(app, SANNE)
    sign_in(client, SANNE)
    html = client.get(f"/overdragen?bij={ahmed}&alles=1").get_data(as_text=True)
    mine = {int(i) for i in re.findall(r'id="taak-(\d+)"', html)}
    assert mine and checked(html) == mine and "Keuze wissen" in html
    assert checked(client.get(f"/overdragen?bij={ahmed}").get_data(as_text=True)) == set()
    data = {"csrf_token": csrf(client, "/overdragen"), "taak": [str(i) for i in sorted(mine)],
            "to_user": str(bram), "reason": "Ahmed gaat naar een ander team"}
    r = client.post(f"/overdragen?bij={ahmed}&alles=1", data=data)
    assert r.status_code == 302
    assert f"{len(mine)} ta" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert all(task(app, i).assignee_id == bram for i in mine)
    assert events(app) == [(i, "handover", sanne, ahmed, bram, "Ahmed gaat naar een ander team") for i in sorted(mine)]
    assert loads(client.get("/overdragen").get_data(as_text=True))["Ahmed Yilmaz"] == (0, 0, 0)


def test_a_bulk_handover_without_reason_or_to_someone_outside_the_role_changes_nothing(app, client):
    ahmed = user_id(app, AHMED)
    sign_in(client, SANNE)
    html = client.get(f"/overdragen?bij={ahmed}&alles=1").get_data(as_text=True)
    ids = [str(i) for i in sorted(checked(html))]
    before = state(app)
    r = client.post(f"/overdragen?bij={ahmed}", data={"csrf_token": csrf(client, "/overdragen"), "taak": ids,
                                                      "to_user": str(user_id(app, SANNE)), "reason": ""})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "Geef een reden voor de overdracht." in page and checked(page) == set(map(int, ids))
    r = client.post(f"/overdragen?bij={ahmed}", data={"csrf_token": csrf(client, "/overdragen"), "taak": ids,
                                                      "to_user": str(user_id(app, ADMIN)), "reason": "Verlof"})
    assert r.status_code == 400 and "Kies een actieve collega met dezelfde rol." in r.get_data(as_text=True)
    assert state(app) == before
